// Chains in parallel workers: Node worker_threads, or Web Workers in a browser. A compiled model is
// generated code, so a worker rebuilds it from its source: the text of the generated function body
// (in-process models, `{ body }`), the text of the factory an ahead-of-time module spliced in
// (`{ factory }`), or the module that exports it (`{ module, exportName }`). The synchronous
// `sample` blocks the main thread on Atomics.wait and drains the workers' messages with
// receiveMessageOnPort (Node only); `sampleAsync` listens for them instead, in Node or a browser.
// Each chain owns its seeded stream, so the trace does not depend on how many workers ran. Where no
// worker can be made (a model without a source, no Worker), chains run in the caller's thread, and
// so they do, after a one-line warning, where the workers cannot start (a bundle without the worker
// script, a sandbox, eval forbidden): as soon as a worker reports the failure, or once it has not
// started in time (a second for a worker thread). A worker that dies once it has loaded (killed,
// out of memory, process.exit in the model) is an error, never a hang: `sampleAsync` hears its
// 'exit' event; the blocked `sample` cannot, so it probes a silent worker's port (see `isGone`).
// An AbortSignal terminates the workers. Both kinds of worker run the same job (job.ts).
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

/** Whether chains can go to workers: worker threads for the blocking `sample`, Web Workers too for `sampleAsync`. */
export function canRunInWorkers(model: CompiledModel, blocking: boolean): boolean {
  return model.source !== undefined && (workerThreads() !== null || (!blocking && typeof Worker === "function"));
}

/** The URL of tsx's registration API, resolved from here (null when tsx is not installed). */
export function tsxApi(): string | null {
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

// A worker thread's bootstrap posts "started" before it loads anything; one that has not within
// THREAD_START_MS never will (a sandbox, a process out of threads). A Web Worker can only say so once
// its module graph (the runtime) has loaded: 0.6-1.3 s for four at once through the web-worker
// package on a busy 2-core VM, longer on a slow network. Its real failures (a script that does not
// load, a CSP) arrive at once as an error event or a throw, so WEB_START_MS is only a safety net.
// Then a worker loads the runtime ("loaded") and rebuilds the model ("ready"), which may take a while
// on a slow disk or a big model.
const THREAD_START_MS = 1_000;
const WEB_START_MS = 5_000;
const READY_MS = 60_000;
// How long a worker thread may stay silent before the blocked `sample` checks that it still exists.
const PROBE_MS = 250;

/** Where each worker of a pool is in its start-up, the deadlines it has to meet, and the chains it still owes. */
class Pool {
  private readonly state: ("spawned" | "started" | "loaded" | "ready")[];
  private readonly t0 = Date.now();
  readonly owed: number[];
  constructor(
    all: WorkerJob[],
    private readonly startMs: number,
  ) {
    this.state = all.map(() => "spawned");
    this.owed = all.map((job) => job.chains.length);
  }
  note(worker: number, message: "started" | "loaded" | "ready"): void {
    this.state[worker] = message;
  }
  /** Whether the worker has loaded the runtime: a failure from then on is an error, not a reason to fall back. */
  isLoaded(worker: number): boolean {
    return this.state[worker] === "loaded" || this.state[worker] === "ready";
  }
  /** Why the pool counts as not started by now, or null while it is in time. */
  overdue(): string | null {
    const elapsed = Date.now() - this.t0;
    if (elapsed > this.startMs && this.state.includes("spawned")) return `no message within ${this.startMs} ms`;
    if (elapsed > READY_MS && this.state.some((s) => s !== "ready")) return `the model was not rebuilt within ${READY_MS / 1000} s`;
    return null;
  }
  /** Milliseconds until the next deadline still to be met (Infinity once every worker is ready). */
  untilDeadline(): number {
    const deadline = this.state.includes("spawned") ? this.startMs : this.state.some((s) => s !== "ready") ? READY_MS : Infinity;
    return Math.max(0, deadline - (Date.now() - this.t0));
  }
}

/** The error for a worker that exited before its chains were done (`code` when known). */
function exited(model: CompiledModel, code: number | undefined): Error {
  const how = code === undefined ? "(killed, or out of memory)" : `with code ${code}`;
  return new Error(`model '${model.name}': a sampling worker exited ${how} before its chains were done`);
}

/** The error an aborted `sample` or `sampleAsync` throws (name "AbortError", the signal's reason as cause). */
export function abortError(model: CompiledModel, signal: AbortSignal): Error {
  const e = new Error(`model '${model.name}': sampling aborted`, { cause: signal.reason });
  e.name = "AbortError";
  return e;
}

/** Warn that the workers did not start; null tells the caller to run the chains itself. */
function notStarted(reason: unknown, plan: ChainPlan): null {
  const why = String(reason instanceof Error ? reason.message : reason).split("\n")[0];
  console.warn(`tsmc: sampling workers could not start (${why}); running the ${plan.chains} chains in this thread`);
  return null;
}

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

/**
 * Start a worker thread on `job`; its messages arrive on the returned port, each bumping `signal`.
 * The thread runs a small bootstrap first, which posts "started" and then imports the worker
 * script, and posts the error if that import fails, and its exit code if it calls process.exit:
 * the synchronous `sample`, blocked in Atomics.wait, never sees the Worker's 'error' or 'exit'
 * event, but it does see messages.
 */
function startThread(wt: WorkerThreads, job: WorkerJob, signal: Int32Array) {
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  const script = new URL(`./worker${ext}`, here);
  // TypeScript sources (tsmc itself run through tsx, or a user's .ts module): workers do not inherit
  // tsx's loader, so they register it before loading the worker.
  const source = job.source;
  const needsTsx = ext === ".ts" || ("module" in source && /\.[cm]?tsx?$/.test(source.module));
  const tsx = needsTsx ? tsxApi() : null;
  if (needsTsx && !tsx) throw new Error("running TypeScript in worker threads needs tsx");
  const bootstrap = [
    `const { workerData: w } = require("node:worker_threads");`,
    `const post = (m) => { w.port.postMessage(m); Atomics.add(w.signal, 0, 1); Atomics.notify(w.signal, 0); };`,
    `post({ type: "started" });`,
    `process.on("exit", (code) => post({ type: "exit", code }));`,
    tsx ? `import(${JSON.stringify(tsx)}).then((m) => (m.register ?? m.default.register)())` : `Promise.resolve()`,
    `  .then(() => import(${JSON.stringify(script.href)}))`,
    `  .catch((e) => post({ type: "error", message: String((e && e.message) || e) }));`,
  ].join("\n");
  const { port1, port2 } = new wt.MessageChannel();
  const worker = new wt.Worker(bootstrap, { eval: true, workerData: { job, port: port2, signal }, transferList: [port2] });
  return { worker, port: port1 };
}

/**
 * Whether a worker thread is gone, asked without the event loop: a port whose peer has been closed
 * (its thread ended, whatever the way) no longer delivers, and postMessage says so by not returning
 * true. The probe message waits unread in the worker's port (the worker never listens to it).
 */
function isGone(port: import("node:worker_threads").MessagePort): boolean {
  return (port.postMessage(null) as unknown) !== true;
}

/**
 * `sample` with cores > 1 in Node: blocks this thread until every chain is back. Returns null (after
 * a warning) when the workers do not start, and the caller runs the chains itself.
 */
export function runChainsInWorkers(
  model: CompiledModel,
  plan: ChainPlan,
  cores: number,
  onProgress?: ProgressCallback,
  abort?: AbortSignal,
): ChainResult[] | null {
  const wt = workerThreads()!;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const results: ChainResult[] = new Array(plan.chains);
  const threads: ReturnType<typeof startThread>[] = [];
  const all = jobs(model, plan, cores);
  const pool = new Pool(all, THREAD_START_MS);
  try {
    for (const job of all) {
      const thread = startThread(wt, job, signal);
      // Failures reach this blocked thread as messages, missed deadlines or probes; an 'error' event
      // left unheard would be thrown from the event loop once `sample` has returned.
      thread.worker.on("error", () => {});
      threads.push(thread);
    }
  } catch (e) {
    for (const { worker } of threads) void worker.terminate();
    return notStarted(e, plan);
  }
  const lastHeard = threads.map(() => Date.now());
  /** Read worker w's messages; a reason to fall back, or null. Throws when the run fails. */
  const drain = (w: number): string | null => {
    for (let m = wt.receiveMessageOnPort(threads[w].port); m; m = wt.receiveMessageOnPort(threads[w].port)) {
      lastHeard[w] = Date.now();
      const msg = m.message as WorkerMessage;
      if (msg.type === "progress") onProgress?.(msg.chain, msg.done, msg.total, msg.divergences);
      else if (msg.type === "result") {
        results[msg.chain] = msg.result;
        pool.owed[w]--;
      } else if (msg.type === "error" || msg.type === "exit") {
        const why = msg.type === "error" ? msg.message : `the worker exited with code ${msg.code}`;
        if (!pool.isLoaded(w)) return why;
        if (msg.type === "error") throw new Error(`model '${model.name}': a sampling worker failed: ${msg.message}`);
        if (pool.owed[w] > 0) throw exited(model, msg.code);
      } else pool.note(w, msg.type);
    }
    return null;
  };
  try {
    for (;;) {
      const seen = Atomics.load(signal, 0);
      for (let w = 0; w < threads.length; w++) {
        const why = drain(w);
        if (why) return notStarted(why, plan);
      }
      if (abort?.aborted) throw abortError(model, abort);
      if (pool.owed.every((n) => n === 0)) return results;
      const late = pool.overdue();
      if (late) return notStarted(late, plan);
      for (let w = 0; w < threads.length; w++) {
        if (pool.owed[w] === 0 || Date.now() - lastHeard[w] < PROBE_MS || !isGone(threads[w].port)) continue;
        // Its last messages (a result, the exit code) may have come in since the drain above.
        const why = drain(w);
        if (why || !pool.isLoaded(w)) return notStarted(why ?? "the worker exited", plan);
        if (pool.owed[w] > 0) throw exited(model, undefined);
      }
      Atomics.wait(signal, 0, seen, Math.min(PROBE_MS, pool.untilDeadline()));
    }
  } finally {
    for (const { worker, port } of threads) {
      void worker.terminate();
      port.close();
    }
  }
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
      worker.on("exit", (code) => {
        // Messages posted just before the exit (the last result) may not have been delivered yet.
        for (let m = wt.receiveMessageOnPort(port); m; m = wt.receiveMessageOnPort(port)) onMessage(m.message as WorkerMessage);
        onMessage({ type: "exit", code });
      });
    },
    close() {
      void worker.terminate();
      port.close();
    },
  };
}

/**
 * `sampleAsync` with cores > 1: chains in Web Workers (where a Worker global exists) or Node worker
 * threads, without blocking. Resolves with null when no worker can be made (no Worker, a model
 * without a source), or, after a warning, when the workers do not start (a script that does not
 * load, eval forbidden in the worker): the caller then runs the chains itself. A worker that fails
 * or exits once it has loaded the runtime rejects, and so does an abort (terminating the workers).
 */
export function runChainsAsync(
  model: CompiledModel,
  plan: ChainPlan,
  cores: number,
  onProgress?: ProgressCallback,
  abort?: AbortSignal,
): Promise<ChainResult[] | null> {
  if (!canRunInWorkers(model, false)) return Promise.resolve(null);
  const wt = workerThreads();
  const web = typeof Worker === "function";
  const all = jobs(model, plan, cores);
  const pool = new Pool(all, web ? WEB_START_MS : THREAD_START_MS);
  const channels: Channel[] = [];
  try {
    for (const job of all) channels.push(web ? webChannel(job) : threadChannel(wt!, job));
  } catch (e) {
    for (const c of channels) c.close();
    return Promise.resolve(notStarted(e, plan));
  }
  return new Promise((resolve, reject) => {
    const results: ChainResult[] = new Array(plan.chains);
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => finish(() => reject(abortError(model, abort!)));
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort?.removeEventListener("abort", onAbort);
      for (const c of channels) c.close();
      settle();
    };
    abort?.addEventListener("abort", onAbort);
    const watch = () => {
      const late = pool.overdue();
      if (late) finish(() => resolve(notStarted(late, plan)));
      else if (pool.untilDeadline() < Infinity) timer = setTimeout(watch, pool.untilDeadline());
    };
    channels.forEach((channel, w) => {
      const fail = (message: string) =>
        finish(() =>
          pool.isLoaded(w) ? reject(new Error(`model '${model.name}': a sampling worker failed: ${message}`)) : resolve(notStarted(message, plan)),
        );
      channel.listen((msg) => {
        if (settled) return;
        try {
          if (msg.type === "progress") onProgress?.(msg.chain, msg.done, msg.total, msg.divergences);
          else if (msg.type === "result") {
            results[msg.chain] = msg.result;
            pool.owed[w]--;
            if (pool.owed.every((n) => n === 0)) finish(() => resolve(results));
          } else if (msg.type === "error") fail(msg.message);
          else if (msg.type === "exit") {
            if (!pool.isLoaded(w)) finish(() => resolve(notStarted(`the worker exited with code ${msg.code}`, plan)));
            else if (pool.owed[w] > 0) finish(() => reject(exited(model, msg.code)));
          } else pool.note(w, msg.type);
        } catch (e) {
          finish(() => reject(e));
        }
      }, fail);
    });
    watch();
  });
}
