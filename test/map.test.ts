// findMAP (PyMC's find_MAP): L-BFGS on the value space of the density without the transforms'
// Jacobians. Checked against closed forms (a Gamma's mode, ridge regression) and against SciPy's
// L-BFGS-B on the same densities (test/reference/gen_map.py: logistic and linear regression).
import { expect } from "chai";
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Bernoulli, Gamma, HalfNormal, Model, type NDArray, Normal, data, emitModel, findMAP, model, pt, type CompiledModel } from "../compiler/index.js";
// What a model built ahead of time imports it from (tsmc/runtime).
import { findMAP as findMAPAhead } from "../runtime/index.js";
import { compiledExpression, runtimeImport } from "../compiler/frontend/transform.js";
import { compileInline } from "./helpers/aot.js";
import { thrown } from "./helpers/thrown.js";

const ref = JSON.parse(readFileSync(new URL("./reference/map.json", import.meta.url), "utf8"));
const num = (v: unknown) => v as number;
const arr = (v: unknown) => Array.from((v as NDArray).data);
const close = (got: number[], want: number[], tol: number, what: string) =>
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `${what}[${i}]: ${g} vs ${want[i]}`).to.be.lessThan(tol * Math.max(1, Math.abs(want[i]))));

describe("findMAP", () => {
  it("maximises the density without the Jacobian: a Gamma(3, 2)'s mode is (3 - 1) / 2, not the log-space mode 3 / 2", () => {
    const m = model("gamma", () => void Gamma("x", 3, 2));
    const map = findMAP(m);
    expect(num(map.x)).to.be.closeTo(1, 1e-6);
    expect(num(map.x_log__)).to.be.closeTo(0, 1e-6);
    expect(Object.keys(map)).to.deep.equal(["x_log__", "x"]);
  });

  it("ridge regression: the MAP of Normal(0, 1) coefficients under a Normal(X b, 1) likelihood is (X'X + I)^-1 X'y", () => {
    const X = [
      [1, 0.5],
      [1, -1],
      [1, 2],
      [1, 0.3],
      [1, 1.5],
    ];
    const y = [1.2, -0.5, 3.1, 0.9, 2.2];
    const m = model("ridge", () => {
      const b = Normal("b", 0, 1, { shape: [2] });
      Normal("y", pt.dot(pt.constant(X), b), 1, { observed: y });
    });
    // (X'X + I) b = X'y, 2 x 2 by hand
    const a11 = X.reduce((s, r) => s + r[0] * r[0], 1);
    const a12 = X.reduce((s, r) => s + r[0] * r[1], 0);
    const a22 = X.reduce((s, r) => s + r[1] * r[1], 1);
    const r1 = X.reduce((s, r, i) => s + r[0] * y[i], 0);
    const r2 = X.reduce((s, r, i) => s + r[1] * y[i], 0);
    const det = a11 * a22 - a12 * a12;
    close(arr(findMAP(m).b), [(a22 * r1 - a12 * r2) / det, (a11 * r2 - a12 * r1) / det], 1e-7, "b");
    // the method form, from another start
    close(arr(m.findMAP({ start: { b: [3, -3] } }).b), [(a22 * r1 - a12 * r2) / det, (a11 * r2 - a12 * r1) / det], 1e-7, "b from (3, -3)");
  });

  it("logistic and linear regression (with a HalfNormal sigma): SciPy's L-BFGS-B optimum", () => {
    const logistic = model("logistic_map", () => {
      const a = Normal("a", 0, 2.5);
      const b = Normal("b", 0, 2.5, { shape: [3] });
      Bernoulli("y", { logit_p: pt.add(a, pt.dot(data("X", ref.X), b)), observed: ref.y_bin });
    });
    const lo = findMAP(logistic);
    close([num(lo.a), ...arr(lo.b)], [ref.logistic.a, ...ref.logistic.b], 1e-6, "logistic");
    const linreg = model("linreg_map", () => {
      const a = Normal("a", 0, 10);
      const b = Normal("b", 0, 10, { shape: [3] });
      const sigma = HalfNormal("sigma", 5);
      Normal("y", pt.add(a, pt.dot(data("X", ref.X), b)), sigma, { observed: ref.y_lin });
    });
    const li = findMAP(linreg);
    close([num(li.a), ...arr(li.b), num(li.sigma)], [ref.linreg.a, ...ref.linreg.b, ref.linreg.sigma], 1e-6, "linreg");
    expect(num(li.sigma_log__)).to.be.closeTo(Math.log(ref.linreg.sigma), 1e-6);
    // Rebound data: the optimum moves with it (the objective reads the model's bound data).
    const shifted = findMAP(linreg.withData({ X: ref.X.map((row: number[]) => row.map((v) => 2 * v)) }));
    expect(Math.abs(arr(shifted.b)[0] - ref.linreg.b[0] / 2)).to.be.lessThan(0.05);
  });

  it("refuses what it cannot do, by name", () => {
    const m = model("gamma2", () => void Gamma("x", 3, 2));
    expect(thrown(() => findMAP(m, { metod: "BFGS" } as never)).message).to.equal(
      "findMAP: unknown option 'metod' (did you mean 'method'?); the options are start, method, maxeval",
    );
    expect(thrown(() => findMAP(m, { method: "Powell" as never })).message).to.equal('findMAP: method must be "L-BFGS-B", got "Powell"');
    expect(thrown(() => findMAP(m, { maxeval: 0 })).message).to.equal("findMAP: maxeval must be a positive integer, got 0");
    const k = model("discrete", () => {
      Normal("mu", 0, 1);
      Bernoulli("k", 0.3);
    });
    expect(thrown(() => findMAP(k)).message).to.equal("findMAP: the discrete free variable 'k' cannot be optimized by L-BFGS");
    // (the emitted objective gives a discrete variable a zero gradient; findMAP refuses it all the same)
    const emitted = model("discrete_emitted", () => void Bernoulli("k", 0.3), { findMAP: true });
    expect(thrown(() => findMAP(emitted)).message).to.equal("findMAP: the discrete free variable 'k' cannot be optimized by L-BFGS");
    expect(thrown(() => model("flag", () => void Gamma("x", 3, 2), { findMAP: 1 as never })).message).to.equal(
      "model(): option findMAP must be true or false, got 1",
    );
    const unbound = model("unbound", () => {
      const x = data("x", undefined, { shape: [null] });
      Normal("y", Normal("mu", 0, 1), 1, { observed: x });
    });
    expect(thrown(() => findMAP(unbound)).message).to.equal("findMAP: data 'x' of model 'unbound' has no value; bind one with withData({ x: ... })");
  });
});

describe("findMAP ahead of time", () => {
  // compileInline writes `model(name, <text>)`: a text ending in `, { findMAP: true }` passes the option.
  const withOption = (builder: string) => `${builder}, { findMAP: true }`;
  const linregBuilder = `() => {
    const a = Normal("a", 0, 10);
    const b = Normal("b", 0, 10, { shape: [3] });
    const sigma = HalfNormal("sigma", 5);
    Normal("y", pt.add(a, pt.dot(data("X", ${JSON.stringify(ref.X)}), b)), sigma, { observed: ${JSON.stringify(ref.y_lin)} });
  }`;
  let built: Record<string, CompiledModel>;
  before(async () => {
    built = await compileInline<CompiledModel>(
      `import { model, data, pt, Gamma, Normal, HalfNormal } from "tsmc";`,
      { gamma_aot: withOption(`() => { Gamma("x", 3, 2); }`), linreg_aot: withOption(linregBuilder), plain_aot: `() => { Gamma("x", 3, 2); }` },
      "map",
    );
  });

  it("with { findMAP: true }: findMAP from tsmc/runtime finds the closed-form mode and SciPy's optimum", () => {
    const gamma = findMAPAhead(built.gamma_aot);
    expect(num(gamma.x)).to.be.closeTo(1, 1e-6);
    expect(Object.keys(gamma)).to.deep.equal(["x_log__", "x"]);
    const li = findMAPAhead(built.linreg_aot);
    close([num(li.a), ...arr(li.b), num(li.sigma)], [ref.linreg.a, ...ref.linreg.b, ref.linreg.sigma], 1e-6, "linreg");
  });

  it("gives the in-process result bit for bit (the same emitted objective; withData as well)", () => {
    const inProcess = model("gamma_aot", () => void Gamma("x", 3, 2));
    expect(findMAPAhead(built.gamma_aot)).to.deep.equal(findMAP(inProcess));
    const linreg = (options?: { findMAP: true }) =>
      model(
        "linreg_aot",
        () => {
          const a = Normal("a", 0, 10);
          const b = Normal("b", 0, 10, { shape: [3] });
          const sigma = HalfNormal("sigma", 5);
          Normal("y", pt.add(a, pt.dot(data("X", ref.X), b)), sigma, { observed: ref.y_lin });
        },
        options,
      );
    // compiled on first use in process, or emitted into the module as ahead of time
    const lazy = findMAP(linreg());
    expect(findMAPAhead(built.linreg_aot)).to.deep.equal(lazy);
    expect(findMAP(linreg({ findMAP: true }))).to.deep.equal(lazy);
    const X2 = { X: ref.X.map((row: number[]) => row.map((v) => 2 * v)) };
    expect(findMAPAhead(built.linreg_aot.withData(X2))).to.deep.equal(findMAP(linreg().withData(X2)));
  });

  it("without the option the model carries no objective, and findMAP names the option", () => {
    expect(thrown(() => findMAPAhead(built.plain_aot)).message).to.equal(
      "findMAP: model 'plain_aot' was built ahead of time without its MAP objective; declare it with the option findMAP: true (model(\"plain_aot\", builder, { findMAP: true })) to build one",
    );
    const gammaModel = Model.build("g", () => void Gamma("x", 3, 2));
    expect(emitModel(gammaModel, "g").body).not.to.contain("mapObjective");
    expect(emitModel(gammaModel, "g", { findMAP: true }).body).to.contain("function mapObjective(");
  });

  it("costs nothing unless asked: the seed's evaluation-only app carries none of it; the option adds the objective, a findMAP call the optimizer", async function () {
    const seed = Model.build("seed", () => {
      const mu = Normal("mu", 0, 2);
      const sigma = HalfNormal("sigma", 3);
      Normal("x", mu, sigma);
    });
    // The app as the build pass writes it (compiledExpression, runtimeImport), bundled and minified.
    const app = async (options: { findMAP?: true }, use: string) => {
      const expr = compiledExpression("seed", emitModel(seed, "seed", options).body);
      const contents = [runtimeImport([expr]), `import { findMAP } from "tsmc/runtime";`, `const m = ${expr};`, use].join("\n");
      const out = await build({
        stdin: { contents, resolveDir: ".", loader: "js" },
        alias: { "tsmc/runtime": fileURLToPath(new URL("../runtime/index.ts", import.meta.url)) },
        bundle: true,
        minify: true,
        format: "esm",
        write: false,
        platform: "browser",
      });
      const code = out.outputFiles[0].text;
      return { code, gzip: gzipSync(code).length };
    };
    const lean = await app({}, "console.log(m.logp(m.initialPoint()));");
    const objectiveOnly = await app({ findMAP: true }, "console.log(m.logp(m.initialPoint()));");
    const withMAP = await app({ findMAP: true }, "console.log(findMAP(m).mu);");
    const optimizer = "findMAP: the log density is not finite at the starting point";
    expect(lean.code).not.to.contain("findMAP");
    expect(lean.code).not.to.contain("mapObjective");
    expect(objectiveOnly.code).to.contain("mapObjective");
    expect(objectiveOnly.code).not.to.contain(optimizer);
    expect(withMAP.code).to.contain("mapObjective");
    expect(withMAP.code).to.contain(optimizer);
    this.test!.title += ` (${lean.gzip} B gzipped; the option adds ${objectiveOnly.gzip - lean.gzip} B, findMAP ${withMAP.gzip - objectiveOnly.gzip} B more)`;
  });
});
