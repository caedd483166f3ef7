// RandomVariables (PyTensor's `normal_rv` and friends): nodes whose inputs are, in order, the rng,
// the size, the dtype code and the parameters, and whose outputs are the next rng and the draw.
import { Apply, Constant, Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, type DType } from "../graph/type.js";
import { asTensor, constant, type TensorLike } from "./constant.js";
import { staticEntries } from "./shape.js";

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
  readonly sampler: string;
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
    ctx.line(
      `const ${ctx.outs[1]} = ${ctx.rt("drawElementwise")}(${JSON.stringify(this.spec.name)}, ${rng}, ${sizeText}, [${params.join(", ")}], ${ctx.rt(this.spec.sampler)});`,
    );
  }
}

/** Static broadcast shape of elementwise parameters (right-aligned, NumPy rules). */
function broadcastParamShapes(what: string, params: Variable[]): (number | null)[] {
  const ndim = Math.max(0, ...params.map((p) => p.ndim));
  const out: (number | null)[] = [];
  for (let k = 0; k < ndim; k++) {
    let d: number | null = 1;
    for (const p of params) {
      const e = p.type.shape[p.ndim - ndim + k] ?? 1;
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
  const node = new RandomVariable(spec).makeNode(rng, size, dtype, ...params.map((p) => asTensor(p)));
  const out = node.outputs[1];
  if (opts.name) out.name = opts.name;
  return out;
}

/** The RandomVariables tsmc knows; each distribution in compiler/dist/ uses one of these. */
export const RV = {
  normal: { name: "normal_rv", signature: "(),()->()", dtype: "float64", sampler: "normalVariate", nParams: 2 },
  halfnormal: { name: "halfnormal_rv", signature: "(),()->()", dtype: "float64", sampler: "halfNormalVariate", nParams: 2 },
} satisfies Record<string, RandomVariableSpec>;

/** `pt.random`: the RandomVariables as functions of their parameters. */
export const random = {
  normal: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: RandomOptions) => randomVariable(RV.normal, [loc, scale], opts),
  halfnormal: (loc: TensorLike = 0, scale: TensorLike = 1, opts?: RandomOptions) => randomVariable(RV.halfnormal, [loc, scale], opts),
};

export function isRandomVariable(v: Variable): boolean {
  return v.owner?.op instanceof RandomVariable && v.outputIndex === 1;
}
