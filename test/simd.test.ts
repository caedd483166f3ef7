// The opt-in WebAssembly SIMD loops (model(..., { simd: true })): where a fused loop runs over the
// rows of a fixed dense matrix, the kernel computes what the JavaScript loop computes, to ~1e-15
// (its sums pair rows, its exp and log are its own), for constants and data(), odd and even
// numbers of rows, rebound data, ahead of time as in process; elsewhere nothing changes.
import { expect } from "chai";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Bernoulli, Model, Normal, data, emitModel, model, pt } from "../compiler/index.js";
import { transformModule } from "../compiler/frontend/index.js";
// @ts-expect-error -- plain JavaScript module without declarations
import { adapter, constants, runtimeData } from "../bench/models.mjs";
import { scratchDir } from "./helpers/aot.js";
import { mulberry32 } from "./helpers/random.js";

const u = mulberry32(11);
const normal = () => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
const matrix = (n: number, k: number) => Array.from({ length: n }, () => Array.from({ length: k }, normal));
// Odd numbers of rows: the last pair runs with its second lane masked.
const DATA: Record<string, unknown> = {
  linreg: { N: 51, K: 5, X: matrix(51, 5), y: Array.from({ length: 51 }, normal) },
  logistic: { N: 61, K: 4, X: matrix(61, 4), y: Array.from({ length: 61 }, () => (u() < 0.5 ? 0 : 1)) },
  poisson: { N: 30, K: 3, X: matrix(30, 3), y: Array.from({ length: 30 }, () => Math.floor(u() * 6)) },
};

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe("opt-in WebAssembly SIMD loops", () => {
  for (const [label, bind] of [
    ["constants", constants],
    ["data()", runtimeData],
  ] as const) {
    for (const id of Object.keys(DATA)) {
      it(`${id}, data as ${label}: the kernel's logp and gradient are the JavaScript ones to 1e-13`, () => {
        const simd = adapter(bind, { simd: true })[id](DATA[id]);
        const js = adapter(bind)[id](DATA[id]);
        const check = (x: Float64Array) => {
          const g = new Float64Array(js.size);
          const gJs = new Float64Array(js.size);
          const lp = simd.logpGrad(x, g);
          const lpJs = js.logpGrad(x, gJs);
          expect(close(lp, lpJs, 1e-13), `logp ${lp} vs ${lpJs}`).to.equal(true);
          expect(close(simd.logp(x), lpJs, 1e-13)).to.equal(true);
          g.forEach((v, i) => expect(close(v, gJs[i], 1e-12), `grad[${i}] ${v} vs ${gJs[i]}`).to.equal(true));
        };
        fc.assert(
          fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: js.size, maxLength: js.size }), (xs) => check(Float64Array.from(xs))),
          { numRuns: 20 },
        );
      });
    }
  }

  it("is used for the dense loops only: a model without a matrix compiles as without the option", () => {
    const { X, y } = DATA.logistic as { X: number[][]; y: number[] };
    const logistic = () => {
      const beta = Normal("beta", 0, 1, { shape: [4] });
      Bernoulli("y", { logit_p: pt.matmul(X, beta), observed: y });
    };
    const dense = emitModel(Model.build("logistic", logistic), "logistic", { simd: true }).body;
    expect(dense).to.include("rt.simdModule(").and.include("rt.simdBind(");
    const schools = () => {
      const mu = Normal("mu", 0, 5);
      const theta = Normal("theta", mu, 2, { shape: [3] });
      Normal("obs", theta, [1, 2, 3], { observed: [1, 2, 3] });
    };
    const plain = emitModel(Model.build("es", schools), "es", { simd: true }).body;
    expect(plain).to.equal(emitModel(Model.build("es", schools), "es").body);
  });

  it("rebinding data() to other numbers of rows (1, 2, 9) packs a kernel per binding", () => {
    const build = () => {
      const X = data("X", matrix(4, 3));
      const beta = Normal("beta", 0, 1, { shape: [3] });
      Normal("y", pt.matmul(X, beta), 1, { observed: data("y_obs", [0.5, -1, 2, 0.25]) });
    };
    const simd = model(build, { simd: true });
    const js = model(build);
    const x = Float64Array.of(0.3, -0.7, 1.1);
    for (const n of [1, 2, 9, 4]) {
      const values = { X: matrix(n, 3), y_obs: Array.from({ length: n }, normal) };
      const [a, b] = [simd.withData(values), js.withData(values)];
      const [ga, gb] = [new Float64Array(3), new Float64Array(3)];
      expect(close(a.flat.logpGrad(x, ga), b.flat.logpGrad(x, gb), 1e-14), `n = ${n}`).to.equal(true);
      ga.forEach((v, i) => expect(close(v, gb[i], 1e-13)).to.equal(true));
    }
    expect(() => simd.withData({ X: matrix(4, 2), y_obs: [1, 2, 3, 4] }).flat.logp(x)).to.throw(/\(4, 2\)/);
  });

  it("ahead of time: the spliced module carries the kernel as bytes and is the in-process model bit for bit", async () => {
    const source = [
      `import { model, Normal, Bernoulli, pt } from "tsmc";`,
      `const X = ${JSON.stringify((DATA.logistic as { X: number[][] }).X)};`,
      `const y = ${JSON.stringify((DATA.logistic as { y: number[] }).y)};`,
      `export const logistic = model("logistic", () => {`,
      `  const beta = Normal("beta", 0, 1, { shape: [4] });`,
      `  Bernoulli("y", { logit_p: pt.matmul(X, beta), observed: y });`,
      `}, { simd: true });`,
    ].join("\n");
    const dir = scratchDir("simd");
    const file = join(dir, "logistic.ts");
    const out = await transformModule(source, file);
    expect(out!.code).to.include("simdModule(");
    const built = join(dir, "logistic.mjs");
    writeFileSync(built, out!.code.replace(/^import type .*$/gm, ""));
    const { logistic } = await import(pathToFileURL(built).href);
    const inProcess = adapter(constants, { simd: true }).logistic(DATA.logistic);
    const x = Float64Array.of(0.2, -0.4, 0.9, 0.05);
    const [g1, g2] = [new Float64Array(4), new Float64Array(4)];
    expect(logistic.flat.logpGrad(x, g1)).to.equal(inProcess.logpGrad(x, g2));
    expect(Array.from(g1)).to.deep.equal(Array.from(g2));
  });

  it("a wrong option is a build error at the model() call", async () => {
    const source = `import { model, Normal } from "tsmc";\nexport const m = model("m", () => {\n  Normal("a", 0, 1);\n}, { simd: 1 });\n`;
    const error = await transformModule(source, "bad.ts").then(
      () => null,
      (e: Error) => e,
    );
    expect(String(error))
      .to.match(/bad\.ts:2:\d+/)
      .and.match(/simd must be true or false/);
    expect(() => model(() => Normal("a", 0, 1), { wasm: true } as never)).to.throw("unknown option 'wasm'");
  });
});
