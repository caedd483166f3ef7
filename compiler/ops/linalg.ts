// Linear algebra (PyTensor's nlinalg and slinalg): Cholesky (lower), its gradient, triangular and
// general solves, the lower triangle, the determinant, its sign and log, and the inverse. Each op's
// shape rule, gradient rule and emit template side by side; the kernels are in runtime/linalg.ts.
// Matrices are 2-d (no batch dimensions).
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape } from "../graph/type.js";
import { asTensor, type TensorLike } from "./constant.js";
import { expandDims, transpose } from "./dimshuffle.js";
import { neg, mul } from "./elemwise.js";
import { dot } from "./blas.js";

function squareMatrix(what: string, a: Variable): void {
  if (a.ndim !== 2) throw new Error(`${what}: expected a matrix (2-d; batched inputs are not supported), got ${a.type}`);
  const [m, n] = a.type.shape;
  if (m !== null && n !== null && m !== n) throw new Error(`${what}: expected a square matrix, got shape ${formatShape(a.type.shape)}`);
}

const float = (shape: readonly (number | null)[]) => new TensorType("float64", [...shape]);

/** L with L L^T = A, lower triangular; NaN when A is not positive definite (PyTensor's on_error="nan"). */
export class Cholesky implements Op {
  readonly key = "Cholesky{lower=True}";
  toString(): string {
    return "Cholesky{lower=True, check_finite=False, on_error='nan'}";
  }
  makeNode(a: Variable): Apply {
    squareMatrix("Cholesky", a);
    const n = a.type.shape[0] ?? a.type.shape[1];
    return new Apply(this, [a], [float([n, n])]);
  }
  grad(_: Variable[], [l]: Variable[], [gl]: (Variable | null)[]): (Variable | null)[] {
    return [gl ? choleskyGrad(l, gl) : null];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("choleskyLower")}(${ctx.ins[0]}, ${ctx.slot()});`);
  }
}

/** The adjoint of the input of a Cholesky factorisation given L and the adjoint of L (Murray 2016). */
export class CholeskyGrad implements Op {
  readonly key = "CholeskyGrad";
  toString(): string {
    return "CholeskyGrad";
  }
  makeNode(l: Variable, gl: Variable): Apply {
    squareMatrix("CholeskyGrad", l);
    return new Apply(this, [l, gl], [float(l.type.shape)]);
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("choleskyGrad")}(${ctx.ins[0]}, ${ctx.ins[1]}, ${ctx.slot()});`);
  }
}

/** The right-hand side of a solve: a vector or a matrix whose first dimension fits `a`. */
function rightHandSide(what: string, a: Variable, b: Variable): void {
  if (b.ndim !== 1 && b.ndim !== 2) throw new Error(`${what}: the right-hand side must be a vector or a matrix, got ${b.type}`);
  const n = a.type.shape[0] ?? a.type.shape[1];
  if (n !== null && b.type.shape[0] !== null && b.type.shape[0] !== n) {
    throw new Error(`${what}: matrix of shape ${formatShape(a.type.shape)} and right-hand side of shape ${formatShape(b.type.shape)} do not fit`);
  }
}

/** u v^T for vectors (an outer product) or u · v^T for matrices. */
const outer = (u: Variable, v: Variable) => (u.ndim === 1 ? dot(expandDims(u, [1]), expandDims(v, [0])) : dot(u, transpose(v)));

/**
 * x with A x = b (A^T x = b with trans) for A the lower triangle of `a` (or its upper triangle when
 * not lower); the other triangle is never read. b a vector or a matrix.
 */
export class SolveTriangular implements Op {
  readonly key: string;
  constructor(
    readonly trans: boolean,
    readonly lower = true,
  ) {
    this.key = `SolveTriangular{lower=${lower ? "True" : "False"}, trans=${trans ? 1 : 0}}`;
  }
  toString(): string {
    return `SolveTriangular{trans=${this.trans ? 1 : 0}, unit_diagonal=False, lower=${this.lower ? "True" : "False"}, check_finite=False, b_ndim=?}`;
  }
  makeNode(l: Variable, b: Variable): Apply {
    squareMatrix("SolveTriangular", l);
    rightHandSide("SolveTriangular", l, b);
    return new Apply(this, [l, b], [float(b.type.shape)]);
  }
  grad([l]: Variable[], [x]: Variable[], [gx]: (Variable | null)[]): (Variable | null)[] {
    if (!gx) return [null, null];
    // x = A^-1 b: gb = A^-T gx, gA = -gb x^T; with trans, x = A^-T b: gb = A^-1 gx, gA = -x gb^T;
    // only the triangle that was read gets a gradient.
    const gb = solveTriangular(l, gx, !this.trans, this.lower);
    const ga = neg(this.trans ? outer(x, gb) : outer(gb, x));
    return [this.lower ? tril(ga) : triu(ga), gb];
  }
  emit(ctx: EmitContext): void {
    const lower = this.lower ? "" : ", false";
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("solveTriangular")}(${ctx.ins[0]}, ${ctx.ins[1]}, ${this.trans}, ${ctx.slot()}${lower});`);
  }
}

/** x with A x = b for a general square A (LU with partial pivoting); b a vector or a matrix. */
export class Solve implements Op {
  readonly key: string;
  constructor(readonly bNdim: 1 | 2) {
    this.key = `Solve{assume_a='gen', b_ndim=${bNdim}}`;
  }
  toString(): string {
    return `Solve{assume_a='gen', lower=False, check_finite=False, b_ndim=${this.bNdim}}`;
  }
  makeNode(a: Variable, b: Variable): Apply {
    squareMatrix("Solve", a);
    rightHandSide("Solve", a, b);
    return new Apply(this, [a, b], [float(b.type.shape)]);
  }
  grad([a]: Variable[], [x]: Variable[], [gx]: (Variable | null)[]): (Variable | null)[] {
    if (!gx) return [null, null];
    // gb = A^-T gx, gA = -gb x^T
    const gb = solve(transpose(a), gx);
    return [neg(outer(gb, x)), gb];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("solve")}(${ctx.ins[0]}, ${ctx.ins[1]}, ${ctx.slot()});`);
  }
}

/** The determinant of a square matrix (LU with partial pivoting). */
export class Det implements Op {
  readonly key = "Det";
  toString(): string {
    return "Det";
  }
  makeNode(a: Variable): Apply {
    squareMatrix("Det", a);
    return new Apply(this, [a], [float([])]);
  }
  grad([a]: Variable[], [d]: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    // d det / dA = det · A^-T
    return [gz ? mul(mul(gz, d), transpose(inv(a))) : null];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("det")}(${ctx.ins[0]});`);
  }
}

/** The sign and the log of the absolute value of the determinant (NumPy's slogdet): two outputs. */
export class SLogDet implements Op {
  readonly key = "SLogDet";
  toString(): string {
    return "SLogDet";
  }
  makeNode(a: Variable): Apply {
    squareMatrix("SLogDet", a);
    return new Apply(this, [a], [float([]), float([])]);
  }
  grad([a]: Variable[], _: Variable[], [, gl]: (Variable | null)[]): (Variable | null)[] {
    // The sign is piecewise constant; d log|det| / dA = A^-T
    return [gl ? mul(gl, transpose(inv(a))) : null];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const [${ctx.outs.join(", ")}] = ${ctx.rt("slogdet")}(${ctx.ins[0]});`);
  }
}

/** The inverse of a square matrix (LU with partial pivoting). */
export class MatrixInverse implements Op {
  readonly key = "MatrixInverse";
  toString(): string {
    return "MatrixInverse";
  }
  makeNode(a: Variable): Apply {
    squareMatrix("MatrixInverse", a);
    const n = a.type.shape[0] ?? a.type.shape[1];
    return new Apply(this, [a], [float([n, n])]);
  }
  grad(_: Variable[], [xi]: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    if (!gz) return [null];
    // d inv = -inv dA inv, so gA = -inv^T gz inv^T
    const xit = transpose(xi);
    return [neg(dot(dot(xit, gz), xit))];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("inv")}(${ctx.ins[0]}, ${ctx.slot()});`);
  }
}

/** The lower triangle of a square matrix (NumPy's tril). */
export class Tril implements Op {
  readonly key = "Tril";
  toString(): string {
    return "Tril";
  }
  makeNode(a: Variable): Apply {
    squareMatrix("Tril", a);
    return new Apply(this, [a], [float(a.type.shape)]);
  }
  grad(_: Variable[], __: Variable[], [gz]: (Variable | null)[]): (Variable | null)[] {
    return [gz ? tril(gz) : null];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("tril")}(${ctx.ins[0]}, ${ctx.slot()});`);
  }
}

const CHOLESKY = new Cholesky();
const CHOLESKY_GRAD = new CholeskyGrad();
const SOLVE_TRIANGULAR = [new SolveTriangular(false), new SolveTriangular(true), new SolveTriangular(false, false), new SolveTriangular(true, false)];
const SOLVE = { 1: new Solve(1), 2: new Solve(2) };
const TRIL = new Tril();
const DET = new Det();
const SLOGDET = new SLogDet();
const INV = new MatrixInverse();

export const cholesky = (a: TensorLike): Variable => CHOLESKY.makeNode(asTensor(a)).outputs[0];
export const choleskyGrad = (l: Variable, gl: Variable): Variable => CHOLESKY_GRAD.makeNode(l, gl).outputs[0];
/** Solve A x = b (trans: A^T x = b) for A the lower (or, with lower = false, upper) triangle of a. */
export const solveTriangular = (l: TensorLike, b: TensorLike, trans = false, lower = true): Variable =>
  SOLVE_TRIANGULAR[(trans ? 1 : 0) + (lower ? 0 : 2)].makeNode(asTensor(l), asTensor(b)).outputs[0];
export const tril = (a: TensorLike): Variable => TRIL.makeNode(asTensor(a)).outputs[0];
/** The upper triangle of a square matrix (NumPy's triu), as the transposed lower triangle of a^T. */
export const triu = (a: TensorLike): Variable => transpose(tril(transpose(asTensor(a))));
/** Solve A x = b for a general square A. */
export function solve(a: TensorLike, b: TensorLike): Variable {
  const av = asTensor(a);
  const bv = asTensor(b);
  if (bv.ndim !== 1 && bv.ndim !== 2) {
    squareMatrix("Solve", av);
    throw new Error(`Solve: the right-hand side must be a vector or a matrix, got ${bv.type}`);
  }
  return SOLVE[bv.ndim].makeNode(av, bv).outputs[0];
}
export const det = (a: TensorLike): Variable => DET.makeNode(asTensor(a)).outputs[0];
export const slogdet = (a: TensorLike): [Variable, Variable] => {
  const [sign, logabsdet] = SLOGDET.makeNode(asTensor(a)).outputs;
  return [sign, logabsdet];
};
export const inv = (a: TensorLike): Variable => INV.makeNode(asTensor(a)).outputs[0];
