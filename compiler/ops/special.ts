// Special functions for the distribution catalogue, as scalar ops lifted by elemwise(): each one's
// runtime function (runtime/special.ts) and its gradient rule side by side.
import type { Variable } from "../graph/basic.js";
import type { TensorLike } from "./constant.js";
import type { EmittedRuntimeName } from "../emit/runtime-names.js";
import { elemwise, add, sub, mul, div, neg, exp, log, log1p, expm1, sqr, sign, digamma, gammaln, switchOp, eq, type ScalarOp } from "./elemwise.js";

type T = TensorLike;
type Grad = NonNullable<ScalarOp["grad"]>;
const rtCall = (fn: EmittedRuntimeName) => (a: string[], rt: (n: EmittedRuntimeName) => string) => `${rt(fn)}(${a.join(", ")})`;
const call = (fn: string) => (a: string[]) => `${fn}(${a.join(", ")})`;
const op = (name: string, arity: number, js: ScalarOp["js"], grad?: Grad): ScalarOp => ({ name, arity, out: "float", js, grad });

export const SP: Record<string, ScalarOp> = {
  floor: { name: "Floor", arity: 1, out: "upcast", js: call("Math.floor"), grad: () => [null] },
  ceil: { name: "Ceil", arity: 1, out: "upcast", js: call("Math.ceil"), grad: () => [null] },
  arctan: op("ArcTan", 1, call("Math.atan"), ([x], _, gz) => [div(gz, add(1, sqr(x)))]),
  // log(1 - exp(x)), x <= 0
  log1mexp: op("Log1mexp", 1, rtCall("log1mexp"), ([x], _, gz) => [neg(div(gz, expm1(neg(x))))]),
  betaln: op("BetaLn", 2, rtCall("betaln"), ([a, b], _, gz) => {
    const dab = digamma(add(a, b));
    return [mul(gz, sub(digamma(a), dab)), mul(gz, sub(digamma(b), dab))];
  }),
  // regularised incomplete gamma P(s, x) and Q(s, x) = 1 - P(s, x)
  gammainc: op("GammaInc", 2, rtCall("gammainc"), ([s, x], _, gz) => {
    const dx = gammaDensity(s, x);
    return [mul(gz, gammaincDs(s, x)), mul(gz, dx)];
  }),
  gammaincc: op("GammaIncC", 2, rtCall("gammaincc"), ([s, x], _, gz) => {
    const dx = gammaDensity(s, x);
    return [neg(mul(gz, gammaincDs(s, x))), neg(mul(gz, dx))];
  }),
  gammaincDs: op("GammaIncGrad", 2, rtCall("gammaincDs")),
  // regularised incomplete beta I_x(a, b)
  betainc: op("BetaInc", 3, rtCall("betainc"), ([a, b, x], _, gz) => {
    const dx = exp(sub(add(mul(sub(a, 1), log(x)), mul(sub(b, 1), log1p(neg(x)))), betaln(a, b)));
    return [mul(gz, betaincDa(a, b, x)), mul(gz, betaincDb(a, b, x)), mul(gz, dx)];
  }),
  betaincDa: op("BetaIncGradA", 3, rtCall("betaincDa")),
  betaincDb: op("BetaIncGradB", 3, rtCall("betaincDb")),
  // exponentially scaled Bessel functions: i0e(x) = exp(-|x|) I0(x), i1e(x) = exp(-|x|) I1(x)
  i0e: op("I0e", 1, rtCall("i0e"), ([x], out, gz) => [mul(gz, sub(i1e(x), mul(sign(x), out)))]),
  i1e: op("I1e", 1, rtCall("i1e"), ([x], out, gz) => [
    // I1' = I0 - I1/x, so i1e' = i0e - i1e (sign(x) + 1/x); the limit at 0 is 1/2
    mul(gz, switchOp(eq(x, 0), 0.5, sub(i0e(x), mul(out, add(sign(x), div(1, x)))))),
  ]),
};

/** x^(s-1) e^(-x) / Γ(s): the derivative of P(s, x) in x. */
function gammaDensity(s: Variable, x: Variable): Variable {
  return exp(sub(sub(mul(sub(s, 1), log(x)), x), gammaln(s)));
}

export const floor = (x: T): Variable => elemwise(SP.floor, x);
export const ceil = (x: T): Variable => elemwise(SP.ceil, x);
export const arctan = (x: T): Variable => elemwise(SP.arctan, x);
export const log1mexp = (x: T): Variable => elemwise(SP.log1mexp, x);
export const betaln = (a: T, b: T): Variable => elemwise(SP.betaln, a, b);
export const gammainc = (s: T, x: T): Variable => elemwise(SP.gammainc, s, x);
export const gammaincc = (s: T, x: T): Variable => elemwise(SP.gammaincc, s, x);
const gammaincDs = (s: T, x: T): Variable => elemwise(SP.gammaincDs, s, x);
export const betainc = (a: T, b: T, x: T): Variable => elemwise(SP.betainc, a, b, x);
const betaincDa = (a: T, b: T, x: T): Variable => elemwise(SP.betaincDa, a, b, x);
const betaincDb = (a: T, b: T, x: T): Variable => elemwise(SP.betaincDb, a, b, x);
export const i0e = (x: T): Variable => elemwise(SP.i0e, x);
export const i1e = (x: T): Variable => elemwise(SP.i1e, x);
/** log I0(x) = log(i0e(x)) + |x|, finite for any x. */
export const logI0 = (x: T): Variable => add(log(i0e(x)), mul(sign(x), x));
