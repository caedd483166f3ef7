// Elementwise ops: one table of scalar ops (type rule, JS expression, gradient rule side by side),
// lifted to tensors by Elemwise with NumPy broadcasting made explicit by ExpandDims.
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape, isDiscrete, upcast, type DType } from "../graph/type.js";
import { asTensor, floatConst, type TensorLike } from "./constant.js";
import { expandDims } from "./dimshuffle.js";
import { sum } from "./reduce.js";
import { Composite } from "./composite.js";
import type { EmittedRuntimeName } from "../emit/runtime-names.js";

type GradRule = (inputs: Variable[], output: Variable, gz: Variable) => (Variable | null)[];

export interface ScalarOp {
  /** PyTensor's name, printed by dprint. */
  readonly name: string;
  readonly arity: number;
  /** Output dtype: NumPy's upcast (at least int64), always float64, or bool. */
  readonly out: "upcast" | "float" | "bool" | "last";
  /** The JS expression for one element; `rt` names a runtime export. */
  readonly js: (args: string[], rt: (name: EmittedRuntimeName) => string) => string;
  readonly grad?: GradRule;
}

const bool = (e: string) => `(${e} ? 1 : 0)`;

export function outDtype(op: ScalarOp, dtypes: DType[]): DType {
  switch (op.out) {
    case "float":
      return "float64";
    case "bool":
      return "bool";
    case "last":
      return dtypes[dtypes.length - 1];
    case "upcast":
      return upcast("int64", ...dtypes);
  }
}

/** Combine static dims of broadcast inputs; throws with both shapes when they cannot broadcast. */
export function broadcastStatic(opName: string, inputs: Variable[]): (number | null)[] {
  const ndim = inputs[0].ndim;
  const shape: (number | null)[] = [];
  for (let k = 0; k < ndim; k++) {
    let dim: number | null = 1;
    let allOne = true;
    for (const v of inputs) {
      const d = v.type.shape[k];
      if (d === 1) continue;
      allOne = false;
      if (d === null) continue;
      if (dim !== 1 && dim !== null && dim !== d) {
        throw new Error(`${opName}: shapes ${inputs.map((i) => formatShape(i.type.shape)).join(" and ")} cannot be broadcast together`);
      }
      dim = d;
    }
    if (!allOne && dim === 1) dim = null;
    shape.push(allOne ? 1 : dim);
  }
  return shape;
}

export class Elemwise implements Op {
  readonly scalar: ScalarOp;
  readonly key: string;

  constructor(scalar: ScalarOp) {
    this.scalar = scalar;
    this.key = `Elemwise{${scalar.name}}`;
  }

  toString(): string {
    return this.scalar.name;
  }

  makeNode(...inputs: Variable[]): Apply {
    const { name, arity } = this.scalar;
    if (inputs.length !== arity) throw new Error(`${name} takes ${arity} inputs, got ${inputs.length}`);
    const ndim = inputs[0].ndim;
    if (inputs.some((v) => v.ndim !== ndim)) {
      throw new Error(`${name}: inputs must have the same rank (use elemwise() to broadcast)`);
    }
    const shape = broadcastStatic(name, inputs);
    return new Apply(this, inputs, [
      new TensorType(
        outDtype(
          this.scalar,
          inputs.map((v) => v.dtype),
        ),
        shape,
      ),
    ]);
  }

  grad(inputs: Variable[], outputs: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz || !this.scalar.grad) {
      if (!this.scalar.grad && gz) throw new Error(`${this.scalar.name} has no gradient`);
      return inputs.map(() => null);
    }
    const raw = this.scalar.grad(inputs, outputs[0], gz);
    return raw.map((g, i) => (g && !isDiscrete(inputs[i].dtype) ? unbroadcast(g, inputs[i]) : null));
  }

  emit(ctx: EmitContext): void {
    const node = ctx.node;
    if (node.outputs[0].ndim === 0) {
      ctx.line(`const ${ctx.outs[0]} = ${this.scalar.js(ctx.ins, ctx.rt)};`);
      return;
    }
    // An array result is a one-op Composite: one loop generator for every elementwise loop.
    const nIn = node.inputs.length;
    new Composite({ nIn, nodes: [{ op: this.scalar, args: [...Array(nIn).keys()] }], outputs: [nIn], reduce: "none" }).emit(ctx);
  }
}

/** Sum a gradient over the axes along which `input` was broadcast, keeping its rank. */
export function unbroadcast(g: Variable, input: Variable): Variable {
  const axes: number[] = [];
  input.type.shape.forEach((d, k) => {
    if (d === 1 && g.type.shape[k] !== 1) axes.push(k);
  });
  return axes.length ? sum(g, axes, true) : g;
}

const ops = new Map<string, Elemwise>();

/** Apply a scalar op elementwise, padding lower-rank inputs on the left with ExpandDims. */
export function elemwise(scalar: ScalarOp, ...args: TensorLike[]): Variable {
  let op = ops.get(scalar.name);
  if (!op) ops.set(scalar.name, (op = new Elemwise(scalar)));
  const inputs = args.map((a) => asTensor(a));
  const ndim = Math.max(...inputs.map((v) => v.ndim));
  const padded = inputs.map((v) =>
    v.ndim < ndim
      ? expandDims(
          v,
          Array.from({ length: ndim - v.ndim }, (_, i) => i),
        )
      : v,
  );
  try {
    return op.makeNode(...padded).outputs[0];
  } catch (e) {
    if (inputs.some((v) => v.ndim !== ndim)) {
      // Report the shapes the user passed, not the padded ones.
      throw new Error(`${scalar.name}: shapes ${inputs.map((i) => formatShape(i.type.shape)).join(" and ")} cannot be broadcast together`);
    }
    throw e;
  }
}

// ---- the scalar ops ---------------------------------------------------------------------------

const def = (name: string, arity: number, out: ScalarOp["out"], js: ScalarOp["js"], grad?: GradRule): ScalarOp => ({
  name,
  arity,
  out,
  js,
  grad,
});
const call = (fn: string) => (a: string[]) => `${fn}(${a.join(", ")})`;
const rtCall = (fn: EmittedRuntimeName) => (a: string[], rt: (n: EmittedRuntimeName) => string) => `${rt(fn)}(${a.join(", ")})`;
const infix =
  (sym: string) =>
  ([a, b]: string[]) =>
    `(${a} ${sym} ${b})`;
const compare =
  (sym: string) =>
  ([a, b]: string[]) =>
    bool(`${a} ${sym} ${b}`);

export const S: Record<string, ScalarOp> = {
  add: def("Add", 2, "upcast", infix("+"), (_, __, gz) => [gz, gz]),
  sub: def("Sub", 2, "upcast", infix("-"), (_, __, gz) => [gz, neg(gz)]),
  mul: def("Mul", 2, "upcast", infix("*"), ([a, b], _, gz) => [mul(gz, b), mul(gz, a)]),
  trueDiv: def("True_div", 2, "float", infix("/"), ([, b], out, gz) => [div(gz, b), neg(div(mul(gz, out), b))]),
  pow: def("Pow", 2, "upcast", call("Math.pow"), ([a, b], out, gz) => [mul(mul(gz, b), pow(a, sub(b, 1))), mul(mul(gz, log(a)), out)]),
  neg: def(
    "Neg",
    1,
    "upcast",
    ([a]) => `(-${a})`,
    (_, __, gz) => [neg(gz)],
  ),
  abs: def("Abs", 1, "upcast", call("Math.abs"), ([a], _, gz) => [mul(gz, sign(a))]),
  sign: def("Sign", 1, "upcast", call("Math.sign"), () => [null]),
  exp: def("Exp", 1, "float", call("Math.exp"), (_, out, gz) => [mul(gz, out)]),
  log: def("Log", 1, "float", call("Math.log"), ([a], _, gz) => [div(gz, a)]),
  log1p: def("Log1p", 1, "float", call("Math.log1p"), ([a], _, gz) => [div(gz, add(a, 1))]),
  expm1: def("Expm1", 1, "float", call("Math.expm1"), ([a], out, gz) => [mul(gz, add(out, 1))]),
  sqrt: def("Sqrt", 1, "float", call("Math.sqrt"), (_, out, gz) => [div(mul(gz, 0.5), out)]),
  sqr: def(
    "Sqr",
    1,
    "upcast",
    ([a]) => `(${a} * ${a})`,
    ([a], _, gz) => [mul(mul(gz, 2), a)],
  ),
  sin: def("Sin", 1, "float", call("Math.sin"), ([a], _, gz) => [mul(gz, cos(a))]),
  cos: def("Cos", 1, "float", call("Math.cos"), ([a], _, gz) => [neg(mul(gz, sin(a)))]),
  tanh: def("Tanh", 1, "float", call("Math.tanh"), (_, out, gz) => [mul(gz, sub(1, sqr(out)))]),
  sigmoid: def("Sigmoid", 1, "float", rtCall("sigmoid"), (_, out, gz) => [mul(gz, mul(out, sub(1, out)))]),
  softplus: def("Softplus", 1, "float", rtCall("softplus"), ([a], _, gz) => [mul(gz, sigmoid(a))]),
  erf: def("Erf", 1, "float", rtCall("erf"), ([a], _, gz) => [mul(gz, mul(2 / Math.sqrt(Math.PI), exp(neg(sqr(a)))))]),
  erfc: def("Erfc", 1, "float", rtCall("erfc"), ([a], _, gz) => [mul(gz, mul(-2 / Math.sqrt(Math.PI), exp(neg(sqr(a)))))]),
  // erfcx(x) = exp(x²) erfc(x), finite far into the left tail of the normal
  erfcx: def("Erfcx", 1, "float", rtCall("erfcx"), ([a], out, gz) => [mul(gz, sub(mul(mul(2, a), out), 2 / Math.sqrt(Math.PI)))]),
  gammaln: def("Gammaln", 1, "float", rtCall("gammaln"), ([a], _, gz) => [mul(gz, digamma(a))]),
  psi: def("Psi", 1, "float", rtCall("digamma"), ([a], _, gz) => [mul(gz, trigamma(a))]),
  trigamma: def("TriGamma", 1, "float", rtCall("trigamma")),
  maximum: def("Maximum", 2, "upcast", call("Math.max"), ([a, b], _, gz) => [mul(gz, ge(a, b)), mul(gz, lt(a, b))]),
  minimum: def("Minimum", 2, "upcast", call("Math.min"), ([a, b], _, gz) => [mul(gz, le(a, b)), mul(gz, gt(a, b))]),
  gt: def("Gt", 2, "bool", compare(">"), () => [null, null]),
  ge: def("Ge", 2, "bool", compare(">="), () => [null, null]),
  lt: def("Lt", 2, "bool", compare("<"), () => [null, null]),
  le: def("Le", 2, "bool", compare("<="), () => [null, null]),
  eq: def("Eq", 2, "bool", compare("==="), () => [null, null]),
  neq: def("Neq", 2, "bool", compare("!=="), () => [null, null]),
  and: def(
    "AND",
    2,
    "bool",
    ([a, b]) => bool(`${a} !== 0 && ${b} !== 0`),
    () => [null, null],
  ),
  or: def(
    "OR",
    2,
    "bool",
    ([a, b]) => bool(`${a} !== 0 || ${b} !== 0`),
    () => [null, null],
  ),
  invert: def(
    "Invert",
    1,
    "bool",
    ([a]) => bool(`${a} === 0`),
    () => [null],
  ),
  isnan: def(
    "IsNan",
    1,
    "bool",
    ([a]) => bool(`${a} !== ${a}`),
    () => [null],
  ),
  isinf: def(
    "IsInf",
    1,
    "bool",
    ([a]) => bool(`${a} === Infinity || ${a} === -Infinity`),
    () => [null],
  ),
  switch: def(
    "Switch",
    3,
    "upcast",
    ([c, a, b]) => `(${c} !== 0 ? ${a} : ${b})`,
    ([c], _, gz) => [null, switchOp(c, gz, 0), switchOp(c, 0, gz)],
  ),
  clip: def(
    "Clip",
    3,
    "upcast",
    ([x, lo, hi]) => `Math.min(Math.max(${x}, ${lo}), ${hi})`,
    ([x, lo, hi], _, gz) => [mul(gz, and(ge(x, lo), le(x, hi))), mul(gz, lt(x, lo)), mul(gz, gt(x, hi))],
  ),
  /** `second(x, y)`: y broadcast to the shape of x (PyTensor's fill). */
  second: def(
    "Second",
    2,
    "last",
    ([, b]) => b,
    (_, __, gz) => [null, gz],
  ),
};

type T = TensorLike;
export const add = (a: T, b: T): Variable => elemwise(S.add, a, b);
export const sub = (a: T, b: T): Variable => elemwise(S.sub, a, b);
export const mul = (a: T, b: T): Variable => elemwise(S.mul, a, b);
export const div = (a: T, b: T): Variable => elemwise(S.trueDiv, a, b);
export const pow = (a: T, b: T): Variable => elemwise(S.pow, a, b);
export const neg = (a: T): Variable => elemwise(S.neg, a);
export const abs = (a: T): Variable => elemwise(S.abs, a);
export const sign = (a: T): Variable => elemwise(S.sign, a);
export const exp = (a: T): Variable => elemwise(S.exp, a);
export const log = (a: T): Variable => elemwise(S.log, a);
export const log1p = (a: T): Variable => elemwise(S.log1p, a);
export const expm1 = (a: T): Variable => elemwise(S.expm1, a);
export const sqrt = (a: T): Variable => elemwise(S.sqrt, a);
export const sqr = (a: T): Variable => elemwise(S.sqr, a);
export const sin = (a: T): Variable => elemwise(S.sin, a);
export const cos = (a: T): Variable => elemwise(S.cos, a);
export const tanh = (a: T): Variable => elemwise(S.tanh, a);
export const sigmoid = (a: T): Variable => elemwise(S.sigmoid, a);
export const softplus = (a: T): Variable => elemwise(S.softplus, a);
export const erf = (a: T): Variable => elemwise(S.erf, a);
export const erfc = (a: T): Variable => elemwise(S.erfc, a);
export const erfcx = (a: T): Variable => elemwise(S.erfcx, a);
export const gammaln = (a: T): Variable => elemwise(S.gammaln, a);
export const digamma = (a: T): Variable => elemwise(S.psi, a);
export const trigamma = (a: T): Variable => elemwise(S.trigamma, a);
export const maximum = (a: T, b: T): Variable => elemwise(S.maximum, a, b);
export const minimum = (a: T, b: T): Variable => elemwise(S.minimum, a, b);
export const gt = (a: T, b: T): Variable => elemwise(S.gt, a, b);
export const ge = (a: T, b: T): Variable => elemwise(S.ge, a, b);
export const lt = (a: T, b: T): Variable => elemwise(S.lt, a, b);
export const le = (a: T, b: T): Variable => elemwise(S.le, a, b);
export const eq = (a: T, b: T): Variable => elemwise(S.eq, a, b);
export const neq = (a: T, b: T): Variable => elemwise(S.neq, a, b);
export const and = (a: T, b: T): Variable => elemwise(S.and, a, b);
export const or = (a: T, b: T): Variable => elemwise(S.or, a, b);
export const invert = (a: T): Variable => elemwise(S.invert, a);
export const isnan = (a: T): Variable => elemwise(S.isnan, a);
export const isinf = (a: T): Variable => elemwise(S.isinf, a);
export const switchOp = (c: T, a: T, b: T): Variable => elemwise(S.switch, c, a, b);
export const clip = (x: T, lo: T, hi: T): Variable => elemwise(S.clip, x, lo, hi);
export const second = (a: T, b: T): Variable => elemwise(S.second, a, b);

/** Zeros shaped like `x` (float64). */
export const zerosLike = (x: Variable): Variable => second(x, floatConst(0));
