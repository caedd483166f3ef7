// Chains in parallel workers: Node worker_threads, or Web Workers in a browser. A compiled model is
// generated code, so a worker rebuilds it from its source: the text of the generated function body
// (in-process models, `{ body }`), the text of the factory an ahead-of-time module spliced in
// (`{ factory }`), or the module that exports it (`{ module, exportName }`). The synchronous
// `sample` blocks the main thread on Atomics.wait and drains the workers' messages with
// receiveMessageOnPort (Node only); `sampleAsync` listens for them instead, in Node or a browser.
// Each chain owns its seeded stream, so the trace does not depend on how many workers ran. Where no
// worker can be made (a model without a source, no Worker, a worker that cannot start), chains run
// in the caller's thread. Both kinds of worker run the same job (job.ts).
import type { CompiledModel } from "../model.js";
import type { ChainResult } from "./chain.js";
import type { WorkerJob, WorkerMessage } from "./job.js";
import type { ChainPlan } from "./sample.js";

/**
 * Where a worker finds the model: the generated body of `function (rt)`, the text of an
 * ahead-of-time factory `(rt) => { ... }`, or a module export.
 */
export type ModelSource = { body: string } | { factory: string } | { module: string; exportName: string };

export type ProgressCallback = (chain: number, done: number, total: number, divergences: number) => void;

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

const STARTUP_TIMEOUT_MS = 60_000;

/** One job per worker: chain c goes to worker c mod cores. */
function jobs(model: CompiledModel, plan: ChainPlan, cores: number): WorkerJob[] {
  const out: WorkerJob[] = [];
  for (let w = 0; w < Math.min(cores, plan.chains); w++) {
    const chains: number[] = [];
    for (let c = w; c < plan.chains; c += cores) chains.push(c);
    out.push({ source: model.source!, data: model.boundData(), plan, chains });
  }
  return out;
}

/** Start a worker thread on `job`; its messages arrive on the returned port, each bumping `signal`. */
function startThread(wt: WorkerThreads, job: WorkerJob, signal: Int32Array) {
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  const script = new URL(`./worker${ext}`, here);
  // TypeScript sources (tsmc itself run through tsx, or a user's .ts module): workers do not inherit
  // tsx's loader, so they register it before loading the worker.
  const source = job.source;
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
  const { port1, port2 } = new wt.MessageChannel();
  const worker = new wt.Worker(entry, { eval: typeof entry === "string", workerData: { job, port: port2, signal }, transferList: [port2] });
  return { worker, port: port1 };
}

/** `sample` with cores > 1 in Node: blocks this thread until every chain is back. */
export function runChainsInWorkers(model: CompiledModel, plan: ChainPlan, cores: number, onProgress?: ProgressCallback): ChainResult[] {
  const wt = workerThreads()!;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const results: ChainResult[] = new Array(plan.chains);
  const started: ReturnType<typeof startThread>[] = [];
  let ready = 0;
  try {
    for (const job of jobs(model, plan, cores)) started.push(startThread(wt, job, signal));
    let pending = plan.chains;
    const t0 = Date.now();
    while (pending > 0) {
      const seen = Atomics.load(signal, 0);
      for (const { port } of started) {
        for (let m = wt.receiveMessageOnPort(port); m; m = wt.receiveMessageOnPort(port)) {
          const msg = m.message as WorkerMessage;
          if (msg.type === "ready") ready++;
          else if (msg.type === "progress") onProgress?.(msg.chain, msg.done, msg.total, msg.divergences);
          else if (msg.type === "result") {
            results[msg.chain] = msg.result;
            pending--;
          } else if (msg.type === "error") throw new Error(`model '${model.name}': a sampling worker failed: ${msg.message}`);
        }
      }
      if (pending === 0) break;
      if (ready < started.length && Date.now() - t0 > STARTUP_TIMEOUT_MS) {
        throw new Error("sample: the worker threads did not start; pass cores: 1 to sample in this thread");
      }
      Atomics.wait(signal, 0, seen, 250);
    }
  } finally {
    for (const { worker, port } of started) {
      void worker.terminate();
      port.close();
    }
  }
  return results;
}

/** A started worker of either kind, as `runChainsAsync` drives it. */
interface Channel {
  /** Deliver the worker's messages, and a failure that is not a message (a script that did not load). */
  listen(onMessage: (m: WorkerMessage) => void, onFailure: (message: string) => void): void;
  close(): void;
}

function webChannel(job: WorkerJob): Channel {
  // This exact expression, with the global Worker, is what Vite and webpack look for to bundle the
  // worker (tsmc/rollup does it for rollup).
  const worker = new Worker(new URL("./web-worker.js", import.meta.url), { type: "module" });
  return {
    listen(onMessage, onFailure) {
      worker.onmessage = (e: MessageEvent<WorkerMessage>) => onMessage(e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault?.();
        onFailure(e.message || "the worker script could not be loaded");
      };
      worker.onmessageerror = () => onFailure("a message from the worker could not be read");
      worker.postMessage(job);
    },
    close: () => worker.terminate(),
  };
}

function threadChannel(wt: WorkerThreads, job: WorkerJob): Channel {
  const { worker, port } = startThread(wt, job, new Int32Array(new SharedArrayBuffer(4)));
  return {
    listen(onMessage, onFailure) {
      port.on("message", onMessage);
      worker.on("error", (e: Error) => onFailure(e.message));
    },
    close() {
      void worker.terminate();
      port.close();
    },
  };
}

/**
 * `sampleAsync` with cores > 1: chains in Web Workers (where a Worker global exists) or Node worker
 * threads, without blocking. Resolves with null when the workers cannot be made or do not start
 * (no Worker, eval forbidden in the worker, a script that does not load): the caller then runs the
 * chains itself. A chain that fails once its worker is running rejects.
 */
export function runChainsAsync(model: CompiledModel, plan: ChainPlan, cores: number, onProgress?: ProgressCallback): Promise<ChainResult[] | null> {
  const wt = workerThreads();
  const web = typeof Worker === "function";
  if (!model.source || (!web && !wt)) return Promise.resolve(null);
  const channels: Channel[] = [];
  try {
    for (const job of jobs(model, plan, cores)) channels.push(web ? webChannel(job) : threadChannel(wt!, job));
  } catch {
    for (const c of channels) c.close();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const results: ChainResult[] = new Array(plan.chains);
    let pending = plan.chains;
    let ready = 0;
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const c of channels) c.close();
      settle();
    };
    const timer = setTimeout(() => finish(() => resolve(null)), STARTUP_TIMEOUT_MS);
    for (const channel of channels) {
      let started = false;
      const fail = (message: string) =>
        finish(() => (started ? reject(new Error(`model '${model.name}': a sampling worker failed: ${message}`)) : resolve(null)));
      channel.listen((msg) => {
        if (settled) return;
        try {
          if (msg.type === "ready") {
            started = true;
            if (++ready === channels.length) clearTimeout(timer);
          } else if (msg.type === "progress") onProgress?.(msg.chain, msg.done, msg.total, msg.divergences);
          else if (msg.type === "result") {
            results[msg.chain] = msg.result;
            if (--pending === 0) finish(() => resolve(results));
          } else fail(msg.message);
        } catch (e) {
          finish(() => reject(e));
        }
      }, fail);
    }
  });
}
