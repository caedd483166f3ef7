// Dense linear-algebra kernels for the linalg ops (compiler/ops/linalg.ts): Cholesky factor, its
// reverse-mode rule, triangular solves and the lower triangle. Matrices are row-major n×n NDArrays;
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

/** x with L x = b (lower, trans = false) or L^T x = b (trans = true); b a vector or a matrix. */
export function solveTriangular(l: NDArray, b: NDArray, trans: boolean, slot?: Slot): NDArray {
  const n = square("SolveTriangular", l);
  if (b.shape[0] !== n) throw new Error(`SolveTriangular: matrix of shape ${shapeText(l.shape)} and right-hand side of shape ${shapeText(b.shape)} do not fit`);
  const k = b.shape.length === 2 ? b.shape[1] : 1;
  const out = outBuffer(slot, b.shape.slice());
  const L = l.data;
  const B = b.data;
  const X = out.data;
  for (let c = 0; c < k; c++) {
    if (!trans) {
      for (let i = 0; i < n; i++) {
        let s = B[i * k + c];
        for (let j = 0; j < i; j++) s -= L[i * n + j] * X[j * k + c];
        X[i * k + c] = s / L[i * n + i];
      }
    } else {
      for (let i = n - 1; i >= 0; i--) {
        let s = B[i * k + c];
        for (let j = i + 1; j < n; j++) s -= L[j * n + i] * X[j * k + c];
        X[i * k + c] = s / L[i * n + i];
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
