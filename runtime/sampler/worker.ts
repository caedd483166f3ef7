// A sampling worker (Node worker_threads): rebuild the model from its source, run the chains it was
// given, and post each chain's flat draws back. See parallel.ts.
import { workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import * as runtime from "../index.js";
import type { CompiledModel } from "../model.js";
import type { ModelSource } from "./parallel.js";
import type { ChainPlan } from "./sample.js";
import { chainOptions, targetOf } from "./sample.js";
import { runChain } from "./chain.js";

const { source, data, plan, chains, port, signal } = workerData as {
  source: ModelSource;
  data: Record<string, unknown>;
  plan: ChainPlan;
  chains: number[];
  port: MessagePort;
  signal: Int32Array;
};

function post(message: unknown, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function loadModel(): Promise<CompiledModel> {
  let model: unknown;
  if ("body" in source) {
    model = new Function("rt", source.body)(runtime);
  } else {
    const mod = (await import(source.module)) as Record<string, unknown>;
    model = mod[source.exportName];
    if (!(model instanceof Object) || typeof (model as CompiledModel).flat?.logpGrad !== "function") {
      throw new Error(`${source.module} has no compiled model exported as '${source.exportName}'`);
    }
  }
  const m = model as CompiledModel;
  return data && Object.keys(data).length ? m.withData(data) : m;
}

try {
  const model = await loadModel();
  post({ type: "ready" });
  const target = targetOf(model);
  for (const chain of chains) {
    const result = runChain(target, {
      ...chainOptions(plan, chain),
      onProgress: (done, total, divergences) => post({ type: "progress", chain, done, total, divergences }),
    });
    const buffers = [result.draws.buffer, result.invMetric.buffer, ...Object.values(result.stats).map((s) => s.buffer)];
    if (result.warmupDraws) buffers.push(result.warmupDraws.buffer, ...Object.values(result.warmupStats!).map((s) => s.buffer));
    post({ type: "result", chain, result }, buffers as ArrayBuffer[]);
  }
} catch (e) {
  post({ type: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
