// The seed notebook's PyMC half, in TypeScript: RandomVariables, draw, Model, value variables,
// logp and the model's compiled log density, with the notebook's printed output as golden text.
import { expect } from "chai";
import { pt, Normal, HalfNormal, Model, draw, logp, type Variable } from "../compiler/index.js";
import { expectClose, expectSameLines } from "./helpers/golden.js";

/** The rng line prints an address that differs per run, as NumPy's does. */
const RNG_LINE = /^├─ RandomGeneratorSharedVariable\(<Generator\(PCG64\) at 0x[0-9A-F]+>\) \[id B\]$/;

function expectRvPrint(text: string, header: string, params: string[]): void {
  const lines = text.split("\n").map((l) => l.trim());
  expect(lines[0]).to.equal(header);
  expect(lines[1]).to.match(RNG_LINE);
  expect(lines.slice(2)).to.deep.equal(["├─ [] [id C]", "├─ 11 [id D]", `├─ ${params[0]} [id E]`, `└─ ${params[1]} [id F]`]);
}

const Z_LOGP = `
Check{sigma > 0} [id A] 'z_logprob'
├─ Sub [id B]
│ ├─ Sub [id C]
│ │ ├─ Mul [id D]
│ │ │ ├─ ExpandDims{axis=0} [id E]
│ │ │ │ └─ -0.5 [id F]
│ │ │ └─ Pow [id G]
│ │ │ ├─ True_div [id H]
│ │ │ │ ├─ Sub [id I]
│ │ │ │ │ ├─ z [id J]
│ │ │ │ │ └─ [0 0] [id K]
│ │ │ │ └─ [1. 2.] [id L]
│ │ │ └─ ExpandDims{axis=0} [id M]
│ │ │ └─ 2 [id N]
│ │ └─ ExpandDims{axis=0} [id O]
│ │ └─ Log [id P]
│ │ └─ Sqrt [id Q]
│ │ └─ 6.283185307179586 [id R]
│ └─ Log [id S]
│ └─ [1. 2.] [id L]
└─ All{axes=None} [id T]
└─ MakeVector{dtype='bool'} [id U]
└─ All{axes=None} [id V]
└─ Gt [id W]
├─ [1. 2.] [id L]
└─ ExpandDims{axis=0} [id X]
└─ 0 [id Y]`;

describe("seed: PyTensor RandomVariables", () => {
  it("prints a normal_rv with its rng, size, dtype and parameters", () => {
    const y = pt.random.normal(0, 1, { name: "y" });
    expect(y.type.repr()).to.equal("TensorType(float64, shape=())");
    expectRvPrint(pt.dprint(y), `normal_rv{"(),()->()"}.1 [id A] 'y'`, ["0", "1"]);
  });

  it("gives the same sample on every eval", () => {
    const y = pt.random.normal(0, 1, { name: "y" });
    const first = y.eval();
    expect(typeof first).to.equal("number");
    for (let i = 0; i < 10; i++) expect(y.eval()).to.equal(first);
  });
});

describe("seed: PyMC distributions and draw", () => {
  it("Normal.dist is a normal_rv with sigma cast to float", () => {
    const x = Normal.dist({ mu: 0, sigma: 1 });
    expectRvPrint(pt.dprint(x), `normal_rv{"(),()->()"}.1 [id A]`, ["0", "1.0"]);
    const first = x.eval();
    for (let i = 0; i < 10; i++) expect(x.eval()).to.equal(first);
  });

  it("draw advances the stream; a seed makes draws reproducible", () => {
    const x = Normal.dist(0, 1);
    const a = draw(x);
    const b = draw(x);
    expect(a).to.not.equal(b);
    expect(draw(x, { draws: 5, seed: 42 }).data).to.deep.equal(draw(x, { draws: 5, seed: 42 }).data);
    expect(draw(x, { draws: 5, seed: 42 }).data).to.not.deep.equal(draw(x, { draws: 5, seed: 43 }).data);
  });

  it("1 000 draws have the distribution's mean and sd; draws stack on a new leading axis", () => {
    const x = Normal.dist(0, 1);
    const d = draw(x, { draws: 10_000, seed: 7 });
    expect(d.shape).to.deep.equal([10_000]);
    const mean = d.data.reduce((a: number, b: number) => a + b, 0) / d.data.length;
    const sd = Math.sqrt(d.data.reduce((a: number, b: number) => a + (b - mean) ** 2, 0) / d.data.length);
    expect(Math.abs(mean)).to.be.lessThan(0.04);
    expect(Math.abs(sd - 1)).to.be.lessThan(0.03);
  });
});

describe("seed: what is going on behind the scenes (a Model)", () => {
  let z!: Variable;
  const model = Model.build(() => {
    z = Normal("z", { mu: [0, 0], sigma: [1, 2] });
  });

  it("registers z, printed as the seed shows", () => {
    expectRvPrint(pt.dprint(z), `normal_rv{"(),()->()"}.1 [id A] 'z'`, ["[0 0]", "[1. 2.]"]);
    expect(model.basicRVs).to.deep.equal([z]);
    expect(model.basicRVs.map((rv) => (rv as any).strRepr())).to.deep.equal(["z ~ Normal(<constant>, <constant>)"]);
    expect(String(model)).to.equal("z ~ Normal(<constant>, <constant>)");
    expectRvPrint(pt.dprint(model.basicRVs[0]), `normal_rv{"(),()->()"}.1 [id A] 'z'`, ["[0 0]", "[1. 2.]"]);
  });

  it("eval repeats, draw does not; 10 000 draws have the right moments per column", () => {
    const first = Array.from(z.eval().data);
    for (let i = 0; i < 10; i++) expect(Array.from(z.eval().data)).to.deep.equal(first);
    const draws = Array.from({ length: 10 }, () => Array.from(draw(z).data as Float64Array));
    expect(new Set(draws.map((d) => d.join(","))).size).to.equal(10);
    const many = draw(z, { draws: 10_000, seed: 1 });
    expect(many.shape).to.deep.equal([10_000, 2]);
    for (const [col, sd] of [
      [0, 1],
      [1, 2],
    ]) {
      const xs = Array.from({ length: 10_000 }, (_, i) => many.data[i * 2 + col]);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const s = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      expect(Math.abs(mean)).to.be.lessThan(0.05 * sd);
      expect(Math.abs(s - sd)).to.be.lessThan(0.04 * sd);
    }
  });

  it("logp(z, value) is the seed's graph and evaluates to scipy's norm.logpdf", () => {
    const zValue = pt.vector("z");
    const zLogp = logp(z, zValue);
    expectSameLines(pt.dprint(zLogp), Z_LOGP);
    expectClose(zLogp.eval(new Map([[zValue, [0, 0]]])).data, [-0.91893853, -1.61208571]);
  });

  it("model.logp({ sum: false }) is the same graph; compileLogp at the initial point", () => {
    expectSameLines(pt.dprint(model.logp({ sum: false })), Z_LOGP);
    const point = model.initialPoint();
    expect(Object.keys(point)).to.deep.equal(["z"]);
    expect((point.z as any).toArray()).to.deep.equal([0, 0]);
    const logpFunction = model.compileLogp({ sum: false });
    const [values] = logpFunction(point);
    expectClose(values.data, [-0.91893853, -1.61208571]);
  });
});

describe("seed: value variables (model_2)", () => {
  let mu!: Variable, sigma!: Variable, x!: Variable;
  const model2 = Model.build(() => {
    mu = Normal("mu", { mu: 0, sigma: 2 });
    sigma = HalfNormal("sigma", { sigma: 3 });
    x = Normal("x", { mu, sigma });
  });

  it("maps each RV to its value variable, sigma on the log scale", () => {
    const text = [...model2.rvsToValues].map(([rv, v]) => `${(rv as any).strRepr()}: ${v}`);
    expect(text).to.deep.equal(["mu ~ Normal(0, 2): mu", "sigma ~ HalfNormal(0, 3): sigma_log__", "x ~ Normal(mu, sigma): x"]);
    expect(model2.valueVars.map(String)).to.deep.equal(["mu", "sigma_log__", "x"]);
    expect(String(model2)).to.equal(["   mu ~ Normal(0, 2)", "sigma ~ HalfNormal(0, 3)", "    x ~ Normal(mu, sigma)"].join("\n"));
  });

  it("the elementwise log-probability matches the seed (and scipy) to 1e-8", () => {
    const muValue = model2.rvsToValues.get(mu)!;
    const sigmaLogValue = model2.rvsToValues.get(sigma)!;
    const xValue = model2.rvsToValues.get(x)!;
    const logpGraph = pt.stack(model2.logp({ sum: false }));
    const values = logpGraph.eval(
      new Map<Variable, unknown>([
        [muValue, 0],
        [sigmaLogValue, -10],
        [xValue, 0],
      ]),
    );
    expectClose(values.data, [-1.61208571, -11.32440364, 9.08106147]);
    // scipy: norm.logpdf(0, 0, 2), -10 + halfnorm.logpdf(exp(-10), 0, 3), norm.logpdf(0, 0, exp(-10))
    expectClose(values.data, [-1.612085713764618, -11.324403641427345, 9.081061466795328], 1e-12);
  });

  it("compileLogp({ sum: false }) takes a point keyed by value-variable name", () => {
    const out = model2.compileLogp({ sum: false })({ mu: 0, sigma_log__: -10, x: 0 });
    expectClose(out, [-1.61208571, -11.32440364, 9.08106147]);
    const total = model2.compileLogp()({ mu: 0, sigma_log__: -10, x: 0 });
    expectClose(total, -1.61208571 - 11.32440364 + 9.08106147);
  });

  it("initialPoint is the support point, forward-transformed", () => {
    const p = model2.initialPoint();
    expectClose([p.mu as number, p.sigma_log__ as number, p.x as number], [0, Math.log(3), 0], 1e-15);
  });
});
