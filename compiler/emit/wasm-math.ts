// Lane-wise f64x2 exp, log1p and log as WebAssembly functions (v128) -> v128, built with the
// encoder of wasm-binary.ts. WebAssembly has no transcendental instructions; these follow the
// fdlibm/musl algorithms in branch-free form (both lanes run every step, special cases are
// selected at the end with bitselect masks):
//   exp:   Cody–Waite reduction x = n ln2 + r, |r| <= ln2/2, a degree-13 Taylor polynomial, and
//          the scale 2^n applied as two factors 2^(n/2) so that overflow and gradual underflow
//          round once, at the last multiplication.
//   log:   x = 2^k (1+f) with 1+f in [sqrt2/2, sqrt2), log(1+f) = f - hfsq + s (hfsq + R(s^2))
//          where s = f/(2+f), hfsq = f^2/2 and R the 2 atanh series (the small terms are added
//          first, the exact f and k ln2_hi last).
//   log1p: the same on u = 1+x, plus the rounding error of 1+x (exact by Fast2Sum) divided by u.
// Accuracy is measured in test/wasm-math.test.ts against Math.exp / Math.log1p / Math.log.
import { op, type Code, type ModuleBuilder, type ValType } from "./wasm-binary.js";

const seq = (...parts: Code[]): Code => parts.flat();
const get = op.localGet,
  set = op.localSet;
/** A v128 constant with both f64 lanes c. */
const K = (c: number): Code => op.v128ConstF64(c, c);
/** A v128 constant with both i64 lanes c. */
const KI = (c: bigint): Code => op.v128ConstI64(c, c);
const { f64x2Add: add, f64x2Sub: sub, f64x2Mul: mul, f64x2Div: div } = op;
/** Horner: pushes c[0] + v (c[1] + v (c[2] + ...)), v a local. */
function horner(v: number, c: number[]): Code {
  const out = K(c[c.length - 1]);
  for (let i = c.length - 2; i >= 0; i--) out.push(...get(v), ...mul(), ...K(c[i]), ...add());
  return out;
}
/** Stack (a, b, mask) -> lane-wise mask ? a : b. */
const select = op.v128Bitselect;

// fdlibm's split of ln2: LN2_HI has 32 significant bits, so k * LN2_HI is exact for |k| < 2^21.
const LN2_HI = 6.9314718036912381649e-1,
  LN2_LO = 1.90821492927058770002e-10;
const BITS_2P52 = 0x4330000000000000n; // bits of 2^52: OR-ing a small integer i into them gives 2^52 + i

const memo = new WeakMap<ModuleBuilder, Map<string, number>>();
function once(mb: ModuleBuilder, key: string, locals: ValType[], body: () => Code): number {
  let fns = memo.get(mb);
  if (!fns) memo.set(mb, (fns = new Map()));
  let index = fns.get(key);
  if (index === undefined) {
    index = mb.func(null, ["v128"], ["v128"], locals, body());
    fns.set(key, index);
  }
  return index;
}

/** exp(x) lane-wise. Overflow gives +inf (x > 709.78), underflow is gradual down to 0, NaN stays NaN. */
export function expF64x2(mb: ModuleBuilder): number {
  const X = 0,
    T = 1,
    N = 2,
    R = 3,
    P = 4;
  // 1/k! for k = 2..13: exp(r) = 1 + (r + r^2 Q(r)); the next term, r^14/14!, is < 2^-57 relative
  const Q: number[] = [];
  for (let k = 2, f = 2; k <= 13; k++, f *= k) Q.push(1 / f);
  // 2^v for an integer-valued v in [-1022, 1023]: v + 1023 shifted into the exponent field
  const pow2 = (v: Code): Code => seq(v, K(2 ** 52 + 1023), add(), op.i32Const(52), op.i64x2Shl());
  return once(mb, "exp", ["v128", "v128", "v128", "v128"], () =>
    seq(
      // clamp: beyond [-746, 710] the result is 0 or +inf anyway; min/max keep NaN
      get(X),
      K(-746),
      op.f64x2Max(),
      K(710),
      op.f64x2Min(),
      set(T),
      get(T),
      K(1 / Math.LN2),
      mul(),
      op.f64x2Nearest(),
      set(N),
      // r = t - n ln2, in two steps: t - n LN2_HI is exact
      get(T),
      get(N),
      K(LN2_HI),
      mul(),
      sub(),
      get(N),
      K(LN2_LO),
      mul(),
      sub(),
      set(R),
      K(1),
      get(R),
      get(R),
      get(R),
      mul(),
      horner(R, Q),
      mul(),
      add(),
      add(),
      set(P),
      // p 2^n = (p 2^h) 2^(n-h), h = floor(n/2): both factors are normal numbers for n in [-1077, 1025]
      get(N),
      K(0.5),
      mul(),
      op.f64x2Floor(),
      set(T),
      get(P),
      pow2(get(T)),
      mul(),
      pow2(seq(get(N), get(T), sub())),
      mul(),
    ),
  );
}

/**
 * Code leaving log(u) + c on the stack, for u in local U (a positive normal number in each lane
 * that matters) and c a small correction (a local, or null for none). k0 (code) is added to the
 * exponent k (the log of subnormals scales them by 2^54 first). Uses locals from L on: 6 v128.
 */
function logCore(U: number, C: number | null, k0: Code | null, L: number): Code {
  const HX = L,
    KK = L + 1,
    F = L + 2,
    S = L + 3,
    Z = L + 4,
    H = L + 5;
  // 2/3, 2/5, ..., 2/21: R(z) = z (2/3 + z (2/5 + ...)) = (2 atanh(s) - 2s)/s; next term < 2^-59 relative
  const series = Array.from({ length: 10 }, (_, j) => 2 / (2 * j + 3));
  return seq(
    // musl's split: adding 0x3ff00000 - 0x3fe6a09e (high words of 1 and of sqrt2/2) to the high
    // word carries into the exponent exactly when the significand is >= sqrt2, so the exponent
    // field is then k + 1023; the low 52 bits plus sqrt2/2's high word are 1+f in [sqrt2/2, sqrt2)
    get(U),
    KI(0x3ff0000000000000n - 0x3fe6a09e00000000n),
    op.i64x2Add(),
    set(HX),
    get(HX),
    op.i32Const(52),
    op.i64x2ShrU(),
    KI(BITS_2P52),
    op.v128Or(),
    K(2 ** 52 + 1023),
    sub(),
    k0 ?? [],
    k0 ? add() : [],
    set(KK),
    get(HX),
    KI(0x000fffffffffffffn),
    op.v128And(),
    KI(0x3fe6a09e00000000n),
    op.i64x2Add(),
    K(1),
    sub(),
    set(F),
    get(F),
    K(2),
    get(F),
    add(),
    div(),
    set(S),
    get(S),
    get(S),
    mul(),
    set(Z),
    K(0.5),
    get(F),
    mul(),
    get(F),
    mul(),
    set(H),
    // k LN2_HI - ((hfsq - (s (hfsq + R) + (k LN2_LO + c))) - f)
    get(KK),
    K(LN2_HI),
    mul(),
    get(H),
    get(S),
    get(H),
    horner(Z, series),
    get(Z),
    mul(),
    add(),
    mul(),
    get(KK),
    K(LN2_LO),
    mul(),
    C === null ? [] : seq(get(C), add()),
    add(),
    sub(),
    get(F),
    sub(),
    sub(),
  );
}

/** Stack (r) -> mask ? value : r, lane-wise; RES is a scratch v128 local. */
const where = (RES: number, mask: Code, value: Code): Code => seq(set(RES), value, get(RES), mask, select());

/** log1p(x) lane-wise: -1 -> -inf, < -1 -> NaN, +inf -> +inf, tiny x -> x (sign of zero kept). */
export function log1pF64x2(mb: ModuleBuilder): number {
  const X = 0,
    U = 1,
    C = 2,
    RES = 9;
  return once(mb, "log1p", Array<ValType>(9).fill("v128"), () =>
    seq(
      K(1),
      get(X),
      add(),
      set(U),
      // c = (rounding error of 1 + x) / u, exact by Fast2Sum (the larger of 1 and x first)
      K(1),
      get(U),
      get(X),
      sub(),
      sub(),
      get(X),
      get(U),
      K(1),
      sub(),
      sub(),
      get(X),
      K(1),
      op.f64x2Gt(),
      select(),
      get(U),
      div(),
      set(C),
      logCore(U, C, null, 3),
      // |x| < 2^-54 (log1p(x) rounds to x), NaN and +inf: x itself
      where(
        RES,
        seq(get(X), op.f64x2Abs(), K(2 ** -54), op.f64x2Lt(), get(X), get(X), op.f64x2Ne(), op.v128Or(), get(X), K(Infinity), op.f64x2Eq(), op.v128Or()),
        get(X),
      ),
      where(RES, seq(get(X), K(-1), op.f64x2Eq()), K(-Infinity)),
      where(RES, seq(get(X), K(-1), op.f64x2Lt()), K(NaN)),
    ),
  );
}

/** log(x) lane-wise: ±0 -> -inf, x < 0 -> NaN, +inf -> +inf, NaN -> NaN, subnormals scaled by 2^54 first. */
export function logF64x2(mb: ModuleBuilder): number {
  const X = 0,
    U = 1,
    SUB = 2,
    RES = 9;
  return once(mb, "log", Array<ValType>(9).fill("v128"), () =>
    seq(
      get(X),
      K(2 ** -1022),
      op.f64x2Lt(),
      set(SUB),
      get(X),
      K(2 ** 54),
      mul(),
      get(X),
      get(SUB),
      select(),
      set(U),
      logCore(U, null, seq(get(SUB), K(-54), op.v128And()), 3),
      where(RES, seq(get(X), get(X), op.f64x2Ne(), get(X), K(Infinity), op.f64x2Eq(), op.v128Or()), get(X)),
      where(RES, seq(get(X), K(0), op.f64x2Eq()), K(-Infinity)),
      where(RES, seq(get(X), K(0), op.f64x2Lt()), K(NaN)),
    ),
  );
}
