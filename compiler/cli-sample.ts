// `tsmc sample <file>`: load a file's models, sample one as sample() does, show a progress bar per chain
// (plain lines when the output is not a terminal), print az.summary's table and PyMC's warnings,
// and optionally write the trace as ArviZ JSON. A source file with model() declarations goes
// through the build pass's evaluation (as `tsmc print` does) and the one emitter; the generated
// body is what worker threads rebuild the model from. A module without declarations (say, the
// output of `tsmc build`) is imported and its exported CompiledModels are used. Ctrl-C stops the
// chains and writes nothing; --out is written whole or not at all.
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { type Command, InvalidArgumentError, Option } from "commander";
import * as runtime from "../runtime/index.js";
import "../runtime/sampler/install.js"; // this command samples whatever module it loads
import { assignStepMethods, describeSteps } from "../runtime/sampler/assign.js";
import { CompiledModel, summary, toZarr, type Trace } from "../runtime/index.js";
import { logLikelihoodOf } from "../runtime/sampler/sample.js";
import { checkGroupNames } from "../runtime/sampler/zarr.js";
import type { ModelCall } from "./frontend/analyze.js";
import { PoolError, PostPool } from "./cli-post.js";
import { loadBuildPass, mayDeclareModels, MissingPeerError } from "./frontend/load.js";
import type { Constant as ConstantClass } from "./graph/basic.js";
import type { Model } from "./model/model.js";

export interface SampleCommandOptions {
  model?: string;
  draws: number;
  tune: number;
  chains: number;
  cores?: number;
  seed?: string;
  targetAccept: number;
  out?: string;
  report?: string;
  logLikelihood?: boolean;
  data?: string;
  progress: boolean;
}

/** Where the command writes: stdout for the table, stderr for progress and warnings. */
export interface SampleIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

function probability(value: string): number {
  const p = Number(value);
  if (!(p > 0 && p < 1)) throw new InvalidArgumentError("expected a number between 0 and 1");
  return p;
}

/** Register `tsmc sample` on a commander program. */
export function registerSample(program: Command, io: SampleIO = process): Command {
  program
    .command("sample")
    .description("sample a model's posterior with NUTS and print the summary table (as az.summary)")
    .argument("<file>", "a module that exports compiled models (.js, .mjs; .ts through tsx)")
    .option("--model <name>", "the model to sample, by model name or export name (needed when the file has several; must match one model)")
    .addOption(new Option("--draws <n>", "kept draws per chain").argParser(positiveInt).default(1000))
    .addOption(new Option("--tune <n>", "warmup iterations per chain").argParser(positiveInt).default(1000))
    .addOption(new Option("--chains <n>", "number of chains").argParser(positiveInt).default(4))
    .addOption(new Option("--cores <n>", "chains run in parallel (default: the machine's cores)").argParser(positiveInt))
    .option("--seed <seed>", "makes the trace reproducible")
    .addOption(new Option("--target-accept <p>", "target acceptance rate of step-size adaptation").argParser(probability).default(0.8))
    .option("--data <json>", "bind data() inputs: a JSON object, or @file.json (as withData)")
    .option("--out <file>", "write the trace for ArviZ: a .zarr folder (az.from_zarr; fast) or else JSON (az.from_json)")
    .option("--report <file>", "write a one-page HTML report: the summary, PyMC's warnings and ArviZ's plots (tsmc/plots)")
    .option("--log-likelihood", "add the pointwise log-likelihood (ArviZ's log_likelihood group, for az.loo / az.compare)")
    .option("--no-progress", "no progress bars")
    .action(async (file: string, opts: SampleCommandOptions) => {
      process.exitCode = await runSample(file, opts, io);
    });
  return program;
}

function isCompiledModel(v: unknown): v is CompiledModel {
  return (
    v instanceof CompiledModel ||
    (typeof v === "object" && v !== null && typeof (v as CompiledModel).sample === "function" && typeof (v as CompiledModel).flat?.logpGrad === "function")
  );
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  try {
    return await import(url);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== "ERR_UNKNOWN_FILE_EXTENSION" || ![".ts", ".mts", ".cts", ".tsx"].includes(extname(path))) throw e;
    // A TypeScript module outside tsx. Node keeps the failed import under this URL, so tsx's
    // tsImport (if installed) loads the module again under a URL of its own.
    let tsImport: (specifier: string, parentURL: string) => Promise<Record<string, unknown>>;
    try {
      ({ tsImport } = await import("tsx/esm/api"));
    } catch {
      throw new Error(`${path}: loading a TypeScript module needs tsx (npm i -D tsx), or build it first with tsmc build`);
    }
    return await tsImport(url, import.meta.url);
  }
}

/** The variable a model() call is assigned to (`export const eightSchools = model(...)`). */
function declaredName(call: ModelCall): string | null {
  const m = /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*model\s*\(/.exec(call.statement.getText());
  return m ? m[1] : null;
}

/**
 * The models of a file: its model() declarations evaluated and compiled (each with its generated
 * body as `source`, for worker threads), or else the CompiledModels the module exports.
 */
export interface LoadedModel {
  exportName: string;
  model: CompiledModel;
  path: string;
  /** Observed values by RV name (constants) or by data() name (read when sampling). */
  observed?: Record<string, runtime.NDArray | number | { data: string }>;
}

/** What each observed RV was observed as: its constant values, or the data() input it reads. */
function observedOf(model: Model, Constant: typeof ConstantClass): LoadedModel["observed"] {
  const out: NonNullable<LoadedModel["observed"]> = {};
  for (const rv of model.observedRVs) {
    const v = model.rvsToValues.get(rv);
    if (v instanceof Constant) out[rv.name!] = v.shape.length === 0 ? v.data[0] : new runtime.NDArray([...v.shape], v.data);
    else if (v && model.dataVars.includes(v)) out[rv.name!] = { data: v.name! };
  }
  return out;
}

async function optionalBuildPass() {
  try {
    return await loadBuildPass("tsmc sample");
  } catch (e) {
    if (e instanceof MissingPeerError) return null;
    throw e;
  }
}

export async function loadModels(file: string): Promise<LoadedModel[]> {
  const path = resolve(file);
  const code = readFileSync(path, "utf8");
  // A module that declares models is read by the build pass; a built one (tsmc build's output) is
  // imported, and so is every module when the build pass is not installed (its model() calls then
  // compile in process, with the same results).
  const pass = mayDeclareModels(code) ? await optionalBuildPass() : null;
  const a = pass ? pass.analyze(code, path) : null;
  if (pass && a?.calls.length) {
    try {
      const { models } = await pass.evaluateModels(a);
      return models.map((m) => {
        const { body } = pass.emitModel(m.model, m.name, m.options);
        const model = new Function("rt", body)(runtime) as CompiledModel;
        model.source = { body };
        return { exportName: declaredName(m.call) ?? m.name, model, path, observed: observedOf(m.model, pass.Constant) };
      });
    } finally {
      pass.release(a);
    }
  }
  const mod = await importModule(path);
  const found: LoadedModel[] = [];
  for (const [exportName, value] of Object.entries(mod)) {
    if (isCompiledModel(value)) found.push({ exportName, model: value, path });
  }
  return found;
}

/**
 * Pick the model by --model: the one whose model name or export name it is. Names that match
 * several models are an error (a model exported under two names is one model).
 */
export function chooseModel<T extends { exportName: string; model: CompiledModel }>(file: string, models: T[], name?: string): T {
  if (!models.length) throw new Error(`no models in ${file}: it exports no compiled model (declare one with model(...) and export it)`);
  const distinct = models.filter((m, i) => models.findIndex((o) => o.model === m.model) === i);
  const label = (m: T) => (m.model.name === m.exportName ? `'${m.exportName}'` : `'${m.model.name}' (export ${m.exportName})`);
  const list = distinct.map(label).join(", ");
  if (name === undefined) {
    if (distinct.length > 1) throw new Error(`${file}: several models (${list}); choose one with --model <name>`);
    return distinct[0];
  }
  const hits = distinct.filter((m) => m.model.name === name || m.exportName === name);
  if (!hits.length) throw new Error(`${file}: no model named '${name}'; the models are ${list}`);
  if (hits.length > 1) {
    throw new Error(
      `${file}: --model '${name}' matches several models: ${hits.map(label).join(", ")}. ` +
        "--model matches a model name or an export name; give one that names a single model",
    );
  }
  return hits[0];
}

/** A bar per chain redrawn in place on a terminal; plain lines at each quarter otherwise. */
class Progress {
  private readonly state: { done: number; total: number; divergences: number; start: number }[];
  private drawn = false;
  private lastDraw = 0;
  private readonly io: SampleIO;
  private readonly tty: boolean;

  constructor(io: SampleIO, chains: number, total: number) {
    this.io = io;
    this.tty = Boolean(io.stderr.isTTY);
    const now = Date.now();
    this.state = Array.from({ length: chains }, () => ({ done: 0, total, divergences: 0, start: now }));
  }

  update(chain: number, done: number, total: number, divergences: number): void {
    const s = this.state[chain];
    const before = s.done;
    Object.assign(s, { done, total, divergences });
    if (this.tty) {
      const now = Date.now();
      if (done === total || now - this.lastDraw > 80) this.draw();
      return;
    }
    const quarter = (n: number) => Math.floor((4 * n) / total);
    if (quarter(done) > quarter(before)) this.io.stderr.write(`${this.line(chain)}\n`);
  }

  finish(): void {
    if (this.tty) this.draw();
  }

  private line(chain: number): string {
    const s = this.state[chain];
    const pct = Math.floor((100 * s.done) / s.total);
    const secs = (Date.now() - s.start) / 1000;
    const rate = secs > 0 ? Math.round(s.done / secs) : 0;
    const text = `${s.done}/${s.total} ${String(pct).padStart(3)}%  ${formatTime(secs)}  ${s.divergences} divergences  ${rate} it/s`;
    if (!this.tty) return `chain ${chain}: ${text}`;
    const width = 30;
    const filled = Math.round((width * s.done) / s.total);
    return `Chain ${chain}  ${"━".repeat(filled)}\x1b[2m${"━".repeat(width - filled)}\x1b[0m  ${text}`;
  }

  private draw(): void {
    this.lastDraw = Date.now();
    let out = this.drawn ? `\x1b[${this.state.length}A` : "";
    for (let c = 0; c < this.state.length; c++) out += `\r\x1b[2K${this.line(c)}\n`;
    this.drawn = true;
    this.io.stderr.write(out);
  }
}

function formatTime(secs: number): string {
  const s = Math.floor(secs);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function printSummary(io: SampleIO, trace: Trace, table: runtime.Summary): void {
  io.stdout.write(`${table.toString()}\n`);
  for (const w of traceWarnings(
    trace,
    table.rows.map((r) => r.r_hat),
  ))
    io.stderr.write(`${w}\n`);
}

/** PyMC's warnings for a finished trace (divergences, R-hat > 1.01), one line each. */
export function traceWarnings(trace: Trace, rhats: number[]): string[] {
  const out: string[] = [];
  const div = trace.divergences;
  if (div > 0) out.push(`There ${div === 1 ? "was 1 divergence" : `were ${div} divergences`} after tuning. Increase \`target_accept\` or reparameterize.`);
  if (rhats.some((r) => r > 1.01)) {
    out.push(
      "The rhat statistic is larger than 1.01 for some parameters. This indicates problems during sampling. See https://arxiv.org/abs/1903.08008 for details",
    );
  }
  return out;
}

/** --data: inline JSON or @file.json, an object keyed by data() name. */
function readData(arg: string | undefined): Record<string, unknown> {
  if (arg === undefined) return {};
  const text = arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`--data: not JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("--data: expected a JSON object keyed by data() name");
  return value as Record<string, unknown>;
}

/**
 * A fresh name beside `path` for a temporary file or folder: random, so that no one can plant a
 * file or a symbolic link there beforehand (the caller also creates it exclusively).
 */
function tempPath(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(8).toString("hex")}.${tag}`);
}

/**
 * Write a file through a temporary one in the same folder, renamed over it at the end: killed
 * midway, the command leaves the previous file as it was (and at worst the temporary file).
 */
export async function writeFileAtomically(path: string, fill: (write: (chunk: string | Uint8Array) => void) => void | Promise<void>): Promise<void> {
  const tmp = tempPath(path, "tmp");
  const fd = openSync(tmp, "wx");
  try {
    try {
      await fill((chunk) => (typeof chunk === "string" ? writeSync(fd, chunk) : writeSync(fd, chunk)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Scalars per draw of the posterior. */
function posteriorScalars(trace: Trace): number {
  return Object.values(trace.posterior).reduce((n, a) => n + a.size / Math.max(1, trace.nDraws * trace.nChains), 0);
}

function startPool(trace: Trace, json: boolean): PostPool | null {
  try {
    return PostPool.start(trace, { threads: Math.min(8, availableParallelism()), json });
  } catch {
    return null;
  }
}

/** The trace as JSON, its text made by the pool's workers (or, where they fail, by this thread). */
export async function writeJSONAtomically(path: string, trace: Trace, pool: PostPool | null): Promise<void> {
  if (pool) {
    try {
      return await writeFileAtomically(path, (write) => pool.writeJSON(write));
    } catch (e) {
      if (!(e instanceof PoolError)) throw e;
    }
  }
  await writeFileAtomically(path, (write) => trace.writeJSON(write));
}

/** An output's folder exists and can be written in: missing folders are not made, for JSON and Zarr alike. */
function checkFolder(flag: string, path: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`${flag} ${path}: the folder ${dirname(path)} does not exist`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new Error(`${flag} ${path}: the folder ${dirname(path)} is not writable`);
  }
}

/** --out is checked before sampling: a long run must not end in a path it cannot write. */
function checkOut(path: string): void {
  checkFolder("--out", path);
  if (!existsSync(path)) return;
  const folder = statSync(path).isDirectory();
  if (extname(path) === ".zarr" && !(folder && existsSync(join(path, ".zgroup"))))
    throw new Error(`--out ${path}: exists and is not a Zarr store; not replacing it`);
  if (extname(path) !== ".zarr" && folder) throw new Error(`--out ${path}: is a folder (a Zarr store is written to a path ending in .zarr)`);
}

/** The folder entry a path names: its folder's real path and its own name (what a rename replaces). */
function entryOf(path: string): string {
  const abs = resolve(path);
  return join(realpathSync(dirname(abs)), basename(abs));
}

/**
 * --out and --report, checked before anything is loaded: each in a folder that can be written,
 * neither one of the command's inputs (the model's file, --data's @file), not both one path.
 */
function checkOutputs(file: string, opts: SampleCommandOptions): void {
  const { out, report } = opts;
  if (out !== undefined) checkOut(out);
  if (report !== undefined) {
    checkFolder("--report", report);
    if (existsSync(report) && statSync(report).isDirectory()) throw new Error(`--report ${report}: is a folder`);
  }
  const inputs = [file, ...(opts.data?.startsWith("@") ? [opts.data.slice(1)] : [])].filter((p) => existsSync(p));
  for (const [flag, path] of [
    ["--out", out],
    ["--report", report],
  ] as const) {
    if (path === undefined) continue;
    const input = inputs.find((p) => [entryOf(p), realpathSync(p)].includes(entryOf(path)));
    if (input !== undefined) throw new Error(`${flag} ${path}: is the input ${input}; not writing over it`);
  }
  if (out === undefined || report === undefined) return;
  if (entryOf(out) === entryOf(report)) throw new Error(`--out ${out} and --report ${report} are one file; give them different paths`);
  if (extname(out) === ".zarr" && entryOf(report).startsWith(entryOf(out) + sep)) {
    throw new Error(`--report ${report}: is inside the Zarr store --out ${out}, which is replaced whole`);
  }
}

/**
 * The names toZarr would refuse once the run is over (a '/' in a name, a variable named like a
 * dimension: 'chain'), refused before it: the posterior, observed and constant data, the log-likelihood.
 */
function checkZarrNames(path: string, m: CompiledModel, logLikelihood: boolean): void {
  const { constrainedNames, predictNames, data, dims = {} } = m.meta;
  const groups: [string, readonly string[], boolean][] = [
    ["posterior", constrainedNames, true],
    ["observed_data", predictNames, false],
    ["constant_data", data.map((d) => d.name), false],
  ];
  if (logLikelihood) groups.push(["log_likelihood", predictNames, true]);
  try {
    for (const [group, names, sampled] of groups) {
      const named = names.flatMap((n) => (Object.hasOwn(dims, n) ? dims[n] : []));
      checkGroupNames(group, names, new Set([...(sampled ? ["chain", "draw"] : []), ...named]));
    }
  } catch (e) {
    throw new Error(`--out ${path}: ${(e as Error).message}`);
  }
}

/** Write a file and make it durable before anything is renamed over it. */
function writeDurably(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, "wx");
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a Zarr store as a folder, built under a temporary name beside it and renamed into place:
 * killed midway, the previous store stays whole (at worst, for an instant between two renames, it
 * waits under `.<name>.<random>.old`). An existing path that is not a Zarr store is never replaced.
 */
export function writeZarrAtomically(path: string, trace: Trace): void {
  checkOut(path);
  const tmp = tempPath(path, "tmp");
  const old = existsSync(path) ? tempPath(path, "old") : null;
  mkdirSync(tmp); // not recursive: fails where anything is already there
  try {
    for (const [key, bytes] of toZarr(trace)) {
      mkdirSync(dirname(join(tmp, key)), { recursive: true });
      writeDurably(join(tmp, key), bytes);
    }
    if (old) renameSync(path, old);
    renameSync(tmp, path);
  } catch (e) {
    if (old && existsSync(old) && !existsSync(path)) renameSync(old, path);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
}

/** --report: tsmc/plots' page, loaded only here (the plotting library is large), written atomically. */
async function writeReport(path: string, trace: Trace, io: SampleIO): Promise<void> {
  const { report } = await import("../plots/index.js");
  const html = report(trace);
  await writeFileAtomically(path, (write) => write(html));
  io.stderr.write(`Report written to ${path}\n`);
}

/** The whole command; returns the exit code. */
export async function runSample(file: string, opts: SampleCommandOptions, io: SampleIO = process): Promise<number> {
  checkOutputs(file, opts);
  const models = await loadModels(file);
  const chosen = chooseModel(file, models, opts.model);
  const m = chosen.model.withData(readData(opts.data));
  // Without a generated body, workers rebuild the model by importing the same module.
  if (!m.source) m.source = { module: pathToFileURL(chosen.path).href, exportName: chosen.exportName };
  // sampleAsync refuses too, but after the "Sampling model" line: here the flag is named first.
  if (opts.logLikelihood) logLikelihoodOf(m, "--log-likelihood");
  if (opts.out && extname(opts.out) === ".zarr") checkZarrNames(opts.out, m, opts.logLikelihood === true);
  const chains = opts.chains;
  if (chains < 1) throw new Error("--chains must be at least 1");
  if (opts.draws < 1) throw new Error("--draws must be at least 1");
  const progress = opts.progress ? new Progress(io, chains, opts.tune + opts.draws) : null;
  const cores = opts.cores;
  // PyMC's listing of the step methods where a model has discrete free RVs.
  const steps = assignStepMethods(m.valueVars, undefined);
  const method = !steps ? "NUTS" : steps.length > 1 ? `CompoundStep (${describeSteps(steps).join("; ")})` : describeSteps(steps)[0];
  io.stderr.write(`Sampling model '${m.name}': ${method}, ${chains} chain${chains > 1 ? "s" : ""}${cores ? ` in ${cores} job${cores > 1 ? "s" : ""}` : ""}\n`);
  const t0 = Date.now();
  // sampleAsync, so that Ctrl-C gets through while the chains run (the blocking sample cannot hear it).
  const interrupt = new AbortController();
  const abort = () => interrupt.abort();
  process.once("SIGINT", abort);
  let trace: Trace;
  try {
    trace = await m.sampleAsync({
      draws: opts.draws,
      tune: opts.tune,
      chains,
      cores,
      seed: opts.seed,
      targetAccept: opts.targetAccept,
      logLikelihood: opts.logLikelihood === true,
      onProgress: progress ? (c, done, total, div) => progress.update(c, done, total, div) : undefined,
      signal: interrupt.signal,
    });
  } catch (e) {
    if (!interrupt.signal.aborted) throw e;
    io.stderr.write(`\nSampling interrupted${opts.out ? `; ${opts.out} not written` : ""}\n`);
    return 130;
  } finally {
    process.off("SIGINT", abort);
  }
  progress?.finish();
  if (!trace.observedData && chosen.observed) {
    const bound = m.boundData();
    const observed: Record<string, runtime.NDArray | number> = {};
    for (const [name, v] of Object.entries(chosen.observed)) {
      if (typeof v === "number" || v instanceof runtime.NDArray) observed[name] = v;
      else if (bound[v.data] !== undefined) observed[name] = bound[v.data];
    }
    trace.observedData = observed;
  }
  const secs = (Date.now() - t0) / 1000;
  io.stderr.write(
    `Sampling ${chains} chain${chains > 1 ? "s" : ""} for ${opts.tune} tune and ${opts.draws} draw iterations ` +
      `(${chains * opts.tune} + ${chains * opts.draws} draws total) took ${secs.toFixed(1)} seconds.\n`,
  );
  if (opts.report) await writeReport(opts.report, trace, io);
  // A long run's summary and JSON text are made by worker threads, one per core, in pieces from
  // one queue (this thread writes the text in order); a short one's here. Without workers, here.
  const json = opts.out !== undefined && extname(opts.out) !== ".zarr";
  const pool = trace.nDraws * trace.nChains * posteriorScalars(trace) >= 1e6 ? startPool(trace, json) : null;
  try {
    const table = pool ? pool.summary() : null;
    if (!opts.out) {
      printSummary(io, trace, table ? await table : summary(trace));
      return 0;
    }
    const zarr = extname(opts.out) === ".zarr";
    if (zarr) writeZarrAtomically(opts.out, trace);
    else await writeJSONAtomically(opts.out, trace, pool);
    printSummary(io, trace, table ? await table : summary(trace));
    io.stderr.write(`Trace written to ${opts.out} (${zarr ? "az.from_zarr" : "az.from_json"} reads it)\n`);
    return 0;
  } finally {
    pool?.close();
  }
}
