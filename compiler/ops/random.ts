// RandomVariables (PyTensor's `normal_rv` and friends): nodes whose inputs are, in order, the rng,
// the size, the dtype code and the parameters, and whose outputs are the next rng and the draw.
import { Apply, Constant, Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { asTensor, constant, type TensorLike } from "./constant.js";
import { staticEntries } from "./shape.js";
import type { VariateName } from "../emit/runtime-names.js";

/** The type of an rng: an opaque stream, not a tensor one can compute with. */
export class RandomGeneratorType extends TensorType {
  constructor() {
    super("float64", []);
  }

  override toString(): string {
    return "RandomGeneratorType";
  }
}

let addressCounter = 0x7ff0d7812180;

/** A shared rng holding the saved state of a seeded stream (PyTensor's RandomGeneratorSharedVariable). */
export class RandomGeneratorSharedVariable extends Variable {
  /** The stream's saved state, or a seed not yet turned into a stream. */
  state: unknown;
  private readonly address: string;

  constructor(seed: number | string, name: string | null = null) {
    super(new RandomGeneratorType(), null, 0, name);
    this.state = { seed };
    this.address = `0x${(addressCounter += 0x2a0).toString(16).toUpperCase()}`;
  }

  override toString(): string {
    return `RandomGeneratorSharedVariable(<Generator(PCG64) at ${this.address}>)`;
  }
}

/** NumPy's type numbers, which PyTensor prints as a RandomVariable's dtype input. */
const TYPE_NUM: Record<DType, number> = { float64: 11, int64: 7, bool: 0 };

export interface RandomVariableSpec {
  /** PyTensor's name, e.g. `normal_rv`. */
  readonly name: string;
  /** Core signature: parameter and draw dims, e.g. `(),()->()`. */
  readonly signature: string;
  readonly dtype: DType;
  /** Name of the runtime variate generator, called once per element with scalar parameters. */
  readonly sampler: VariateName;
  readonly nParams: number;
}

export class RandomVariable implements Op {
  readonly spec: RandomVariableSpec;
  readonly key: string;
  readonly defaultOutput = 1;
  readonly foldable = false;

  constructor(spec: RandomVariableSpec) {
    this.spec = spec;
    this.key = `RandomVariable{${spec.name}}`;
  }

  toString(): string {
    return `${this.spec.name}{"${this.spec.signature}"}`;
  }

  makeNode(rng: Variable, size: Variable, dtype: Variable, ...params: Variable[]): Apply {
    const { name, nParams } = this.spec;
    if (!(rng.type instanceof RandomGeneratorType)) throw new Error(`${name}: the first input must be an rng, got ${rng.type}`);
    if (params.length !== nParams) throw new Error(`${name}: expected ${nParams} parameters, got ${params.length}`);
    if (size.ndim !== 1 || size.dtype !== "int64" || size.type.shape[0] === null) {
      throw new Error(`${name}: size must be an integer vector of known length, got ${size.type}`);
    }
    const given = size.type.shape[0] > 0;
    const core = parseSignature(this.spec.signature);
    if (core.params.some((c) => c.length) || core.out.length) {
      const shape = coreShape(name, core, params, given ? staticEntries(size) : null);
      return new Apply(this, [rng, size, dtype, ...params], [new RandomGeneratorType(), new TensorType(this.spec.dtype, shape)]);
    }
    const shape = given ? staticEntries(size) : broadcastParamShapes(name, params);
    if (given) broadcastParamShapes(name, [...params, new Variable(new TensorType("float64", shape))]);
    return new Apply(this, [rng, size, dtype, ...params], [new RandomGeneratorType(), new TensorType(this.spec.dtype, shape)]);
  }

  grad(inputs: Variable[]): (Variable | null)[] {
    return inputs.map(() => null);
  }

  emit(ctx: EmitContext): void {
    const [rng, , , ...params] = ctx.ins;
    const size = ctx.node.inputs[1];
    const sizeText = size.type.shape[0] === 0 ? "null" : size instanceof Constant ? `[${Array.from(size.data).join(", ")}]` : `Array.from(${ctx.ins[1]}.data)`;
    ctx.line(`const ${ctx.outs[0]} = ${rng};`);
    const core = parseSignature(this.spec.signature);
    if (core.params.some((c) => c.length) || core.out.length) {
      ctx.line(
        `const ${ctx.outs[1]} = ${ctx.rt("drawCore")}(${JSON.stringify(this.spec.name)}, ${rng}, ${sizeText}, [${params.join(", ")}], ${JSON.stringify(this.spec.signature)}, ${ctx.rt(this.spec.sampler)});`,
      );
      return;
    }
    if (size.type.shape[0] === 0 && ctx.node.outputs[1].ndim === 0) {
      // One scalar draw from scalar parameters: the variate itself, without the broadcasting loop.
      ctx.line(`const ${ctx.outs[1]} = ${ctx.rt(this.spec.sampler)}(${[rng, ...params].join(", ")});`);
      return;
    }
    ctx.line(
      `const ${ctx.outs[1]} = ${ctx.rt("drawElementwise")}(${JSON.stringify(this.spec.name)}, ${rng}, ${sizeText}, [${params.join(", ")}], ${ctx.rt(this.spec.sampler)});`,
    );
  }
}

/** A gufunc signature `(n),(n,n)->(n)`: the core dim names of each parameter and of the draw. */
export function parseSignature(sig: string): { params: string[][]; out: string[] } {
  const [ins, out] = sig.split("->");
  const groups = (text: string) =>
    [...text.matchAll(/\(([^)]*)\)/g)].map((m) =>
      m[1]
        .split(",")
        .map((d) => d.trim())
        .filter(Boolean),
    );
  return { params: groups(ins), out: groups(out)[0] ?? [] };
}

/**
 * Static shape of a draw with core dims: the batch shape (`size`, or the broadcast of the
 * parameters' batch shapes) followed by the draw's core dims, read off the parameters.
 */
function coreShape(what: string, core: { params: string[][]; out: string[] }, params: Variable[], size: (number | null)[] | null): (number | null)[] {
  const dims = new Map<string, number | null>();
  const batches = params.map((p, i) => {
    const names = core.params[i];
    if (p.ndim < names.length)
      throw new Error(`${what}: parameter ${i} needs at least ${names.length} dimensions (core dims (${names.join(", ")})), got ${p.type}`);
    const coreDims = p.type.shape.slice(p.ndim - names.length);
    names.forEach((n, k) => {
      const d = coreDims[k];
      const prev = dims.get(n);
      if (prev !== undefined && prev !== null && d !== null && prev !== d) {
        throw new Error(`${what}: core dimension ${n} is ${prev} in one parameter and ${d} in another`);
      }
      if (prev === undefined || prev === null) dims.set(n, d);
    });
    return new Variable(new TensorType("float64", p.type.shape.slice(0, p.ndim - names.length)));
  });
  const batch = broadcastParamShapes(what, size ? [...batches, new Variable(new TensorType("float64", size))] : batches);
  const outCore = core.out.map((n) => {
    if (!dims.has(n)) throw new Error(`${what}: the draw's core dimension ${n} is not a parameter's`);
    return dims.get(n)!;
  });
  return [...(size ?? batch), ...outCore];
}

/** Static broadcast shape of elementwise parameters (right-aligned, NumPy rules). */
function broadcastParamShapes(what: string, params: Variable[]): (number | null)[] {
  const ndim = Math.max(0, ...params.map((p) => p.ndim));
  const out: (number | null)[] = [];
  for (let k = 0; k < ndim; k++) {
    let d: number | null = 1;
    for (const p of params) {
      // missing leading dims broadcast as 1; an unknown dim stays unknown (null)
      const at = p.ndim - ndim + k;
      const e = at < 0 ? 1 : p.type.shape[at];
      if (e === 1) continue;
      if (e === null) {
        if (d === 1) d = null;
        continue;
      }
      if (d !== 1 && d !== null && d !== e) {
        throw new Error(`${what}: parameter shapes ${params.map((v) => `(${v.type.shape.join(", ")})`).join(" and ")} do not broadcast`);
      }
      d = e;
    }
    out.push(d);
  }
  return out;
}

export interface RandomOptions {
  /** The draw's shape: numbers, or an integer vector variable (e.g. the shape of observed data). */
  size?: number | readonly number[] | Variable;
  name?: string;
  rng?: RandomGeneratorSharedVariable;
  /** Seed of a new rng (ignored when `rng` is given). */
  seed?: number | string;
  /** The op, when it is a subclass that draws its own way (a CustomDist's); by default one of `spec`. */
  op?: RandomVariable;
}

let rngCounter = 0;
/** Seeds of rngs made without one: fixed per process start, distinct per rng. */
const SESSION_SEED = `${Date.now()}:${Math.random()}`;

/** Build a draw of `spec` with the given parameters (PyTensor's `rv_op(*params, size=..., rng=...)`). */
export function randomVariable(spec: RandomVariableSpec, params: readonly TensorLike[], opts: RandomOptions = {}): Variable {
  const rng = opts.rng ?? new RandomGeneratorSharedVariable(opts.seed ?? `${SESSION_SEED}/${rngCounter++}`);
  const size =
    opts.size instanceof Variable
      ? opts.size
      : constant(opts.size === undefined ? [] : typeof opts.size === "number" ? [opts.size] : [...opts.size], null, "int64");
  const dtype = constant(TYPE_NUM[spec.dtype], null, "int64");
  const node = (opts.op ?? new RandomVariable(spec)).makeNode(rng, size, dtype, ...params.map((p) => asTensor(p)));
  const out = node.outputs[1];
  if (opts.name) out.name = opts.name;
  return out;
}

const rv = (name: string, signature: string, sampler: VariateName, dtype: DType = "float64"): RandomVariableSpec => ({
  name: `${name}_rv`,
  signature,
  dtype,
  sampler,
  nParams: signature.split("->")[0].split("(").length - 1,
});

/** The RandomVariables tsmc knows (PyTensor's and PyMC's names); each distribution in compiler/distributions/ uses one. */
export const RV = {
  normal: rv("normal", "(),()->()", "normalVariate"),
  halfnormal: rv("halfnormal", "(),()->()", "halfNormalVariate"),
  // continuous
  uniform: rv("uniform", "(),()->()", "uniformVariate"),
  triangular: rv("triangular", "(),(),()->()", "triangularVariate"),
  beta: rv("beta", "(),()->()", "betaVariate"),
  lognormal: rv("lognormal", "(),()->()", "lognormalVariate"),
  gamma: rv("gamma", "(),()->()", "gammaVariate"),
  pareto: rv("pareto", "(),()->()", "paretoVariate"),
  gumbel: rv("gumbel", "(),()->()", "gumbelVariate"),
  exponential: rv("exponential", "()->()", "exponentialVariate"),
  weibull: rv("weibull", "(),()->()", "weibullVariate"),
  logistic: rv("logistic", "(),()->()", "logisticVariate"),
  vonmises: rv("vonmises", "(),()->()", "vonMisesVariate"),
  cauchy: rv("cauchy", "(),()->()", "cauchyVariate"),
  halfcauchy: rv("halfcauchy", "(),()->()", "halfCauchyVariate"),
  invgamma: rv("invgamma", "(),()->()", "invGammaVariate"),
  wald: rv("wald", "(),(),()->()", "waldVariate"),
  t: rv("t", "(),(),()->()", "studentTVariate"),
  halfstudentt: rv("halfstudentt", "(),()->()", "halfStudentTVariate"),
  laplace: rv("laplace", "(),()->()", "laplaceVariate"),
  asymmetriclaplace: rv("asymmetriclaplace", "(),(),()->()", "asymmetricLaplaceVariate"),
  skewnormal: rv("skewnormal", "(),(),()->()", "skewNormalVariate"),
  exgaussian: rv("exgaussian", "(),(),()->()", "exGaussianVariate"),
  moyal: rv("moyal", "(),()->()", "moyalVariate"),
  logit_normal: rv("logit_normal", "(),()->()", "logitNormalVariate"),
  kumaraswamy: rv("kumaraswamy", "(),()->()", "kumaraswamyVariate"),
  chisquare: rv("chisquare", "()->()", "chiSquaredVariate"),
  rice: rv("rice", "(),()->()", "riceVariate"),
  truncated_normal: rv("truncated_normal", "(),(),(),()->()", "truncatedNormalVariate"),
  flat: rv("flat", "->()", "flatVariate"),
  half_flat: rv("half_flat", "->()", "flatVariate"),
  // discrete
  bernoulli: rv("bernoulli", "()->()", "bernoulliVariate", "int64"),
  binomial: rv("binomial", "(),()->()", "binomialVariate", "int64"),
  poisson: rv("poisson", "()->()", "poissonVariate", "int64"),
  negative_binomial: rv("negative_binomial", "(),()->()", "negativeBinomialVariate", "int64"),
  geometric: rv("geometric", "()->()", "geometricVariate", "int64"),
  discrete_uniform: rv("discrete_uniform", "(),()->()", "discreteUniformVariate", "int64"),
  hypergeometric: rv("hypergeometric", "(),(),()->()", "hypergeometricVariate", "int64"),
  beta_binomial: rv("beta_binomial", "(),(),()->()", "betaBinomialVariate", "int64"),
  discrete_weibull: rv("discrete_weibull", "(),()->()", "discreteWeibullVariate", "int64"),
  zero_inflated_poisson: rv("zero_inflated_poisson", "(),()->()", "zeroInflatedPoissonVariate", "int64"),
  zero_inflated_binomial: rv("zero_inflated_binomial", "(),(),()->()", "zeroInflatedBinomialVariate", "int64"),
  zero_inflated_negative_binomial: rv("zero_inflated_negative_binomial", "(),(),()->()", "zeroInflatedNegativeBinomialVariate", "int64"),
  // with core dimensions
  categorical: rv("categorical", "(p)->()", "categoricalVariate", "int64"),
  dirichlet: rv("dirichlet", "(a)->(a)", "dirichletVariate"),
  multinomial: rv("multinomial", "(),(p)->(p)", "multinomialVariate", "int64"),
  dirichlet_multinomial: rv("dirichlet_multinomial", "(),(p)->(p)", "dirichletMultinomialVariate", "int64"),
  multivariate_normal: rv("multivariate_normal", "(n),(n,n)->(n)", "mvNormalVariate"),
  mvstudentt: rv("mvstudentt", "(),(n),(n,n)->(n)", "mvStudentTVariate"),
  // n and eta are scalars; the last parameter is a constant of the draw's length m (n(n-1)/2, or
  // n(n+1)/2 packed), which carries the core dimension that the signature cannot compute from n
  lkjcorr: rv("lkjcorr", "(),(),(m)->(m)", "lkjCorrVariate"),
  lkjcholeskycov: rv("lkjcholeskycov", "(),(),(n),(m)->(m)", "lkjCholeskyCovVariate"),
  // time series: the last parameter is a constant of the draw's length t (steps + 1, or steps +
  // ar_order), the core dimension the signature cannot compute; init and innovations are draws
  random_walk: rv("random_walk", "(),(s),(t)->(t)", "randomWalkVariate"),
  ar: rv("ar", "(r),(),(o),(t)->(t)", "arVariate"),
  // ZeroSumNormal over one axis (more axes: compiler/distributions/zerosumnormal.ts)
  zerosumnormal: rv("zerosumnormal", "(),(a0)->(a0)", "zeroSumNormalVariate"),
} satisfies Record<string, RandomVariableSpec>;

type O = RandomOptions | undefined;
const T = (x: TensorLike) => x;

/** `pt.random`: the RandomVariables as functions of their parameters (PyTensor's names and order). */
export const random = {
  normal: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: RandomOptions) => randomVariable(RV.normal, [loc, scale], opts),
  halfnormal: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: RandomOptions) => randomVariable(RV.halfnormal, [loc, scale], opts),
  uniform: (low: TensorLike = 0, high: TensorLike = 1, opts?: O) => randomVariable(RV.uniform, [T(low), high], opts),
  triangular: (left: TensorLike, mode: TensorLike, right: TensorLike, opts?: O) => randomVariable(RV.triangular, [left, mode, right], opts),
  beta: (alpha: TensorLike, beta: TensorLike, opts?: O) => randomVariable(RV.beta, [alpha, beta], opts),
  lognormal: (mean: TensorLike = 0, sigma: TensorLike = 1, opts?: O) => randomVariable(RV.lognormal, [mean, sigma], opts),
  /** gamma(shape, scale) as PyTensor's GammaRV holds it. */
  gamma: (shape: TensorLike, scale: TensorLike = 1, opts?: O) => randomVariable(RV.gamma, [shape, scale], opts),
  pareto: (b: TensorLike, scale: TensorLike = 1, opts?: O) => randomVariable(RV.pareto, [b, scale], opts),
  gumbel: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: O) => randomVariable(RV.gumbel, [loc, scale], opts),
  exponential: (scale: TensorLike = 1, opts?: O) => randomVariable(RV.exponential, [scale], opts),
  weibull: (alpha: TensorLike, beta: TensorLike = 1, opts?: O) => randomVariable(RV.weibull, [alpha, beta], opts),
  logistic: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: O) => randomVariable(RV.logistic, [loc, scale], opts),
  vonmises: (mu: TensorLike, kappa: TensorLike, opts?: O) => randomVariable(RV.vonmises, [mu, kappa], opts),
  cauchy: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: O) => randomVariable(RV.cauchy, [loc, scale], opts),
  halfcauchy: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: O) => randomVariable(RV.halfcauchy, [loc, scale], opts),
  invgamma: (shape: TensorLike, scale: TensorLike = 1, opts?: O) => randomVariable(RV.invgamma, [shape, scale], opts),
  wald: (mean: TensorLike, scale: TensorLike, alpha: TensorLike = 0, opts?: O) => randomVariable(RV.wald, [mean, scale, alpha], opts),
  t: (df: TensorLike, loc: TensorLike = 0, scale: TensorLike = 1, opts?: O) => randomVariable(RV.t, [df, loc, scale], opts),
  laplace: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: O) => randomVariable(RV.laplace, [loc, scale], opts),
  chisquare: (df: TensorLike, opts?: O) => randomVariable(RV.chisquare, [df], opts),
  bernoulli: (p: TensorLike, opts?: O) => randomVariable(RV.bernoulli, [p], opts),
  binomial: (n: TensorLike, p: TensorLike, opts?: O) => randomVariable(RV.binomial, [n, p], opts),
  poisson: (lam: TensorLike = 1, opts?: O) => randomVariable(RV.poisson, [lam], opts),
  negative_binomial: (n: TensorLike, p: TensorLike, opts?: O) => randomVariable(RV.negative_binomial, [n, p], opts),
  geometric: (p: TensorLike, opts?: O) => randomVariable(RV.geometric, [p], opts),
  hypergeometric: (ngood: TensorLike, nbad: TensorLike, nsample: TensorLike, opts?: O) => randomVariable(RV.hypergeometric, [ngood, nbad, nsample], opts),
  beta_binomial: (n: TensorLike, a: TensorLike, b: TensorLike, opts?: O) => randomVariable(RV.beta_binomial, [n, a, b], opts),
  categorical: (p: TensorLike, opts?: O) => randomVariable(RV.categorical, [p], opts),
  dirichlet: (alphas: TensorLike, opts?: O) => randomVariable(RV.dirichlet, [alphas], opts),
  multinomial: (n: TensorLike, p: TensorLike, opts?: O) => randomVariable(RV.multinomial, [n, p], opts),
  multivariate_normal: (mean: TensorLike, cov: TensorLike, opts?: O) => randomVariable(RV.multivariate_normal, [mean, cov], opts),
};

export function isRandomVariable(v: Variable): boolean {
  return v.owner?.op instanceof RandomVariable && v.outputIndex === 1;
}
