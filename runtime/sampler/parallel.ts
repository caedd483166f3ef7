// Chains in parallel worker threads (Node). A compiled model is generated code, so a worker
// rebuilds it from its source: either the text of the generated function body (in-process
// models whose `source` is `{ body }`) or the module that exports it (`{ module, exportName }`,
// which also covers ahead-of-time modules). `sample` stays synchronous: the main thread blocks on
// Atomics.wait and drains the workers' messages with receiveMessageOnPort, reporting progress as it
// goes. Each chain owns its seeded stream, so the trace does not depend on how many workers ran.
// Where no worker can be made (a browser, a model without a source), chains run in the caller's
// thread.
import type { CompiledModel } from "../model.js";
import type { ChainResult } from "./chain.js";
import type { ChainPlan } from "./sample.js";

/** Where a worker finds the model: the generated body of `function (rt)`, or a module export. */
export type ModelSource = { body: string } | { module: string; exportName: string };

type WorkerThreads = typeof import("node:worker_threads");

function builtin<T>(name: string): T | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    return (p?.getBuiltinModule?.(name) as T) ?? null;
  } catch {
    return null;
  }
}

function workerThreads(): WorkerThreads | null {
  const wt = builtin<WorkerThreads>("node:worker_threads");
  // Inside a worker, chains run where they are (no nested pools).
  return wt && wt.isMainThread ? wt : null;
}

/** The machine's cores (Node), or the browser's hardwareConcurrency, or 1. */
export function defaultCores(): number {
  const os = builtin<typeof import("node:os")>("node:os");
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

export function canRunInWorkers(model: CompiledModel): boolean {
  return model.source !== undefined && workerThreads() !== null;
}

/** The URL of tsx's registration API, resolved from here (null when tsx is not installed). */
function tsxApi(): string | null {
  try {
    if (typeof import.meta.resolve === "function") return import.meta.resolve("tsx/esm/api");
  } catch {
    // fall through to require.resolve
  }
  try {
    const mod = builtin<typeof import("node:module")>("node:module")!;
    const url = builtin<typeof import("node:url")>("node:url")!;
    const fs = builtin<typeof import("node:fs")>("node:fs")!;
    // require.resolve finds the CommonJS build; workers need the ES module next to it.
    const cjs = mod.createRequire(import.meta.url).resolve("tsx/esm/api");
    const esm = cjs.replace(/\.cjs$/, ".mjs");
    return url.pathToFileURL(fs.existsSync(esm) ? esm : cjs).href;
  } catch {
    return null;
  }
}

type Message =
  | { type: "ready" }
  | { type: "progress"; chain: number; done: number; total: number; divergences: number }
  | { type: "result"; chain: number; result: ChainResult }
  | { type: "error"; message: string };

const STARTUP_TIMEOUT_MS = 60_000;

export function runChainsInWorkers(
  model: CompiledModel,
  plan: ChainPlan,
  cores: number,
  onProgress?: (chain: number, done: number, total: number, divergences: number) => void,
): ChainResult[] {
  const wt = workerThreads()!;
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  const script = new URL(`./worker${ext}`, here);
  // TypeScript sources (tsmc itself run through tsx, or a user's .ts module): workers do not inherit
  // tsx's loader, so they register it before loading the worker.
  const source = model.source!;
  const needsTsx = ext === ".ts" || ("module" in source && /\.[cm]?tsx?$/.test(source.module));
  let entry: URL | string = script;
  if (needsTsx) {
    const api = tsxApi();
    if (!api) throw new Error("sample: running TypeScript in worker threads needs tsx; install it or pass cores: 1");
    entry = [
      `const { workerData: w } = require("node:worker_threads");`,
      `import(${JSON.stringify(api)})`,
      `  .then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(script.href)}); })`,
      `  .catch((e) => { w.port.postMessage({ type: "error", message: String((e && e.stack) || e) }); Atomics.add(w.signal, 0, 1); Atomics.notify(w.signal, 0); });`,
    ].join("\n");
  }
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const results: ChainResult[] = new Array(plan.chains);
  const workers: InstanceType<WorkerThreads["Worker"]>[] = [];
  const ports: InstanceType<WorkerThreads["MessagePort"]>[] = [];
  let ready = 0;
  try {
    for (let w = 0; w < cores; w++) {
      const chains: number[] = [];
      for (let c = w; c < plan.chains; c += cores) chains.push(c);
      if (!chains.length) continue;
      const { port1, port2 } = new wt.MessageChannel();
      ports.push(port1);
      workers.push(
        new wt.Worker(entry, {
          eval: typeof entry === "string",
          workerData: { source, data: model.boundData(), plan, chains, port: port2, signal },
          transferList: [port2],
        }),
      );
    }
    let pending = plan.chains;
    const started = Date.now();
    while (pending > 0) {
      const seen = Atomics.load(signal, 0);
      for (const port of ports) {
        for (let m = wt.receiveMessageOnPort(port); m; m = wt.receiveMessageOnPort(port)) {
          const msg = m.message as Message;
          if (msg.type === "ready") ready++;
          else if (msg.type === "progress") onProgress?.(msg.chain, msg.done, msg.total, msg.divergences);
          else if (msg.type === "result") {
            results[msg.chain] = msg.result;
            pending--;
          } else if (msg.type === "error") throw new Error(`sample: a worker failed: ${msg.message}`);
        }
      }
      if (pending === 0) break;
      if (ready < workers.length && Date.now() - started > STARTUP_TIMEOUT_MS) {
        throw new Error("sample: the worker threads did not start; pass cores: 1 to sample in this thread");
      }
      Atomics.wait(signal, 0, seen, 250);
    }
  } finally {
    for (const w of workers) void w.terminate();
    for (const p of ports) p.close();
  }
  return results;
}
