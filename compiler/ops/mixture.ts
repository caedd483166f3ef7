// PyMC's MarginalMixtureRV: a RandomVariable whose inputs, after the rng, the size and the dtype,
// are the weights and the component draws (RandomVariables of the mixture's shape). A draw picks a
// component per element with probabilities w (a categorical draw from the mixture's own rng) and
// takes that component's draw there. The components are either several RandomVariables of the
// mixture's shape ("list") or one whose last axis holds the components ("axis").
import { Apply, Constant, type Variable, type EmitContext } from "../graph/basic.js";
import { TensorType } from "../graph/type.js";
import { isRandomVariable, RandomGeneratorType, RandomVariable, type RandomVariableSpec } from "./random.js";
import { staticEntries } from "./shape.js";
import { constant } from "./constant.js";

export type MixtureLayout = "list" | "axis";

/** The mixture's RandomVariable spec (its draw is emitted by `MixtureRV`, not by a variate generator). */
export const MIXTURE_RV: RandomVariableSpec = {
  name: "marginal_mixture_rv",
  signature: "(k)->()",
  dtype: "float64",
  sampler: "categoricalVariate",
  nParams: 1,
};

/** Right-aligned static broadcast of shapes (null where unknown); throws when they do not broadcast. */
export function broadcastStatic(what: string, shapes: readonly (readonly (number | null)[])[]): (number | null)[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out: (number | null)[] = [];
  for (let k = 0; k < ndim; k++) {
    let d: number | null = 1;
    for (const s of shapes) {
      const e = k - (ndim - s.length) < 0 ? 1 : s[k - (ndim - s.length)];
      if (e === 1) continue;
      if (e === null) {
        if (d === 1) d = null;
        continue;
      }
      if (d !== 1 && d !== null && d !== e) throw new Error(`${what}: shapes ${shapes.map((x) => `(${x.join(", ")})`).join(" and ")} do not broadcast`);
      d = e;
    }
    out.push(d);
  }
  return out;
}

export class MixtureRV extends RandomVariable {
  override readonly key: string;
  readonly layout: MixtureLayout;

  constructor(layout: MixtureLayout) {
    super(MIXTURE_RV);
    this.layout = layout;
    this.key = `RandomVariable{marginal_mixture_rv,${layout}}`;
  }

  override toString(): string {
    return "MarginalMixtureRV{inline=True}";
  }

  override makeNode(rng: Variable, size: Variable, dtype: Variable, ...params: Variable[]): Apply {
    const what = "Mixture";
    if (!(rng.type instanceof RandomGeneratorType)) throw new Error(`${what}: the first input must be an rng, got ${rng.type}`);
    if (size.ndim !== 1 || size.dtype !== "int64" || size.type.shape[0] === null) {
      throw new Error(`${what}: size must be an integer vector of known length, got ${size.type}`);
    }
    const [w, ...comps] = params;
    if (!w || !comps.length || (this.layout === "axis" && comps.length !== 1)) throw new Error(`${what}: expected the weights and the components`);
    if (w.ndim < 1) throw new Error(`${what}: the weights must have at least one dimension (the components), got ${w.type}`);
    if (!comps.every(isRandomVariable)) throw new Error(`${what}: every component must be a RandomVariable`);
    const out =
      this.layout === "axis"
        ? comps[0].type.shape.slice(0, -1)
        : broadcastStatic(
            what,
            comps.map((c) => c.type.shape),
          );
    const given = size.type.shape[0] > 0;
    const shape = given ? staticEntries(size) : broadcastStatic(what, [out, w.type.shape.slice(0, -1)]);
    return new Apply(this, [rng, size, dtype, ...params], [new RandomGeneratorType(), new TensorType(comps[0].dtype, shape)]);
  }

  override emit(ctx: EmitContext): void {
    const [rng, sizeIn, , w, ...comps] = ctx.ins;
    const size = ctx.node.inputs[1];
    const out = ctx.node.outputs[1];
    ctx.line(`const ${ctx.outs[0]} = ${rng};`);
    const idx = ctx.tmp("which");
    const sample = `"(p)->()", ${ctx.rt("categoricalVariate")}`;
    if (out.ndim === 0) {
      ctx.line(`const ${idx} = ${ctx.rt("drawCore")}("categorical_rv", ${rng}, null, [${w}], ${sample});`);
      const picked = this.layout === "axis" ? `${comps[0]}.data[${idx}]` : `[${comps.join(", ")}][${idx}]`;
      ctx.line(`const ${ctx.outs[1]} = ${picked};`);
      return;
    }
    let sizeText: string;
    if (size.type.shape[0] === 0) {
      if (out.type.shape.some((d) => d === null)) throw new Error("Mixture: the shape of a draw must be known or given as size");
      sizeText = `[${out.type.shape.join(", ")}]`;
    } else sizeText = size instanceof Constant ? `[${Array.from(size.data).join(", ")}]` : `Array.from(${sizeIn}.data)`;
    ctx.line(`const ${idx} = ${ctx.rt("drawCore")}("categorical_rv", ${rng}, ${sizeText}, [${w}], ${sample});`);
    const data = ctx.tmp("data");
    const i = ctx.tmp("i");
    ctx.line(`const ${data} = new Float64Array(${idx}.data.length);`);
    if (this.layout === "axis") {
      const c = comps[0];
      ctx.line(
        `for (let ${i} = 0, k = ${c}.shape[${c}.shape.length - 1]; ${i} < ${data}.length; ${i}++) ${data}[${i}] = ${c}.data[${i} * k + ${idx}.data[${i}]];`,
      );
    } else {
      const all = ctx.tmp("components");
      ctx.line(`const ${all} = [${comps.map((c) => `${c}.data`).join(", ")}];`);
      ctx.line(`for (let ${i} = 0; ${i} < ${data}.length; ${i}++) ${data}[${i}] = ${all}[${idx}.data[${i}]][${i}];`);
    }
    ctx.line(`const ${ctx.outs[1]} = new ${ctx.rt("NDArray")}(${idx}.shape.slice(), ${data});`);
  }
}

/** A mixture draw over `components` (each already of the mixture's shape, or one with the components last). */
export function mixtureVariable(layout: MixtureLayout, rng: Variable, size: Variable, w: Variable, components: Variable[]): Variable {
  const dtype = constant(components[0].dtype === "int64" ? 7 : 11, null, "int64");
  return new MixtureRV(layout).makeNode(rng, size, dtype, w, ...components).outputs[1];
}
