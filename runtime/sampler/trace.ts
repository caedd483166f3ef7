// The trace: draws of every free RV (constrained scale) and Deterministic as [chains, draws, ...shape]
// NDArrays, the sampler statistics as [chains, draws], and toJSON() in the layout ArviZ's
// from_dict / from_json reads.
import { NDArray } from "../ndarray.js";
import type { Value } from "../model.js";
import { STAT_NAMES } from "./chain.js";

export type Group = Record<string, NDArray>;

/** How each chain ended its warmup. */
export interface ChainTuning {
  stepSize: number;
  invMetric: Float64Array;
}

export class Trace {
  posterior: Group;
  sampleStats: Group;
  warmup?: { posterior: Group; sampleStats: Group };
  posteriorPredictive?: Group;
  observedData?: Record<string, Value>;
  constantData?: Record<string, Value>;
  tuning: ChainTuning[];
  attrs: Record<string, unknown>;

  constructor(init: {
    posterior: Group;
    sampleStats: Group;
    warmup?: { posterior: Group; sampleStats: Group };
    observedData?: Record<string, Value>;
    constantData?: Record<string, Value>;
    tuning?: ChainTuning[];
    attrs?: Record<string, unknown>;
  }) {
    this.posterior = init.posterior;
    this.sampleStats = init.sampleStats;
    if (init.warmup) this.warmup = init.warmup;
    if (init.observedData) this.observedData = init.observedData;
    if (init.constantData) this.constantData = init.constantData;
    this.tuning = init.tuning ?? [];
    this.attrs = init.attrs ?? {};
  }

  get nChains(): number {
    const first = Object.values(this.sampleStats)[0] ?? Object.values(this.posterior)[0];
    return first ? first.shape[0] : 0;
  }

  get nDraws(): number {
    const first = Object.values(this.sampleStats)[0] ?? Object.values(this.posterior)[0];
    return first ? first.shape[1] : 0;
  }

  /** Divergent transitions after warmup, over all chains. */
  get divergences(): number {
    const d = this.sampleStats.diverging;
    if (!d) return 0;
    let k = 0;
    for (const v of d.data) if (v) k++;
    return k;
  }

  /** The layout ArviZ reads: `az.from_dict(**json)` or `az.from_json(path)`. */
  toJSON(): Record<string, unknown> {
    const dims: Record<string, string[]> = {};
    const coords: Record<string, number[]> = {};
    const out: Record<string, unknown> = {};
    const group = (g: Group, sampled: boolean, booleans: string[] = []) => {
      const o: Record<string, unknown> = {};
      for (const [name, arr] of Object.entries(g)) {
        o[name] = booleans.includes(name) ? toNested(arr, (v) => v !== 0) : arr.toArray();
        addDims(name, sampled ? arr.shape.slice(2) : arr.shape);
      }
      return o;
    };
    const addDims = (name: string, shape: number[]) => {
      if (shape.length === 0 || dims[name]) return;
      dims[name] = shape.map((_, k) => `${name}_dim_${k}`);
      shape.forEach((d, k) => (coords[`${name}_dim_${k}`] = Array.from({ length: d }, (_, i) => i)));
    };
    const values = (g: Record<string, Value>) => {
      const o: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(g)) {
        o[name] = typeof v === "number" ? v : v.toArray();
        if (typeof v !== "number") addDims(name, v.shape);
      }
      return o;
    };
    out.posterior = group(this.posterior, true);
    out.sample_stats = group(this.sampleStats, true, ["diverging"]);
    if (this.posteriorPredictive) out.posterior_predictive = group(this.posteriorPredictive, true);
    out.observed_data = values(this.observedData ?? {});
    if (this.constantData && Object.keys(this.constantData).length) out.constant_data = values(this.constantData);
    if (this.warmup) {
      out.warmup_posterior = group(this.warmup.posterior, true);
      out.warmup_sample_stats = group(this.warmup.sampleStats, true, ["diverging"]);
    }
    out.coords = coords;
    out.dims = dims;
    out.attrs = { inference_library: "tsmc", ...this.attrs };
    return out;
  }
}

function toNested(arr: NDArray, f: (v: number) => unknown): unknown {
  const nested = arr.toArray();
  const walk = (x: unknown): unknown => (Array.isArray(x) ? x.map(walk) : f(x as number));
  return walk(nested);
}

/**
 * Assemble per-chain flat results into [chains, draws, ...shape] arrays. `constrain` maps a flat
 * unconstrained draw to named values (free RVs constrained, Deterministics).
 */
export function assemble(
  chains: { draws: Float64Array; stats: Record<string, Float64Array> }[],
  nDraws: number,
  size: number,
  constrain: (x: Float64Array) => Record<string, Value>,
): { posterior: Group; sampleStats: Group } {
  const nChains = chains.length;
  const posterior: Group = {};
  const x = new Float64Array(size);
  for (let c = 0; c < nChains; c++) {
    for (let d = 0; d < nDraws; d++) {
      x.set(chains[c].draws.subarray(d * size, (d + 1) * size));
      const values = constrain(x);
      for (const [name, v] of Object.entries(values)) {
        const inner = typeof v === "number" ? [] : v.shape;
        const k = inner.reduce((a, b) => a * b, 1);
        if (!posterior[name]) posterior[name] = new NDArray([nChains, nDraws, ...inner], new Float64Array(nChains * nDraws * k));
        const at = (c * nDraws + d) * k;
        if (typeof v === "number") posterior[name].data[at] = v;
        else posterior[name].data.set(v.data, at);
      }
    }
  }
  const sampleStats: Group = {};
  for (const name of STAT_NAMES) {
    const data = new Float64Array(nChains * nDraws);
    chains.forEach((ch, c) => data.set(ch.stats[name].subarray(0, nDraws), c * nDraws));
    sampleStats[name] = new NDArray([nChains, nDraws], data);
  }
  return { posterior, sampleStats };
}
