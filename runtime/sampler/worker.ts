// The Node entry of a sampling worker (worker_threads), imported by the bootstrap that parallel.ts
// starts the thread with (which has already posted "started"). The job comes in workerData; each
// message also bumps `signal`, so that a main thread blocked in Atomics.wait (the synchronous
// `sample`) wakes up to read it. See job.ts for the work itself, parallel.ts for the main side.
import { workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { runJob, type WorkerJob } from "./job.js";

const { job, port, signal } = workerData as { job: WorkerJob; port: MessagePort; signal: Int32Array };

await runJob(job, (message, transfer = []) => {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
