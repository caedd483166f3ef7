// `tsmc sample --out`: after a long run, summarizing the trace and writing it out are the bulk of
// the time left (4 chains x 300 000 draws of eight schools: each about as long as sampling), and
// they need not wait for each other. The summary's rows are shared out among worker threads (one
// per core, eight at most, reading the posterior from shared memory) while this thread writes the
// file; where no worker can start, this thread computes the table afterwards.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { Summary, summary, type SummaryRow } from "../runtime/index.js";
import type { SummaryInput } from "../runtime/sampler/summary.js";
import { tsxApi } from "../runtime/sampler/parallel.js";

/** The summary module as this file was loaded: dist's .js, or the .ts sources under tsx. */
function summaryModule(): { url: string; tsx: string | null } {
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  return { url: new URL(`../runtime/sampler/summary${ext}`, here).href, tsx: ext === ".ts" ? tsxApi() : null };
}

type SharedPosterior = Record<string, { shape: number[]; data: Float64Array }>;

/** The posterior's draws copied once into shared memory, which every worker then reads without a copy of its own. */
function sharedPosterior(trace: SummaryInput): SharedPosterior {
  return Object.fromEntries(
    Object.entries(trace.posterior).map(([name, a]) => {
      const data = new Float64Array(new SharedArrayBuffer(a.data.byteLength));
      data.set(a.data);
      return [name, { shape: a.shape, data }];
    }),
  );
}

/** One worker computing the rows index, index + of, ... of the table. */
function rowsOnWorker(trace: SummaryInput, posterior: SharedPosterior, part: { index: number; of: number }): Promise<SummaryRow[]> {
  const { url, tsx } = summaryModule();
  const code = [
    `const { workerData, parentPort } = require("node:worker_threads");`,
    tsx ? `import(${JSON.stringify(tsx)}).then((m) => (m.register ?? m.default.register)())` : `Promise.resolve()`,
    `  .then(() => import(${JSON.stringify(url)}))`,
    `  .then((m) => { const { trace, part } = workerData; parentPort.postMessage({ rows: m.summaryRows(trace, Object.keys(trace.posterior), 0.94, part) }); })`,
    `  .catch((e) => parentPort.postMessage({ error: String((e && e.message) || e) }));`,
  ].join("\n");
  const worker = new Worker(code, { eval: true, workerData: { trace: { posterior, dims: trace.dims, coords: trace.coords }, part } });
  return new Promise<SummaryRow[]>((resolve, reject) => {
    worker.once("message", (m: { rows: SummaryRow[] } | { error: string }) => {
      void worker.terminate();
      if ("error" in m) reject(new Error(m.error));
      else resolve(m.rows);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`a summary worker exited with code ${code}`)));
  });
}

/** Start summarizing `trace` on worker threads; call the result once this thread is free. */
export function summaryOffThread(trace: SummaryInput, threads = Math.min(8, availableParallelism())): () => Promise<Summary> {
  let result: Promise<Summary>;
  try {
    const posterior = sharedPosterior(trace);
    const parts = Array.from({ length: threads }, (_, index) => rowsOnWorker(trace, posterior, { index, of: threads }));
    result = Promise.all(parts).then((lists) => {
      const total = lists.reduce((n, l) => n + l.length, 0);
      const rows = Array.from({ length: total }, (_, i) => lists[i % threads][Math.floor(i / threads)]);
      return new Summary(rows, 2);
    });
  } catch (e) {
    result = Promise.reject(e);
  }
  // Workers that could not do it leave the work to this thread.
  return () => result.catch(() => summary(trace));
}
