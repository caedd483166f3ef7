// The browser entry of a sampling worker (a module Web Worker, started by parallel.ts with
// `new Worker(new URL("./web-worker.js", import.meta.url), { type: "module" })`, which Vite and
// webpack bundle as they find it, and tsmc/rollup for rollup). It says "started" as soon as it runs,
// so that the page can tell a worker that loads slowly from one that never will; the first message
// it receives is the job.
import { runJob, type WorkerJob, type WorkerMessage } from "./job.js";

interface WorkerScope {
  addEventListener(type: "message", listener: (e: { data: WorkerJob }) => void, opts?: { once?: boolean }): void;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
}

const scope = globalThis as unknown as WorkerScope;
scope.postMessage({ type: "started" } satisfies WorkerMessage);
scope.addEventListener("message", (e) => void runJob(e.data, (message, transfer = []) => scope.postMessage(message, transfer)), { once: true });
