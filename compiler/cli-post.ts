// `tsmc sample --out`: after a long run, summarizing the trace and writing it out are the bulk of
// the time left (4 chains x 300 000 draws of eight schools: each as long as sampling on one
// thread), and both divide into independent pieces. A pool of worker threads (one per core, eight
// at most) reads the trace's arrays from shared memory, copied there once, and takes pieces from
// one queue: the JSON text of a block of draws, or some blocks of the summary's rows. This thread
// writes the text in order as the pieces come back. Where no worker can start, this thread does it
// all, with the same result.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { Summary, summary, type SummaryRow, type Trace } from "../runtime/index.js";
import { formatJSONItems, type JSONArray } from "../runtime/sampler/trace.js";
import { summaryBlocks, type SummaryInput } from "../runtime/sampler/summary.js";
import { tsxApi } from "../runtime/sampler/parallel.js";

/** The runtime's modules as this file was loaded: dist's .js, or the .ts sources under tsx. */
function runtimeModules(): { summary: string; trace: string; tsx: string | null } {
  const here = import.meta.url;
  const ext = here.slice(here.lastIndexOf("."));
  return {
    summary: new URL(`../runtime/sampler/summary${ext}`, here).href,
    trace: new URL(`../runtime/sampler/trace${ext}`, here).href,
    tsx: ext === ".ts" ? tsxApi() : null,
  };
}

/** Values per JSON piece by default: a chain's draws are cut into blocks of about this many numbers. */
const BLOCK = 1 << 20;

export interface PoolOptions {
  /** Worker threads (default: one per core, eight at most). */
  threads?: number;
  /** Whether writeJSON will be called (then every array of the trace is shared, not only the posterior). */
  json?: boolean;
  /** Numbers per piece of JSON text. */
  block?: number;
}

type Task =
  | { kind: "json"; array: number; offset: number; shape: number[]; booleans: boolean; from: number; to: number }
  | { kind: "rows"; index: number; of: number };
type Reply = { id: number; bytes?: Uint8Array; rows?: [number, SummaryRow][]; error?: string };

/** A worker failed or could not start: the caller redoes the work on this thread. */
export class PoolError extends Error {}

const WORKER_CODE = (m: ReturnType<typeof runtimeModules>) =>
  [
    `const { workerData, parentPort } = require("node:worker_threads");`,
    m.tsx ? `import(${JSON.stringify(m.tsx)}).then((t) => (t.register ?? t.default.register)())` : `Promise.resolve()`,
    `  .then(() => Promise.all([import(${JSON.stringify(m.summary)}), import(${JSON.stringify(m.trace)})]))`,
    `  .then(([summary, trace]) => {`,
    `    const { arrays, posterior, dims, coords } = workerData;`,
    `    const input = { posterior, dims, coords };`,
    `    parentPort.on("message", ({ id, task }) => {`,
    `      try {`,
    `        if (task.kind === "rows") parentPort.postMessage({ id, rows: summary.summaryPart(input, Object.keys(posterior), 0.94, task) });`,
    `        else {`,
    `          // The text as UTF-8 bytes, handed over without a copy (with their spare room).`,
    `          const bytes = trace.formatJSONBytes(arrays[task.array].subarray(task.offset), task.shape, task.booleans, task.from, task.to);`,
    `          parentPort.postMessage({ id, bytes }, [bytes.buffer]);`,
    `        }`,
    `      } catch (e) { parentPort.postMessage({ id, error: String((e && e.message) || e) }); }`,
    `    });`,
    `    parentPort.postMessage({ ready: true });`,
    `  })`,
    `  .catch((e) => parentPort.postMessage({ id: -1, error: String((e && e.message) || e) }));`,
  ].join("\n");

/**
 * Worker threads over one trace: `summary()` is az.summary's table, `writeJSON(write)` the text of
 * trace.writeJSON; call `close()` when done. Results equal summary(trace) and trace.writeJSON's.
 */
export class PostPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; task: Task }[] = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private readonly shared = new Map<Float64Array, number>();
  private nextId = 0;
  private failure: PoolError | null = null;

  private constructor(
    readonly trace: SummaryInput & Partial<Pick<Trace, "jsonPieces">>,
    private readonly block: number,
  ) {}

  /** A pool of worker threads over `trace`'s arrays (copied once into shared memory). */
  static start(trace: SummaryInput & Partial<Pick<Trace, "jsonPieces">>, opts: PoolOptions = {}): PostPool {
    const threads = opts.threads ?? Math.min(8, availableParallelism());
    const pieces = opts.json && trace.jsonPieces ? trace.jsonPieces() : [];
    const arrays: Float64Array[] = [];
    const pool = new PostPool(trace, opts.block ?? BLOCK);
    const share = (data: Float64Array): number => {
      let k = pool.shared.get(data);
      if (k === undefined) {
        const copy = new Float64Array(new SharedArrayBuffer(data.byteLength));
        copy.set(data);
        pool.shared.set(data, (k = arrays.push(copy) - 1));
      }
      return k;
    };
    const posterior: Record<string, { shape: number[]; data: Float64Array }> = {};
    for (const [name, a] of Object.entries(trace.posterior)) posterior[name] = { shape: [...a.shape], data: arrays[share(a.data as Float64Array)] };
    for (const p of pieces) if (typeof p !== "string" && p.arr.shape.length >= 2 && p.arr.data instanceof Float64Array) share(p.arr.data);
    const code = WORKER_CODE(runtimeModules());
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(code, { eval: true, workerData: { arrays, posterior, dims: trace.dims, coords: trace.coords } });
      pool.workers.push(worker);
      worker.on("message", (m: Reply & { ready?: boolean }) => {
        if (m.ready) return pool.free(worker);
        if (m.id === -1) return pool.fail(new PoolError(`a post-processing worker could not start: ${m.error}`));
        const waiting = pool.pending.get(m.id);
        pool.pending.delete(m.id);
        pool.free(worker);
        if (m.error !== undefined) waiting?.reject(new PoolError(m.error));
        else waiting?.resolve(m);
      });
      worker.once("error", (e) => pool.fail(new PoolError(`a post-processing worker failed: ${e.message}`)));
      worker.once("exit", (code) => pool.fail(new PoolError(`a post-processing worker exited with code ${code}`)));
    }
    return pool;
  }

  private free(worker: Worker): void {
    const next = this.queue.shift();
    if (!next) return void this.idle.push(worker);
    worker.postMessage(next);
  }

  private fail(e: PoolError): void {
    if (this.failure) return;
    this.failure = e;
    for (const { reject } of this.pending.values()) reject(e);
    this.pending.clear();
    this.close();
  }

  private run(task: Task): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const worker = this.idle.pop();
    if (worker) worker.postMessage({ id, task });
    else this.queue.push({ id, task });
    return reply;
  }

  /**
   * az.summary's table, its rows shared out among the workers in parts of a few blocks of rows
   * each (see summaryPart: small parts, so that no worker is left alone with a long last one), or
   * made on this thread if they fail.
   */
  async summary(): Promise<Summary> {
    const of = Math.max(1, Math.min(summaryBlocks(this.trace), 16 * this.workers.length));
    try {
      const parts = await Promise.all(Array.from({ length: of }, (_, index) => this.run({ kind: "rows", index, of }).then((r) => r.rows!)));
      const rows: SummaryRow[] = [];
      for (const part of parts) for (const [at, row] of part) rows[at] = row;
      return new Summary(rows, 2);
    } catch {
      return summary(this.trace);
    }
  }

  /**
   * trace.writeJSON's text, handed to `write` in order: the arrays' text made by the workers a
   * block at a time, no more than a few blocks ahead of what is written.
   */
  async writeJSON(write: (chunk: string | Uint8Array) => void): Promise<void> {
    if (!this.trace.jsonPieces) throw new Error("writeJSON: not a Trace");
    const parts: (string | (() => Promise<Reply>))[] = [];
    for (const piece of this.trace.jsonPieces()) {
      if (typeof piece === "string") parts.push(piece);
      else parts.push(...this.arrayParts(piece));
    }
    const ahead = 3 * this.workers.length;
    const started: (string | Promise<Reply>)[] = [];
    let next = 0;
    const startUpTo = (n: number) => {
      for (; next < Math.min(n, parts.length); next++) {
        const p = parts[next];
        if (typeof p === "string") started.push(p);
        else {
          const reply = p();
          reply.catch(() => {}); // a failure is reported where the loop below awaits it, in order
          started.push(reply);
        }
      }
    };
    for (let i = 0; i < parts.length; i++) {
      startUpTo(i + ahead);
      const p = started[i];
      write(typeof p === "string" ? p : (await p).bytes!);
      started[i] = "";
    }
  }

  /** An array's text: brackets around blocks of its chains' draws, each block one task. */
  private arrayParts(piece: JSONArray): (string | (() => Promise<Reply>))[] {
    const { shape, data } = piece.arr;
    const k = this.shared.get(data as Float64Array);
    if (k === undefined || shape.length < 2) return [formatWhole(piece)];
    const [chains, draws] = shape;
    const inner = shape.slice(2);
    const perDraw = inner.reduce((a, b) => a * b, 1);
    const block = Math.max(1, Math.floor(this.block / Math.max(1, perDraw)));
    const out: (string | (() => Promise<Reply>))[] = ["["];
    for (let c = 0; c < chains; c++) {
      out.push(c > 0 ? ",[" : "[");
      for (let from = 0; from < draws; from += block) {
        const to = Math.min(draws, from + block);
        if (from > 0) out.push(",");
        const task: Task = { kind: "json", array: k, offset: c * draws * perDraw, shape: [draws, ...inner], booleans: piece.booleans, from, to };
        out.push(() => this.run(task));
      }
      out.push("]");
    }
    out.push("]");
    return out;
  }

  close(): void {
    for (const w of this.workers) void w.terminate();
  }
}

/** A small array's text, made on this thread. */
function formatWhole({ arr, booleans }: JSONArray): string {
  if (arr.shape.length === 0) return formatJSONItems(arr.data, [1], booleans, 0, 1);
  return `[${formatJSONItems(arr.data, arr.shape, booleans, 0, arr.shape[0])}]`;
}

/** Start summarizing `trace` on worker threads; call the result once this thread is free. */
export function summaryOffThread(trace: SummaryInput, threads = Math.min(8, availableParallelism())): () => Promise<Summary> {
  let pool: PostPool;
  try {
    pool = PostPool.start(trace, { threads });
  } catch {
    // Workers that cannot start (a posterior that does not clone) leave the work to this thread.
    return async () => summary(trace);
  }
  const result = pool.summary();
  return () => result.finally(() => pool.close());
}
