// findMAP (PyMC's find_MAP): L-BFGS on the value space of the density without the transforms'
// Jacobians. Checked against closed forms (a Gamma's mode, ridge regression) and against SciPy's
// L-BFGS-B on the same densities (test/reference/gen_map.py: logistic and linear regression).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { Bernoulli, Gamma, HalfNormal, type NDArray, Normal, data, findMAP, model, pt, type CompiledModel } from "../compiler/index.js";
import { compileInline, type ModelLike } from "./helpers/aot.js";
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

  it("refuses what it cannot do, by name", async () => {
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
    const built = await compileInline<ModelLike & CompiledModel>(`import { model, Gamma } from "tsmc";`, { gamma_aot: `() => { Gamma("x", 3, 2); }` }, "map");
    expect(thrown(() => findMAP(built.gamma_aot)).message).to.contain("findMAP: model 'gamma_aot' was built ahead of time and carries no graph to optimize");
  });
});
