// Dense linear-algebra kernels for the linalg ops (compiler/ops/linalg.ts): Cholesky factor, its
// reverse-mode rule, triangular solves, the lower triangle, and LU with partial pivoting for the
// general solve, the determinant, its sign and log, and the inverse. Matrices are row-major n×n NDArrays;
// right-hand sides are vectors (n) or matrices (n×k). Outputs go to the op's slot when given.
import type { NDArray } from "./ndarray.js";
import { outBuffer, type Slot } from "./buffers.js";
import { shapeText } from "./ndarray.js";

function square(what: string, a: NDArray): number {
  const n = a.shape[0];
  if (a.shape.length !== 2 || a.shape[1] !== n) throw new Error(`${what}: expected a square matrix, got shape ${shapeText(a.shape)}`);
  return n;
}

/** Lower Cholesky factor; NaN everywhere when the matrix is not positive definite (PyTensor's on_error="nan"). */
export function choleskyLower(a: NDArray, slot?: Slot): NDArray {
  const n = square("Cholesky", a);
  const out = outBuffer(slot, [n, n]);
  const l = out.data;
  const ad = a.data;
  l.fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = ad[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) {
          l.fill(NaN);
          return out;
        }
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  return out;
}

/**
 * Gradient of a Cholesky factor (Murray 2016): given L and dL, dA = sym(L^-T Φ(L^T dL) L^-1) with
 * Φ the lower triangle with its diagonal halved, symmetrised as (S + S^T)/2.
 */
export function choleskyGrad(l: NDArray, gl: NDArray, slot?: Slot): NDArray {
  const n = square("CholeskyGrad", l);
  const L = l.data;
  const G = gl.data;
  const p = new Float64Array(n * n);
  // P = Φ(L^T G)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += L[k * n + i] * G[k * n + j];
      p[i * n + j] = i === j ? s / 2 : s;
    }
  }
  // S = L^-T P L^-1: first X = L^-T P (solve L^T X = P, column by column), then S = X L^-1 (solve S L = X by rows)
  const x = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = n - 1; i >= 0; i--) {
      let s = p[i * n + c];
      for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k * n + c];
      x[i * n + c] = s / L[i * n + i];
    }
  }
  const out = outBuffer(slot, [n, n]);
  const o = out.data;
  for (let r = 0; r < n; r++) {
    for (let j = n - 1; j >= 0; j--) {
      let s = x[r * n + j];
      for (let k = j + 1; k < n; k++) s -= o[r * n + k] * L[k * n + j];
      o[r * n + j] = s / L[j * n + j];
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = (o[i * n + j] + o[j * n + i]) / 2;
      o[i * n + j] = v;
      o[j * n + i] = v;
    }
  }
  return out;
}

/**
 * x with A x = b for a triangular A: the lower triangle of `a` (lower = true) or its upper triangle
 * (lower = false), transposed first with trans; b a vector or a matrix.
 */
export function solveTriangular(a: NDArray, b: NDArray, trans: boolean, slot?: Slot, lower = true): NDArray {
  const n = square("SolveTriangular", a);
  if (b.shape[0] !== n) throw new Error(`SolveTriangular: matrix of shape ${shapeText(a.shape)} and right-hand side of shape ${shapeText(b.shape)} do not fit`);
  const k = b.shape.length === 2 ? b.shape[1] : 1;
  const out = outBuffer(slot, b.shape.slice());
  const A = a.data;
  const B = b.data;
  const X = out.data;
  // The effective matrix M = trans ? A^T : A, read as M[i, j] = A[i*ri + j*rj].
  const ri = trans ? 1 : n;
  const rj = trans ? n : 1;
  const forward = lower !== trans;
  for (let c = 0; c < k; c++) {
    if (forward) {
      for (let i = 0; i < n; i++) {
        let s = B[i * k + c];
        for (let j = 0; j < i; j++) s -= A[i * ri + j * rj] * X[j * k + c];
        X[i * k + c] = s / A[i * (n + 1)];
      }
    } else {
      for (let i = n - 1; i >= 0; i--) {
        let s = B[i * k + c];
        for (let j = i + 1; j < n; j++) s -= A[i * ri + j * rj] * X[j * k + c];
        X[i * k + c] = s / A[i * (n + 1)];
      }
    }
  }
  return out;
}

/** The lower triangle (diagonal included) of a square matrix, zeros above. */
export function tril(a: NDArray, slot?: Slot): NDArray {
  const n = square("Tril", a);
  const out = outBuffer(slot, [n, n]);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = j <= i ? a.data[i * n + j] : 0;
  return out;
}

function matrix2d(what: string, a: NDArray): number {
  if (a.shape.length !== 2) throw new Error(`${what}: expected a matrix (2-d), got an array of shape ${shapeText(a.shape)}`);
  return square(what, a);
}

/**
 * LU factorisation with partial pivoting of a square matrix (Doolittle, in a copy): P A = L U with
 * L unit lower and U upper packed in `lu`, the row order in `perm` and the permutation's sign. An
 * exactly singular matrix gets a zero pivot (solves then give inf or NaN, det 0, as LAPACK's getrf).
 */
function luFactor(what: string, a: NDArray): { n: number; lu: Float64Array; perm: Int32Array; sign: number } {
  const n = matrix2d(what, a);
  const lu = Float64Array.from(a.data);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let sign = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    let big = Math.abs(lu[c * n + c]);
    for (let r = c + 1; r < n; r++) {
      const v = Math.abs(lu[r * n + c]);
      if (v > big) {
        big = v;
        p = r;
      }
    }
    if (p !== c) {
      for (let j = 0; j < n; j++) {
        const t = lu[c * n + j];
        lu[c * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = perm[c];
      perm[c] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const d = lu[c * n + c];
    if (d === 0) continue;
    for (let r = c + 1; r < n; r++) {
      const f = (lu[r * n + c] /= d);
      if (f !== 0) for (let j = c + 1; j < n; j++) lu[r * n + j] -= f * lu[c * n + j];
    }
  }
  return { n, lu, perm, sign };
}

/** Solve (L U) x = P b in place of the k columns of x (x holds P b on entry). */
function luSolveInPlace(n: number, lu: Float64Array, x: Float64Array, k: number): void {
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * k + c];
      for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j * k + c];
      x[i * k + c] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * k + c];
      for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j * k + c];
      x[i * k + c] = s / lu[i * n + i];
    }
  }
}

/** x with A x = b for a general square A (LU with partial pivoting); b a vector or a matrix. */
export function solve(a: NDArray, b: NDArray, slot?: Slot): NDArray {
  const { n, lu, perm } = luFactor("Solve", a);
  if ((b.shape.length !== 1 && b.shape.length !== 2) || b.shape[0] !== n) {
    throw new Error(`Solve: matrix of shape ${shapeText(a.shape)} and right-hand side of shape ${shapeText(b.shape)} do not fit`);
  }
  const k = b.shape.length === 2 ? b.shape[1] : 1;
  const out = outBuffer(slot, b.shape.slice());
  const X = out.data;
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) X[i * k + c] = b.data[perm[i] * k + c];
  luSolveInPlace(n, lu, X, k);
  return out;
}

/** The determinant (the product of the LU pivots with the permutation's sign). */
export function det(a: NDArray): number {
  const { n, lu, sign } = luFactor("Det", a);
  let d = sign;
  for (let i = 0; i < n; i++) d *= lu[i * (n + 1)];
  return d;
}

/** [sign, log|det|] of a square matrix ([0, -inf] when it is singular), as NumPy's slogdet. */
export function slogdet(a: NDArray): [number, number] {
  const { n, lu, sign } = luFactor("SLogDet", a);
  let s = sign;
  let l = 0;
  for (let i = 0; i < n; i++) {
    const d = lu[i * (n + 1)];
    if (d === 0) return [0, -Infinity];
    if (d < 0) s = -s;
    l += Math.log(Math.abs(d));
  }
  return [s, l];
}

/** The inverse of a square matrix (LU with partial pivoting, solved against the identity). */
export function inv(a: NDArray, slot?: Slot): NDArray {
  const { n, lu, perm } = luFactor("MatrixInverse", a);
  const out = outBuffer(slot, [n, n]);
  const X = out.data;
  for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) X[i * n + c] = perm[i] === c ? 1 : 0;
  luSolveInPlace(n, lu, X, n);
  return out;
}
