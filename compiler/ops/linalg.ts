// Linear algebra for the multivariate families: Cholesky (lower), its gradient, triangular solves
// and the lower triangle. Each op's shape rule, gradient rule and emit template side by side; the
// kernels are in runtime/linalg.ts. Matrices are 2-d (no batch dimensions).
import { Apply, type Variable, type EmitContext, type Op } from "../graph/basic.js";
import { TensorType, formatShape } from "../graph/type.js";
import { asTensor, type TensorLike } from "./constant.js";
import { expandDims, transpose } from "./dimshuffle.js";
import { neg, mul } from "./elemwise.js";
import { dot } from "./blas.js";

function squareMatrix(what: string, a: Variable): void {
  if (a.ndim !== 2) throw new Error(`${what}: expected a matrix, got ${a.type}`);
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

/** x with L x = b (or L^T x = b with trans), L lower triangular; b a vector or a matrix. */
export class SolveTriangular implements Op {
  readonly key: string;
  constructor(readonly trans: boolean) {
    this.key = `SolveTriangular{lower=True, trans=${trans ? 1 : 0}}`;
  }
  toString(): string {
    return `SolveTriangular{trans=${this.trans ? 1 : 0}, unit_diagonal=False, lower=True, check_finite=False, b_ndim=?}`;
  }
  makeNode(l: Variable, b: Variable): Apply {
    squareMatrix("SolveTriangular", l);
    if (b.ndim !== 1 && b.ndim !== 2) throw new Error(`SolveTriangular: the right-hand side must be a vector or a matrix, got ${b.type}`);
    const n = l.type.shape[0];
    if (n !== null && b.type.shape[0] !== null && b.type.shape[0] !== n) {
      throw new Error(`SolveTriangular: matrix of shape ${formatShape(l.type.shape)} and right-hand side of shape ${formatShape(b.type.shape)} do not fit`);
    }
    return new Apply(this, [l, b], [float(b.type.shape)]);
  }
  grad([l, b]: Variable[], [x]: Variable[], [gx]: (Variable | null)[]): (Variable | null)[] {
    if (!gx) return [null, null];
    // x = L^-1 b: gb = L^-T gx, gL = -tril(gb x^T); with trans, x = L^-T b: gb = L^-1 gx, gL = -tril(x gb^T)
    const gb = solveTriangular(l, gx, !this.trans);
    const outer = (u: Variable, v: Variable) => (u.ndim === 1 ? dot(expandDims(u, [1]), expandDims(v, [0])) : dot(u, transpose(v)));
    const gl = neg(tril(this.trans ? outer(x, gb) : outer(gb, x)));
    return [gl, gb];
  }
  emit(ctx: EmitContext): void {
    ctx.line(`const ${ctx.outs[0]} = ${ctx.rt("solveTriangular")}(${ctx.ins[0]}, ${ctx.ins[1]}, ${this.trans}, ${ctx.slot()});`);
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
const SOLVE = [new SolveTriangular(false), new SolveTriangular(true)];
const TRIL = new Tril();

export const cholesky = (a: TensorLike): Variable => CHOLESKY.makeNode(asTensor(a)).outputs[0];
export const choleskyGrad = (l: Variable, gl: Variable): Variable => CHOLESKY_GRAD.makeNode(l, gl).outputs[0];
/** Solve L x = b (trans: L^T x = b) for lower-triangular L. */
export const solveTriangular = (l: TensorLike, b: TensorLike, trans = false): Variable => SOLVE[trans ? 1 : 0].makeNode(asTensor(l), asTensor(b)).outputs[0];
export const tril = (a: TensorLike): Variable => TRIL.makeNode(asTensor(a)).outputs[0];
void mul;
