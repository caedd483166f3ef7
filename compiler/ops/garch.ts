// GARCH(1,1) volatilities (PyMC's garch11_logp scan, as one op): vol_0 = initial_vol and
// vol_t = sqrt(omega + alpha_1 y_{t-1}² + beta_1 vol_{t-1}²) along a series y, one loop forward;
// the gradient is one loop backward (GarchVolatilityGrad). Scalar parameters, a vector y.
import { Apply, type EmitContext, type Op, type Variable } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";

function checkInputs(what: string, scalars: Variable[], y: Variable): void {
  if (scalars.some((s) => s.ndim !== 0)) throw new Error(`${what}: omega, alpha_1, beta_1 and initial_vol must be scalars`);
  if (y.ndim !== 1) throw new Error(`${what}: the series must be a vector, got ${y.type}`);
}

/** The volatilities of a GARCH(1,1) series. Inputs: omega, alpha_1, beta_1, initial_vol, y. */
export class GarchVolatility implements Op {
  readonly key = "GarchVolatility";
  toString(): string {
    return "GarchVolatility";
  }
  makeNode(omega: Variable, alpha: Variable, beta: Variable, vol0: Variable, y: Variable): Apply {
    checkInputs("GarchVolatility", [omega, alpha, beta, vol0], y);
    return new Apply(this, [omega, alpha, beta, vol0, y], [new TensorType("float64", [...y.type.shape])]);
  }
  grad(inputs: Variable[], [vol]: Variable[], [gVol]: (Variable | null)[]): (Variable | null)[] {
    if (!gVol) return inputs.map(() => null);
    const [w, a, b, v0, y] = inputs;
    return new GarchVolatilityGrad().makeNode(w, a, b, v0, y, vol, gVol).outputs;
  }
  emit(ctx: EmitContext): void {
    const [w, a, b, v0, y] = ctx.ins;
    const [out] = ctx.outs;
    const [d, yd, v, t, p] = ["d", "y", "v", "t", "p"].map((h) => ctx.tmp(h));
    ctx.line(`const ${out} = ${ctx.alloc([`${y}.shape[0]`])};`);
    ctx.line(`const ${d} = ${out}.data, ${yd} = ${y}.data;`);
    ctx.line(`let ${v} = ${v0} * ${v0};`);
    ctx.line(`if (${d}.length) ${d}[0] = ${v0};`);
    ctx.line(`for (let ${t} = 1; ${t} < ${d}.length; ${t}++) {`);
    ctx.line(`  const ${p} = ${yd}[${t} - 1];`);
    ctx.line(`  ${v} = ${w} + ${a} * ${p} * ${p} + ${b} * ${v};`);
    ctx.line(`  ${d}[${t}] = Math.sqrt(${v});`);
    ctx.line("}");
  }
}

/**
 * The adjoints of omega, alpha_1, beta_1, initial_vol and y given the volatilities and their adjoint:
 * with v_t = vol_t², ḡv_t = ḡvol_t / (2 vol_t) + beta_1 ḡv_{t+1}, backward over t.
 */
export class GarchVolatilityGrad implements Op {
  readonly key = "GarchVolatilityGrad";
  toString(): string {
    return "GarchVolatilityGrad";
  }
  makeNode(omega: Variable, alpha: Variable, beta: Variable, vol0: Variable, y: Variable, vol: Variable, gVol: Variable): Apply {
    checkInputs("GarchVolatilityGrad", [omega, alpha, beta, vol0], y);
    const scalar = () => new TensorType("float64", []);
    return new Apply(this, [omega, alpha, beta, vol0, y, vol, gVol], [scalar(), scalar(), scalar(), scalar(), new TensorType("float64", [...y.type.shape])]);
  }
  emit(ctx: EmitContext): void {
    const [, a, b, v0, y, vol, g] = ctx.ins;
    const [gw, ga, gb, gv0, gy] = ctx.outs;
    const [yd, vd, gd, gyd, sw, sa, sb, run, t, now, p] = ["y", "v", "g", "gy", "sw", "sa", "sb", "run", "t", "now", "p"].map((h) => ctx.tmp(h));
    ctx.line(`const ${gy} = ${ctx.alloc([`${y}.shape[0]`])};`);
    ctx.line(`const ${yd} = ${y}.data, ${vd} = ${vol}.data, ${gd} = ${g}.data, ${gyd} = ${gy}.data;`);
    ctx.line(`let ${sw} = 0, ${sa} = 0, ${sb} = 0, ${run} = 0;`);
    ctx.line(`if (${gyd}.length) ${gyd}[${gyd}.length - 1] = 0;`);
    ctx.line(`for (let ${t} = ${gyd}.length - 1; ${t} >= 1; ${t}--) {`);
    ctx.line(`  const ${now} = ${gd}[${t}] / (2 * ${vd}[${t}]) + ${b} * ${run};`);
    ctx.line(`  const ${p} = ${yd}[${t} - 1];`);
    ctx.line(`  ${sw} += ${now};`);
    ctx.line(`  ${sa} += ${now} * ${p} * ${p};`);
    ctx.line(`  ${sb} += ${now} * ${vd}[${t} - 1] * ${vd}[${t} - 1];`);
    ctx.line(`  ${gyd}[${t} - 1] = 2 * ${a} * ${p} * ${now};`);
    ctx.line(`  ${run} = ${now};`);
    ctx.line("}");
    ctx.line(`const ${gw} = ${sw}, ${ga} = ${sa}, ${gb} = ${sb};`);
    ctx.line(`const ${gv0} = (${gd}.length ? ${gd}[0] : 0) + 2 * ${v0} * ${b} * ${run};`);
  }
}

/** vol_t of a GARCH(1,1) series y (PyMC's volatility_update scan). */
export const garchVolatility = (omega: Variable, alpha: Variable, beta: Variable, vol0: Variable, y: Variable): Variable =>
  new GarchVolatility().makeNode(omega, alpha, beta, vol0, y).outputs[0];
