// The worker side of parallel sampling, shared by the Node entry (worker.ts) and the browser entry
// (web-worker.ts): rebuild the model from its source, run the chains this worker was given, and
// post progress and each chain's flat draws back. Only the worker entries import this module, so
// the code generation below (new Function) never reaches a page's main bundle.
import * as runtime from "../generated.js";
import type { CompiledModel } from "../model.js";
import type { ChainResult } from "./chain.js";
import { chainSteps } from "./chain.js";
import type { ModelSource } from "./parallel.js";
import type { ChainPlan } from "./sample.js";
import { chainOptions, targetOf } from "./sample.js";

/** What a worker is asked to do. */
export interface WorkerJob {
  source: ModelSource;
  data: Record<string, unknown>;
  plan: ChainPlan;
  chains: number[];
}

/**
 * What a worker posts back, in this order: started (its entry runs), loaded (the runtime is loaded
 * and can rebuild the model: eval is allowed where the source needs it), ready (the model is
 * built), then progress and results. An error before loaded means the worker could not start; from
 * then on it is the run's error. A worker thread also posts its exit code if it calls process.exit.
 */
export type WorkerMessage =
  | { type: "started" }
  | { type: "loaded" }
  | { type: "ready" }
  | { type: "exit"; code: number }
  | { type: "progress"; chain: number; done: number; total: number; divergences: number }
  | { type: "result"; chain: number; result: ChainResult }
  | { type: "error"; message: string };

export type Post = (message: WorkerMessage, transfer?: ArrayBuffer[]) => void;

/** Rebuild a compiled model from its source (code generation: needs eval permitted here). */
export async function loadModel(source: ModelSource, data: Record<string, unknown>): Promise<CompiledModel> {
  let model: unknown;
  if ("body" in source) {
    model = new Function("rt", source.body)(runtime);
  } else if ("factory" in source) {
    model = (new Function(`return (${source.factory});`)() as (rt: unknown) => unknown)(runtime);
  } else {
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ source.module)) as Record<string, unknown>;
    model = mod[source.exportName];
    if (!(model instanceof Object) || typeof (model as CompiledModel).flat?.logpGrad !== "function") {
      throw new Error(`${source.module} has no compiled model exported as '${source.exportName}'`);
    }
  }
  const m = model as CompiledModel;
  return data && Object.keys(data).length ? m.withData(data) : m;
}

export async function runJob(job: WorkerJob, post: Post): Promise<void> {
  try {
    // Eval forbidden here (a Content Security Policy, --disallow-code-generation-from-strings) is a
    // worker that cannot start; a source that does not build is the caller's error.
    if (!("module" in job.source)) new Function("");
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
    return;
  }
  post({ type: "loaded" });
  try {
    const model = await loadModel(job.source, job.data);
    post({ type: "ready" });
    const target = targetOf(model);
    for (const chain of job.chains) {
      const steps = chainSteps(target, chainOptions(job.plan, chain));
      let s = steps.next();
      for (; !s.done; s = steps.next()) post({ type: "progress", chain, done: s.value[0], total: s.value[1], divergences: s.value[2] });
      const result = s.value;
      const buffers = [result.draws.buffer, result.invMetric.buffer, ...Object.values(result.stats).map((a) => a.buffer)];
      if (result.warmupDraws) buffers.push(result.warmupDraws.buffer, ...Object.values(result.warmupStats!).map((a) => a.buffer));
      post({ type: "result", chain, result }, buffers as ArrayBuffer[]);
    }
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
}
