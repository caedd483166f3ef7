// `tsmc sample --out`: after a long run, summarizing the trace and writing it out are the bulk of
// the time left (4 chains x 300 000 draws of eight schools: each about as long as sampling), and
// they need not wait for each other. The summary runs on a worker thread, on a copy of the
// posterior, while this thread writes the file; where no worker can start it runs here afterwards.
import { Worker } from "node:worker_threads";
import { Summary, summary, type NDArray, type SummaryRow } from "../runtime/index.js";
import { tsxApi } from "../runtime/sampler/parallel.js";

/** What summary() reads of a trace. */
type SummaryInput = Parameters<typeof summary>[0];

/** The summary module as this file was loaded: dist's .js, or the .ts sources under tsx. */
function summaryModule(): { url: string; tsx: string | null } {
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  return { url: new URL(`../runtime/sampler/summary${ext}`, here).href, tsx: ext === ".ts" ? tsxApi() : null };
}

/** Start summarizing `posterior` on a worker thread; call the result once this thread is free. */
export function summaryOffThread(trace: SummaryInput): () => Promise<Summary> {
  const { url, tsx } = summaryModule();
  const arrays = Object.fromEntries(Object.entries(trace.posterior).map(([name, a]) => [name, { shape: a.shape, data: a.data }]));
  let result: Promise<Summary>;
  try {
    const code = [
      `const { workerData, parentPort } = require("node:worker_threads");`,
      tsx ? `import(${JSON.stringify(tsx)}).then((m) => (m.register ?? m.default.register)())` : `Promise.resolve()`,
      `  .then(() => import(${JSON.stringify(url)}))`,
      `  .then((m) => { const s = m.summary({ posterior: workerData.posterior, dims: workerData.dims, coords: workerData.coords }); parentPort.postMessage({ rows: s.rows, roundTo: s.roundTo }); })`,
      `  .catch((e) => parentPort.postMessage({ error: String((e && e.message) || e) }));`,
    ].join("\n");
    const worker = new Worker(code, { eval: true, workerData: { posterior: arrays, dims: trace.dims, coords: trace.coords } });
    result = new Promise<Summary>((resolve, reject) => {
      worker.once("message", (m: { rows: SummaryRow[]; roundTo: number } | { error: string }) => {
        void worker.terminate();
        if ("error" in m) reject(new Error(m.error));
        else resolve(new Summary(m.rows, m.roundTo));
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the summary worker exited with code ${code}`)));
    });
  } catch (e) {
    result = Promise.reject(e);
  }
  // A worker that could not do it leaves the work to this thread.
  return () => result.catch(() => summary(trace));
}
