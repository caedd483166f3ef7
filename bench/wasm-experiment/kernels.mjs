// Issue 7 experiment: the hot loops of linreg and logistic as WebAssembly, written as WAT text
// and assembled at load time with the `wabt` package (parseWat / toBinary). Not part of the
// compiler or of `npm test`; see README.md in this folder.
//
// Each factory follows the harness contract (../harness.mjs header):
// `id(data) -> { size, logp(x), logpGrad(x, grad) }`. The data are copied once into the
// instance's memory at factory time; per call the JS wrapper writes the parameters the loop
// needs into memory, calls the kernel, and reads the sums back. The O(K) prologue/epilogue
// (priors, exp(-2t), ...) stays in JS, written exactly as in handwritten.mjs; the O(N*K)
// loop is the wasm kernel. The WAT is generated per K with the inner K loop unrolled (what a
// compiler backend would emit for a model of known shape).
//
// Variants:
//   scalar  f64 only, one row per iteration, same operation order as handwritten.mjs.
//   simd    f64x2, two rows per iteration: at factory time the data are laid out in pairs of
//           rows, column-interleaved ([X[2p][0], X[2p+1][0], X[2p][1], X[2p+1][1], ...]), so
//           one v128.load gives column k of both rows; y is already pairwise contiguous. An odd
//           last row runs through the scalar body.
//   import  (logistic only) scalar, with exp and log1p imported from JS (Math.exp, Math.log1p)
//           instead of the inline WAT polynomials.
// exp and log1p in WAT (logistic): exp(-a), a >= 0, by Cody-Waite reduction to |r| <= ln2/2
// and a degree-12 Taylor polynomial, scaled by 2^n built from the exponent bits; log1p(e) for
// e in (0, 1] as 2*atanh(s) with s = e/(2+e) (e <= sqrt2-1) or ln2 + 2*atanh((e-1)/(e+3)),
// |s| <= 0.1716, odd series to s^19. Both are accurate to a few ulp on these ranges.
import wabtInit from "wabt";

const wabt = await wabtInit();
const LOG_2PI_HALF = 0.5 * Math.log(2 * Math.PI);
const LOG_SQRT_2_OVER_PI = 0.5 * Math.log(2 / Math.PI);
const LOG10 = Math.log(10);

const cache = new Map();
function compile(key, wat) {
  let mod = cache.get(key);
  if (!mod) {
    const parsed = wabt.parseWat(`${key}.wat`, wat, { simd: true });
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    parsed.destroy();
    mod = new WebAssembly.Module(buffer);
    cache.set(key, mod);
  }
  return mod;
}
const PAGE = 65536;
function instance(mod, bytes, imports = {}) {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
  const inst = new WebAssembly.Instance(mod, { env: { memory, ...imports } });
  return { memory, ex: inst.exports };
}
const range = (n) => Array.from({ length: n }, (_, i) => i);
const lit = (v) => (Object.is(v, -0) ? "-0x0p+0" : v.toString()); // JS prints f64 round-trippably

// Memory: [0, 256) parameters in / sums out; data from DATA (16-aligned).
const DATA = 256;

// ---------------------------------------------------------------- linreg
// in:  alpha at 0, beta[k] at 8(1+k).   out: ss at 128, sr at 136, gb[k] at 144+8k.
function linregWat(K, simd, grad) {
  const L = [];
  const loc = (n, t = "f64") => L.push(`(local $${n} ${t})`);
  loc("a");
  for (const k of range(K)) loc(`b${k}`);
  loc("ss");
  if (grad) {
    loc("sr");
    for (const k of range(K)) loc(`g${k}`);
  }
  loc("m");
  loc("r");
  for (const k of range(K)) loc(`x${k}`);
  loc("px", "i32");
  loc("py", "i32");
  loc("pend", "i32");
  const scalarRow = [
    // one row at $px (K values) and $py (y): the handwritten.mjs order
    ...range(K).map((k) => `(local.set $x${k} (f64.load offset=${8 * k} (local.get $px)))`),
    `(local.set $m ${range(K).reduce((acc, k) => `(f64.add ${acc} (f64.mul (local.get $x${k}) (local.get $b${k})))`, "(local.get $a)")})`,
    `(local.set $r (f64.sub (f64.load (local.get $py)) (local.get $m)))`,
    `(local.set $ss (f64.add (local.get $ss) (f64.mul (local.get $r) (local.get $r))))`,
    ...(grad
      ? [
          `(local.set $sr (f64.add (local.get $sr) (local.get $r)))`,
          ...range(K).map((k) => `(local.set $g${k} (f64.add (local.get $g${k}) (f64.mul (local.get $r) (local.get $x${k}))))`),
        ]
      : []),
  ];
  const body = [];
  body.push(`(local.set $a (f64.load (i32.const 0)))`);
  for (const k of range(K)) body.push(`(local.set $b${k} (f64.load (i32.const ${8 * (1 + k)})))`);
  if (!simd) {
    // X row-major at $xo, y at $yo; n rows
    body.push(
      `(local.set $px (local.get $xo)) (local.set $py (local.get $yo))`,
      `(local.set $pend (i32.add (local.get $yo) (i32.shl (local.get $n) (i32.const 3))))`,
      `(block $done (br_if $done (i32.ge_u (local.get $py) (local.get $pend)))`,
      `(loop $rows`,
      ...scalarRow,
      `(local.set $px (i32.add (local.get $px) (i32.const ${8 * K})))`,
      `(local.set $py (i32.add (local.get $py) (i32.const 8)))`,
      `(br_if $rows (i32.lt_u (local.get $py) (local.get $pend)))))`,
    );
  } else {
    const V = [];
    const vloc = (n) => V.push(`(local $${n} v128)`);
    vloc("va");
    for (const k of range(K)) vloc(`vb${k}`);
    vloc("vss");
    if (grad) {
      vloc("vsr");
      for (const k of range(K)) vloc(`vg${k}`);
    }
    vloc("vm");
    vloc("vr");
    for (const k of range(K)) vloc(`vx${k}`);
    L.push(...V);
    body.push(`(local.set $va (f64x2.splat (local.get $a)))`);
    for (const k of range(K)) body.push(`(local.set $vb${k} (f64x2.splat (local.get $b${k})))`);
    // pairs: X pair-interleaved at $xo (2K values per pair), y at $yo; $n pairs
    body.push(
      `(local.set $px (local.get $xo)) (local.set $py (local.get $yo))`,
      `(local.set $pend (i32.add (local.get $yo) (i32.shl (local.get $n) (i32.const 4))))`,
      `(block $done (br_if $done (i32.ge_u (local.get $py) (local.get $pend)))`,
      `(loop $rows`,
      ...range(K).map((k) => `(local.set $vx${k} (v128.load offset=${16 * k} (local.get $px)))`),
      `(local.set $vm ${range(K).reduce((acc, k) => `(f64x2.add ${acc} (f64x2.mul (local.get $vx${k}) (local.get $vb${k})))`, "(local.get $va)")})`,
      `(local.set $vr (f64x2.sub (v128.load (local.get $py)) (local.get $vm)))`,
      `(local.set $vss (f64x2.add (local.get $vss) (f64x2.mul (local.get $vr) (local.get $vr))))`,
      ...(grad
        ? [
            `(local.set $vsr (f64x2.add (local.get $vsr) (local.get $vr)))`,
            ...range(K).map((k) => `(local.set $vg${k} (f64x2.add (local.get $vg${k}) (f64x2.mul (local.get $vr) (local.get $vx${k}))))`),
          ]
        : []),
      `(local.set $px (i32.add (local.get $px) (i32.const ${16 * K})))`,
      `(local.set $py (i32.add (local.get $py) (i32.const 16)))`,
      `(br_if $rows (i32.lt_u (local.get $py) (local.get $pend)))))`,
    );
    const hsum = (v, s) => `(local.set $${s} (f64.add (f64x2.extract_lane 0 (local.get $${v})) (f64x2.extract_lane 1 (local.get $${v}))))`;
    body.push(hsum("vss", "ss"));
    if (grad) {
      body.push(hsum("vsr", "sr"));
      for (const k of range(K)) body.push(hsum(`vg${k}`, `g${k}`));
    }
    // odd last row: row-major at $to (K values, then y)
    body.push(`(if (local.get $odd) (then (local.set $px (local.get $to)) (local.set $py (i32.add (local.get $to) (i32.const ${8 * K})))`, ...scalarRow, `))`);
  }
  body.push(`(f64.store (i32.const 128) (local.get $ss))`);
  if (grad) {
    body.push(`(f64.store (i32.const 136) (local.get $sr))`);
    for (const k of range(K)) body.push(`(f64.store (i32.const ${144 + 8 * k}) (local.get $g${k}))`);
  }
  const params = simd ? "(param $xo i32) (param $yo i32) (param $n i32) (param $to i32) (param $odd i32)" : "(param $xo i32) (param $yo i32) (param $n i32)";
  return `(func (export "${grad ? "grad" : "logp"}") ${params}\n  ${L.join(" ")}\n  ${body.join("\n  ")})`;
}

function linregFactory(variant) {
  return function linreg({ N, K, X, y }) {
    if (K > 13) throw new Error("K too large for the parameter block");
    const simd = variant === "simd";
    const mod = compile(`linreg_${variant}_${K}`, `(module (import "env" "memory" (memory 1))\n${linregWat(K, simd, true)}\n${linregWat(K, simd, false)})`);
    const P = simd ? N >> 1 : 0,
      odd = simd ? N & 1 : 0;
    const xo = DATA,
      yo = xo + 8 * N * K,
      to = yo + 8 * N; // `to`: odd last row (simd)
    const { memory, ex } = instance(mod, to + 8 * (K + 1));
    const mem = new Float64Array(memory.buffer);
    if (!simd) {
      mem.set(X.flat(), xo / 8);
    } else {
      for (let p = 0; p < P; p++)
        for (let k = 0; k < K; k++) {
          mem[xo / 8 + p * 2 * K + 2 * k] = X[2 * p][k];
          mem[xo / 8 + p * 2 * K + 2 * k + 1] = X[2 * p + 1][k];
        }
      if (odd) {
        mem.set(X[N - 1], to / 8);
        mem[to / 8 + K] = y[N - 1];
      }
    }
    mem.set(y, yo / 8);
    const call = simd ? (f) => f(xo, yo, nArg, to, odd) : (f) => f(xo, yo, nArg);
    const gradK = ex.grad,
      logpK = ex.logp,
      size = K + 2;
    const nArg = simd ? P : N;
    function run(x, g) {
      const alpha = x[0],
        t = x[1 + K],
        inv2 = Math.exp(-2 * t);
      mem[0] = alpha;
      for (let k = 0; k < K; k++) mem[1 + k] = x[1 + k];
      call(g ? gradK : logpK);
      const ss = mem[16];
      // as handwritten.mjs: normal(alpha, 0, 0.1, log 10) + halfNormalLog(t, 1) - N (t + ...) - ss/2 inv2
      const za = alpha * 0.1,
        s1 = Math.exp(t);
      let lp = -0.5 * za * za - LOG10 - LOG_2PI_HALF + (LOG_SQRT_2_OVER_PI - Math.log(1) - 0.5 * s1 * s1 + t) - N * (t + LOG_2PI_HALF) - 0.5 * ss * inv2;
      for (let k = 0; k < K; k++) {
        const z = x[1 + k] * 0.1;
        lp += -0.5 * z * z - LOG10 - LOG_2PI_HALF;
      }
      if (g) {
        g[0] = -alpha / 100 + mem[17] * inv2;
        for (let k = 0; k < K; k++) g[1 + k] = -x[1 + k] / 100 + mem[18 + k] * inv2;
        g[1 + K] = 1 - s1 * s1 - N + ss * inv2;
      }
      return lp;
    }
    return { size, logp: (x) => run(x, null), logpGrad: run };
  };
}

// ---------------------------------------------------------------- logistic
// in: beta[k] at 8k.   out: lp (data part) at 128, gb[k] at 136+8k.
const INV_LN2 = 1 / Math.LN2,
  LN2_HI = 6.9314718036912381649e-1,
  LN2_LO = 1.90821492927058770002e-10;
// exp(-a) for a >= 0 (clamped at 708), scalar (f64) or vector (f64x2): WAT expression text.
function expNeg(a, v) {
  const T = v ? "f64x2" : "f64";
  const c = (x) => (v ? `(f64x2.splat (f64.const ${lit(x)}))` : `(f64.const ${lit(x)})`);
  // t = -min(a, 708); n = nearest(t/ln2); r = t - n ln2_hi - n ln2_lo
  const t = `(${T}.neg (${T}.min ${a} ${c(708)}))`;
  const coeffs = range(13).map((k) => 1 / range(k).reduce((f, j) => f * (j + 1), 1)); // 1/k!
  return {
    pre: [
      `(local.set $et ${t})`,
      `(local.set $en (${T}.nearest (${T}.mul (local.get $et) ${c(INV_LN2)})))`,
      `(local.set $er (${T}.sub (${T}.sub (local.get $et) (${T}.mul (local.get $en) ${c(LN2_HI)})) (${T}.mul (local.get $en) ${c(LN2_LO)})))`,
      `(local.set $ep ${coeffs.slice(0, -1).reduceRight((acc, ck) => `(${T}.add ${c(ck)} (${T}.mul (local.get $er) ${acc}))`, c(coeffs[12]))})`,
      // 2^n: bits of (n + 1023 + 2^52) have n+1023 in the low mantissa bits; shift them into the exponent
      v
        ? `(local.set $ep (f64x2.mul (local.get $ep) (i64x2.shl (f64x2.add (local.get $en) ${c(1023 + 2 ** 52)}) (i32.const 52))))`
        : `(local.set $ep (f64.mul (local.get $ep) (f64.reinterpret_i64 (i64.shl (i64.reinterpret_f64 (f64.add (local.get $en) ${c(1023 + 2 ** 52)})) (i64.const 52)))))`,
    ],
    value: `(local.get $ep)`,
  };
}
// log1p(e) for e in (0, 1]
function log1pUnit(e, v) {
  const T = v ? "f64x2" : "f64";
  const c = (x) => (v ? `(f64x2.splat (f64.const ${lit(x)}))` : `(f64.const ${lit(x)})`);
  const small = v ? `(f64x2.le ${e} ${c(Math.SQRT2 - 1)})` : `(f64.le ${e} ${c(Math.SQRT2 - 1)})`;
  const sel = (p, q) => (v ? `(v128.bitselect ${p} ${q} (local.get $lm))` : `(select ${p} ${q} (local.get $lm))`);
  const poly = range(10).map((j) => 1 / (2 * j + 1)); // 1 + z/3 + ... + z^9/19
  return {
    pre: [
      `(local.set $lm ${small})`,
      `(local.set $ls ${sel(`(${T}.div ${e} (${T}.add ${c(2)} ${e}))`, `(${T}.div (${T}.sub ${e} ${c(1)}) (${T}.add ${e} ${c(3)}))`)})`,
      `(local.set $lz (${T}.mul (local.get $ls) (local.get $ls)))`,
      `(local.set $lq ${poly.slice(0, -1).reduceRight((acc, ck) => `(${T}.add ${c(ck)} (${T}.mul (local.get $lz) ${acc}))`, c(poly[9]))})`,
    ],
    value: `(${T}.add ${sel(c(0), c(Math.LN2))} (${T}.mul (${T}.add (local.get $ls) (local.get $ls)) (local.get $lq)))`,
  };
}

function logisticWat(K, variant, grad) {
  const simd = variant === "simd",
    imp = variant === "import";
  const L = [];
  const loc = (n, t = "f64") => L.push(`(local $${n} ${t})`);
  for (const k of range(K)) loc(`b${k}`);
  loc("lp");
  if (grad) for (const k of range(K)) loc(`g${k}`);
  loc("eta");
  loc("e");
  loc("d");
  loc("yy");
  for (const k of range(K)) loc(`x${k}`);
  for (const n of ["et", "en", "er", "ep", "ls", "lz", "lq"]) loc(n);
  loc("lm", "i32");
  loc("px", "i32");
  loc("py", "i32");
  loc("pend", "i32");
  const scalarRow = () => {
    const s = [];
    for (const k of range(K)) s.push(`(local.set $x${k} (f64.load offset=${8 * k} (local.get $px)))`);
    s.push(`(local.set $eta ${range(K).reduce((acc, k) => `(f64.add ${acc} (f64.mul (local.get $x${k}) (local.get $b${k})))`, "(f64.const 0)")})`);
    s.push(`(local.set $yy (f64.load (local.get $py)))`);
    let log1p;
    if (imp) {
      s.push(`(local.set $e (call $exp (f64.neg (f64.abs (local.get $eta)))))`);
      log1p = `(call $log1p (local.get $e))`;
    } else {
      const ex = expNeg(`(f64.abs (local.get $eta))`, false);
      s.push(...ex.pre, `(local.set $e ${ex.value})`);
      const lg = log1pUnit(`(local.get $e)`, false);
      s.push(...lg.pre);
      log1p = lg.value;
    }
    // lp += y*eta - max(eta, 0) - log1p(e)     (the max as in handwritten.mjs: eta > 0 ? eta : 0)
    s.push(
      `(local.set $lp (f64.add (local.get $lp) (f64.sub (f64.sub (f64.mul (local.get $yy) (local.get $eta)) (select (local.get $eta) (f64.const 0) (f64.gt (local.get $eta) (f64.const 0)))) ${log1p})))`,
    );
    if (grad) {
      s.push(
        `(local.set $d (f64.sub (local.get $yy) (f64.div (select (f64.const 1) (local.get $e) (f64.ge (local.get $eta) (f64.const 0))) (f64.add (f64.const 1) (local.get $e)))))`,
      );
      for (const k of range(K)) s.push(`(local.set $g${k} (f64.add (local.get $g${k}) (f64.mul (local.get $d) (local.get $x${k}))))`);
    }
    return s;
  };
  const body = [];
  for (const k of range(K)) body.push(`(local.set $b${k} (f64.load (i32.const ${8 * k})))`);
  if (!simd) {
    body.push(
      `(local.set $px (local.get $xo)) (local.set $py (local.get $yo))`,
      `(local.set $pend (i32.add (local.get $yo) (i32.shl (local.get $n) (i32.const 3))))`,
      `(block $done (br_if $done (i32.ge_u (local.get $py) (local.get $pend)))`,
      `(loop $rows`,
      ...scalarRow(),
      `(local.set $px (i32.add (local.get $px) (i32.const ${8 * K})))`,
      `(local.set $py (i32.add (local.get $py) (i32.const 8)))`,
      `(br_if $rows (i32.lt_u (local.get $py) (local.get $pend)))))`,
    );
  } else {
    // vector locals shadow the scalar helper names used by expNeg/log1pUnit: use a separate set
    const V = [];
    const vloc = (n) => V.push(`(local $${n} v128)`);
    for (const k of range(K)) vloc(`vb${k}`);
    vloc("vlp");
    if (grad) for (const k of range(K)) vloc(`vg${k}`);
    vloc("veta");
    vloc("ve");
    vloc("vy");
    vloc("vd");
    for (const k of range(K)) vloc(`vx${k}`);
    for (const n of ["et", "en", "er", "ep", "ls", "lz", "lq", "lm"]) vloc(`v${n}`);
    L.push(...V);
    const rn = (s) => s.replace(/\$(et|en|er|ep|ls|lz|lq|lm)\b/g, "$v$1");
    for (const k of range(K)) body.push(`(local.set $vb${k} (f64x2.splat (local.get $b${k})))`);
    const ex = expNeg(`(f64x2.abs (local.get $veta))`, true),
      lg = log1pUnit(`(local.get $ve)`, true);
    const zero = `(v128.const i64x2 0 0)`;
    body.push(
      `(local.set $px (local.get $xo)) (local.set $py (local.get $yo))`,
      `(local.set $pend (i32.add (local.get $yo) (i32.shl (local.get $n) (i32.const 4))))`,
      `(block $done (br_if $done (i32.ge_u (local.get $py) (local.get $pend)))`,
      `(loop $rows`,
      ...range(K).map((k) => `(local.set $vx${k} (v128.load offset=${16 * k} (local.get $px)))`),
      `(local.set $veta ${range(K).reduce((acc, k) => `(f64x2.add ${acc} (f64x2.mul (local.get $vx${k}) (local.get $vb${k})))`, zero)})`,
      `(local.set $vy (v128.load (local.get $py)))`,
      ...ex.pre.map(rn),
      `(local.set $ve ${rn(ex.value)})`,
      ...lg.pre.map(rn),
      `(local.set $vlp (f64x2.add (local.get $vlp) (f64x2.sub (f64x2.sub (f64x2.mul (local.get $vy) (local.get $veta)) (v128.and (local.get $veta) (f64x2.gt (local.get $veta) ${zero}))) ${rn(lg.value)})))`,
      ...(grad
        ? [
            `(local.set $vd (f64x2.sub (local.get $vy) (f64x2.div (v128.bitselect (f64x2.splat (f64.const 1)) (local.get $ve) (f64x2.ge (local.get $veta) ${zero})) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $ve)))))`,
            ...range(K).map((k) => `(local.set $vg${k} (f64x2.add (local.get $vg${k}) (f64x2.mul (local.get $vd) (local.get $vx${k}))))`),
          ]
        : []),
      `(local.set $px (i32.add (local.get $px) (i32.const ${16 * K})))`,
      `(local.set $py (i32.add (local.get $py) (i32.const 16)))`,
      `(br_if $rows (i32.lt_u (local.get $py) (local.get $pend)))))`,
    );
    const hsum = (v, s) => `(local.set $${s} (f64.add (f64x2.extract_lane 0 (local.get $${v})) (f64x2.extract_lane 1 (local.get $${v}))))`;
    body.push(hsum("vlp", "lp"));
    if (grad) for (const k of range(K)) body.push(hsum(`vg${k}`, `g${k}`));
    body.push(
      `(if (local.get $odd) (then (local.set $px (local.get $to)) (local.set $py (i32.add (local.get $to) (i32.const ${8 * K})))`,
      ...scalarRow(),
      `))`,
    );
  }
  body.push(`(f64.store (i32.const 128) (local.get $lp))`);
  if (grad) for (const k of range(K)) body.push(`(f64.store (i32.const ${136 + 8 * k}) (local.get $g${k}))`);
  const params = simd ? "(param $xo i32) (param $yo i32) (param $n i32) (param $to i32) (param $odd i32)" : "(param $xo i32) (param $yo i32) (param $n i32)";
  return `(func (export "${grad ? "grad" : "logp"}") ${params}\n  ${L.join(" ")}\n  ${body.join("\n  ")})`;
}

function logisticFactory(variant) {
  return function logistic({ N, K, X, y }) {
    if (K > 14) throw new Error("K too large for the parameter block");
    const simd = variant === "simd";
    const imports =
      variant === "import" ? `(import "env" "exp" (func $exp (param f64) (result f64)))\n(import "env" "log1p" (func $log1p (param f64) (result f64)))\n` : "";
    const mod = compile(
      `logistic_${variant}_${K}`,
      `(module (import "env" "memory" (memory 1))\n${imports}${logisticWat(K, variant, true)}\n${logisticWat(K, variant, false)})`,
    );
    const P = simd ? N >> 1 : 0,
      odd = simd ? N & 1 : 0;
    const xo = DATA,
      yo = xo + 8 * N * K,
      to = yo + 8 * N;
    const { memory, ex } = instance(mod, to + 8 * (K + 1), variant === "import" ? { exp: Math.exp, log1p: Math.log1p } : {});
    const mem = new Float64Array(memory.buffer);
    if (!simd) mem.set(X.flat(), xo / 8);
    else {
      for (let p = 0; p < P; p++)
        for (let k = 0; k < K; k++) {
          mem[xo / 8 + p * 2 * K + 2 * k] = X[2 * p][k];
          mem[xo / 8 + p * 2 * K + 2 * k + 1] = X[2 * p + 1][k];
        }
      if (odd) {
        mem.set(X[N - 1], to / 8);
        mem[to / 8 + K] = y[N - 1];
      }
    }
    mem.set(y, yo / 8);
    const call = simd ? (f) => f(xo, yo, nArg, to, odd) : (f) => f(xo, yo, nArg);
    const gradK = ex.grad,
      logpK = ex.logp,
      nArg = simd ? P : N;
    function run(x, g) {
      let lp = 0;
      for (let k = 0; k < K; k++) {
        lp += -0.5 * x[k] * x[k] - LOG_2PI_HALF;
        mem[k] = x[k];
      }
      call(g ? gradK : logpK);
      lp += mem[16];
      if (g) for (let k = 0; k < K; k++) g[k] = mem[17 + k] - x[k];
      return lp;
    }
    return { size: K, logp: (x) => run(x, null), logpGrad: run };
  };
}

export function implementation(variant) {
  const out = { logistic: logisticFactory(variant) };
  if (variant !== "import") out.linreg = out.linreg_N = linregFactory(variant);
  return out;
}
