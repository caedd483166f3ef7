// Traces as Zarr stores (format 2), the binary layout az.from_zarr reads: the same groups, names,
// dims and coords as the JSON, the draws as their own bytes. Where Python has zarr and xarray,
// test/reference/read_zarr.py reads the store as ArviZ does and compares it with the JSON.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command } from "commander";
import { Deterministic, HalfNormal, NDArray, Normal, Trace, data, model, toZarr } from "../compiler/index.js";
import { registerSample, type SampleIO } from "../compiler/cli-sample.js";
import { root, scratchDir } from "./helpers/aot.js";

const SCHOOLS = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"];
const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];

const eightSchools = model(
  "eight_schools_zarr",
  () => {
    const mu = Normal("mu", 0, 5);
    const tau = HalfNormal("tau", 5);
    const thetaT = Normal("theta_t", 0, 1, { dims: "school" });
    const theta = Deterministic("theta", mu.add(tau.mul(thetaT)), { dims: ["school"] });
    Normal("obs", theta, data("sigma", sigma, { dims: "school" }), { observed: y, dims: "school" });
    Normal("one", mu, 1, { observed: 0.5 });
  },
  { coords: { school: SCHOOLS } },
);

const json = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

function writeStore(dir: string, trace: Trace): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [key, bytes] of toZarr(trace)) {
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    writeFileSync(join(dir, key), bytes);
  }
}

/** A python3 with the zarr and xarray packages (what az.from_zarr needs), or null. */
function pythonWithZarr(): string | null {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(python, ["-c", "import zarr, xarray"], { encoding: "utf8" });
    if (r.status === 0) return python;
  }
  return null;
}

describe("toZarr: a trace as the Zarr store az.from_zarr reads", function () {
  const dir = scratchDir("zarr");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = eightSchools.sample({ draws: 40, tune: 40, chains: 2, seed: 5, cores: 1 });

  it("one group per InferenceData group; arrays with their dims, dtypes and bytes; coords beside them", () => {
    const store = toZarr(trace);
    expect(json(store.get(".zgroup"))).to.deep.equal({ zarr_format: 2 });
    expect(json(store.get(".zattrs")).inference_library).to.equal("tsmc");
    for (const g of ["posterior", "sample_stats", "observed_data", "constant_data"]) expect(json(store.get(`${g}/.zgroup`))).to.deep.equal({ zarr_format: 2 });
    const theta = json(store.get("posterior/theta/.zarray"));
    expect(theta).to.include({ dtype: "<f8", order: "C", zarr_format: 2, compressor: null, fill_value: null });
    expect(theta.shape).to.deep.equal([2, 40, 8]);
    expect(theta.chunks).to.deep.equal([2, 40, 8]);
    expect(json(store.get("posterior/theta/.zattrs"))).to.deep.equal({ _ARRAY_DIMENSIONS: ["chain", "draw", "school"] });
    const draws = store.get("posterior/theta/0.0.0")!;
    expect(Array.from(new Float64Array(draws.slice().buffer))).to.deep.equal(Array.from(trace.posterior.theta.data));
    // The school labels as NumPy's fixed-width unicode ("<U16": UTF-32, zero padded).
    const school = json(store.get("posterior/school/.zarray"));
    expect(school.dtype).to.equal("<U16");
    const codes = new Uint32Array(store.get("posterior/school/0")!.slice().buffer);
    const labels = Array.from({ length: 8 }, (_, i) => String.fromCodePoint(...codes.subarray(i * 16, i * 16 + 16).filter((c) => c !== 0)));
    expect(labels).to.deep.equal(SCHOOLS);
    expect(json(store.get("posterior/chain/.zarray")).dtype).to.equal("<i8");
    expect(Array.from(new BigInt64Array(store.get("posterior/draw/0")!.slice().buffer), Number)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
    // Divergences as booleans; a scalar observation as a 0-d array.
    expect(json(store.get("sample_stats/diverging/.zarray")).dtype).to.equal("|b1");
    expect(store.get("sample_stats/diverging/0.0")!.length).to.equal(80);
    expect(json(store.get("observed_data/one/.zarray")).shape).to.deep.equal([]);
    expect(Array.from(new Float64Array(store.get("observed_data/one/0")!.slice().buffer))).to.deep.equal([0.5]);
    // Consolidated metadata: every metadata key, so that xarray opens the store without a warning.
    const meta = json(store.get(".zmetadata"));
    const metaKeys = [...store.keys()].filter((k) => /(^|\/)\.z(group|attrs|array)$/.test(k));
    expect(Object.keys(meta.metadata).sort()).to.deep.equal(metaKeys.sort());
  });

  it("a name that cannot be a Zarr key, or a variable named as a dimension, is an error naming it", () => {
    const arr = new NDArray([1, 2], new Float64Array(2));
    expect(() => toZarr(new Trace({ posterior: { "a/b": arr }, sampleStats: {} }))).to.throw("toZarr: the variable 'a/b' cannot be a Zarr array name");
    expect(() => toZarr(new Trace({ posterior: { ".zarray": arr }, sampleStats: {} }))).to.throw("the variable '.zarray'");
    expect(() => toZarr(new Trace({ posterior: { draw: arr }, sampleStats: {} }))).to.throw("'draw' in posterior is both a variable and a dimension name");
  });

  it("integer draws are int64 two's complement, whatever their sign and size; a non-integer among them is an error", () => {
    const values = [0, -1, 7, -(2 ** 40) - 3, 2 ** 53 - 1, -(2 ** 53) + 1];
    const k = new NDArray([1, 6], Float64Array.from(values));
    const store = toZarr(new Trace({ posterior: { k }, sampleStats: {}, integers: ["k"] }));
    const bytes = store.get("posterior/k/0.0")!;
    const read = Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), Number);
    expect(read).to.deep.equal(values);
    const bad = new NDArray([1, 2], Float64Array.of(1, 0.5));
    expect(() => toZarr(new Trace({ posterior: { k: bad }, sampleStats: {}, integers: ["k"] }))).to.throw(
      "toZarr: 'k' holds 0.5 at flat index 1, where int64 needs an integer",
    );
  });

  it("ArviZ's reader (zarr + xarray) sees the arrays of the JSON, exactly", function () {
    const python = pythonWithZarr();
    if (!python) {
      console.log("      (skipped: no python3 with zarr and xarray; Debian's python3-zarr and python3-xarray provide them)");
      return this.skip();
    }
    const store = join(dir, "t.zarr");
    writeStore(store, trace);
    const file = join(dir, "t.json");
    writeFileSync(file, JSON.stringify(trace));
    const r = spawnSync(python, [join(root, "test", "reference", "read_zarr.py"), store, file], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal("ok");
  });
});

describe("tsmc sample --out x.zarr", function () {
  const dir = scratchDir("zarr-cli");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const models = join(root, "test", "sampler-models.ts");
  const run = async (out: string) => {
    const io = { out: "", err: "", stdout: { write: (s: string) => ((io.out += s), true) }, stderr: { write: (s: string) => ((io.err += s), true) } };
    const program = new Command("tsmc").exitOverride();
    registerSample(program, io as SampleIO);
    await program.parseAsync([
      "node",
      "tsmc",
      "sample",
      models,
      "--model",
      "eight_schools",
      "--draws",
      "50",
      "--tune",
      "50",
      "--chains",
      "2",
      "--cores",
      "1",
      "--seed",
      "2",
      "--out",
      out,
    ]);
    return io;
  };

  it("writes the store, and replaces a previous one whole", async () => {
    const out = join(dir, "trace.zarr");
    const io = await run(out);
    expect(io.err).to.contain(`Trace written to ${out} (az.from_zarr reads it)`);
    expect(JSON.parse(readFileSync(join(out, ".zattrs"), "utf8")).seed).to.equal("2");
    writeFileSync(join(out, "stale"), "from before");
    await run(out);
    expect(existsSync(join(out, "stale"))).to.equal(false);
    expect(JSON.parse(readFileSync(join(out, "posterior", "mu", ".zarray"), "utf8")).shape).to.deep.equal([2, 50]);
  });

  it("never replaces a folder or file that is not a Zarr store", async () => {
    const out = join(dir, "mine.zarr");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "notes.txt"), "keep me");
    let error: Error | undefined;
    try {
      await run(out);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.contain(`--out ${out}: exists and is not a Zarr store; not replacing it`);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).to.equal("keep me");
  });
});
