// sampleAsync: the same trace as sample() whatever `cores` is, through each way chains can run:
// Node worker threads, Web Workers (the npm package web-worker gives Node the browser's Worker API,
// so the browser entry runtime/sampler/web-worker.js runs here as it does in a page), and the
// calling thread where no worker can be made. The Web Worker tests load the built runtime (dist/,
// what a bundler would pick up): `npm test` builds first.
import { expect } from "chai";
import WebWorker from "web-worker";
import { HalfNormal, Normal, data, model, type CompiledModel } from "../compiler/index.js";

// The built package, imported by URL so that type checking needs no build: `npm test` type-checks
// before it builds. Its types are the sources' (dist/ is compiled from them).
const distUrl = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const built: typeof import("../compiler/index.js") = await import(distUrl("compiler/index.js"));

type TraceLike = { posterior: Record<string, { data: Float64Array }>; sampleStats: Record<string, { data: Float64Array }> };

function expectSameTrace(got: TraceLike, expected: TraceLike): void {
  for (const group of ["posterior", "sampleStats"] as const) {
    expect(Object.keys(got[group])).to.deep.equal(Object.keys(expected[group]));
    for (const [name, arr] of Object.entries(expected[group])) {
      expect(Buffer.from(got[group][name].data.buffer).equals(Buffer.from(arr.data.buffer)), `${group}.${name} bit for bit`).to.equal(true);
    }
  }
}

const y = [28, 8, -3, 7, -1, 1, 18, 12];
const sigma = [15, 10, 16, 11, 9, 11, 10, 18];
function eightSchools(api: { model: typeof model; Normal: typeof Normal; HalfNormal: typeof HalfNormal }): CompiledModel {
  return api.model("eight_schools", () => {
    const mu = api.Normal("mu", 0, 5);
    const tau = api.HalfNormal("tau", 5);
    const thetaT = api.Normal("theta_t", 0, 1, { shape: [8] });
    api.Normal("obs", mu.add(tau.mul(thetaT)), sigma, { observed: y });
  });
}

const opts = { draws: 100, tune: 100, chains: 4, seed: "async" };

/** Run `f` with `Worker` as the global Worker (undefined: none). */
async function withWorker<T>(worker: unknown, f: () => Promise<T>): Promise<T> {
  const g = globalThis as { Worker?: unknown };
  const had = "Worker" in g;
  const before = g.Worker;
  g.Worker = worker;
  try {
    return await f();
  } finally {
    if (had) g.Worker = before;
    else delete g.Worker;
  }
}

/** Turns the event loop took while `p` was pending. */
async function turnsDuring<T>(p: Promise<T>): Promise<[T, number]> {
  let turns = 0;
  const tick = setInterval(() => turns++, 0);
  try {
    return [await p, turns];
  } finally {
    clearInterval(tick);
  }
}

describe("sampleAsync in Node: worker threads", function () {
  const m = eightSchools({ model, Normal, HalfNormal });
  const expected = m.sample({ ...opts, cores: 1 });

  it("gives the cores: 1 trace bit for bit, reports progress and leaves the event loop free", async () => {
    const done: number[] = [];
    const [trace, turns] = await turnsDuring(m.sampleAsync({ ...opts, cores: 2, onProgress: (c, d, total) => d === total && done.push(c) }));
    expectSameTrace(trace, expected);
    expect(done.sort()).to.deep.equal([0, 1, 2, 3]);
    expect(turns).to.be.greaterThan(0);
  });

  it("without a source, runs the chains in this thread, giving the event loop turns between them", async () => {
    const bare = m.withData({});
    bare.source = undefined;
    const progress: number[] = [];
    const [trace, turns] = await turnsDuring(bare.sampleAsync({ ...opts, cores: 4, onProgress: (c) => progress.push(c) }));
    expectSameTrace(trace, expected);
    expect(progress.length).to.be.greaterThan(4 * 10);
    expect(turns).to.be.greaterThan(0);
  });

  it("rejects with the model's name and the reason when a chain fails in a worker", async () => {
    const scale = model("positive", () => {
      const s = HalfNormal("s", 1);
      HalfNormal("y", s, { observed: data("y_obs", [1, 2]) });
    }).withData({ y_obs: [-1, 2] }); // logp is -inf everywhere: no chain can start
    const error = await scale.sampleAsync({ draws: 10, tune: 10, chains: 2, cores: 2, seed: 1 }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/^model 'positive': a sampling worker failed: NUTS: the log density at the starting point is -Infinity/);
  });
});

describe("sampleAsync through the Web Worker API (the browser's code path)", function () {
  const m = eightSchools(built as never);
  const expected = m.sample({ ...opts, cores: 1 });

  it("runs the chains in Web Workers: the cores: 1 trace bit for bit, with progress", async () => {
    const results: number[] = [];
    // Count what the workers post: each chain's result must come from a Web Worker.
    class Counting extends WebWorker {
      constructor(url: string | URL, o?: WorkerOptions) {
        super(url, o);
        this.addEventListener("message", (e: MessageEvent) => e.data.type === "result" && results.push(e.data.chain));
      }
    }
    const done: number[] = [];
    const trace = await withWorker(Counting, () => m.sampleAsync({ ...opts, cores: 4, onProgress: (c, d, total) => d === total && done.push(c) }));
    expectSameTrace(trace, expected);
    expect(results.sort()).to.deep.equal([0, 1, 2, 3]);
    expect(done.sort()).to.deep.equal([0, 1, 2, 3]);
  });

  it("falls back to this thread when no Worker can be made", async () => {
    class Forbidden {
      constructor() {
        throw new Error("SecurityError: workers are not allowed here");
      }
    }
    expectSameTrace(await withWorker(Forbidden, () => m.sampleAsync({ ...opts, cores: 4 })), expected);
  });

  it("a worker that starts but cannot rebuild the model is an error, as in sample()", async () => {
    // (A worker where eval is forbidden falls back: its probe fails before it reports "loaded";
    // test/sampler-web.test.ts runs that under a real Content Security Policy in Chromium.)
    const broken = m.withData({});
    broken.source = { factory: `() => { throw new Error("this source does not build"); }` };
    let error: Error | undefined;
    try {
      await withWorker(WebWorker, () => broken.sampleAsync({ ...opts, cores: 4 }));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.equal("model 'eight_schools': a sampling worker failed: this source does not build");
  });

  it("an ahead-of-time model carries its factory's text, and a worker rebuilds it", async () => {
    const { compiledExpression }: typeof import("../compiler/frontend/index.js") = await import(distUrl("compiler/frontend/index.js"));
    const rt: typeof import("../runtime/index.js") = await import(distUrl("runtime/index.js"));
    const { body } = built.emitModel(
      built.Model.build("eight_schools", () => {
        const mu = built.Normal("mu", 0, 5);
        const tau = built.HalfNormal("tau", 5);
        const thetaT = built.Normal("theta_t", 0, 1, { shape: [8] });
        built.Normal("obs", mu.add(tau.mul(thetaT)), sigma, { observed: y });
      }),
    );
    // The spliced expression, evaluated with its runtime imports bound as a bundle binds them.
    const expr = compiledExpression("eight_schools", body);
    const names = [...new Set([...expr.matchAll(/__tsmc_rt_(\w+)/g)].map((x) => x[1]))];
    const aot = new Function(...names.map((n) => `__tsmc_rt_${n}`), `return ${expr};`)(
      ...names.map((n) => (rt as Record<string, unknown>)[n]),
    ) as CompiledModel;
    expect(aot.source)
      .to.have.property("factory")
      .that.matches(/^\(rt\) => \{/);
    expectSameTrace(await withWorker(WebWorker, () => aot.sampleAsync({ ...opts, cores: 2 })), expected);
  });
});
