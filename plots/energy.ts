// plotEnergy: ArviZ's plot_energy (kind "kde"). The densities of the marginal energy (energy minus
// its mean) and of the energy transitions (differences of successive energies), with the Bayesian
// fraction of missing information written per chain: "BFMI = 0.85". A transition density much
// narrower than the marginal one means the sampler explores the energy levels slowly.
import * as Plot from "@observablehq/plot";
import { statSteps } from "../runtime/sampler/trace.js";
import { checkOptions, concat, documentFor, fmt, kde, mean, panel, type PlotOptions, type TraceLike } from "./common.js";

/**
 * The energy of one NUTS step per draw, chain after chain. Two NUTS blocks record two energies
 * (stacked as [chains, draws, 2]), each of its own Hamiltonian: `step` picks one, and is needed then.
 */
function energyOf(fn: string, trace: TraceLike, step: number | undefined): { data: Float64Array; nChains: number; nDraws: number } {
  const e = trace.sampleStats.energy;
  if (!e) throw new Error(`${fn}: the trace has no sample statistic 'energy'`);
  const [nChains, nDraws] = e.shape;
  const steps = statSteps(e);
  if (step !== undefined && !(Number.isInteger(step) && step >= 0 && step < steps))
    throw new Error(`${fn}: step must be an integer from 0 to ${steps - 1} (the trace's NUTS steps), got ${String(step)}`);
  if (steps === 1) return { data: e.data, nChains, nDraws };
  if (step === undefined)
    throw new Error(
      `${fn}: the trace's energy is recorded by ${steps} NUTS steps (shape [${e.shape.join(", ")}]); choose one with { step: 0 } to ${steps - 1}`,
    );
  const data = new Float64Array(nChains * nDraws);
  for (let i = 0; i < data.length; i++) data[i] = e.data[i * steps + step];
  return { data, nChains, nDraws };
}

/**
 * BFMI of each chain, as az.bfmi: mean squared energy transition over the energy's variance.
 * `step` picks a NUTS step's energy where a compound step has several.
 */
export function bfmi(trace: TraceLike, opts: { step?: number } = {}): number[] {
  opts = checkOptions("bfmi", opts, ["step"]);
  const e = energyOf("bfmi", trace, opts.step);
  const { nChains, nDraws } = e;
  return Array.from({ length: nChains }, (_, c) => {
    const x = e.data.subarray(c * nDraws, (c + 1) * nDraws);
    const m = mean(x);
    let num = 0;
    let v = 0;
    for (let d = 0; d < nDraws; d++) {
      if (d > 0) num += (x[d] - x[d - 1]) ** 2;
      v += (x[d] - m) ** 2;
    }
    return num / (nDraws - 1) / (v / nDraws);
  });
}

export function plotEnergy(trace: TraceLike, opts: Pick<PlotOptions, "width" | "height" | "document"> & { step?: number } = {}): string {
  opts = checkOptions("plotEnergy", opts, ["width", "height", "document", "step"]);
  const e = energyOf("plotEnergy", trace, opts.step);
  const doc = documentFor(opts);
  const { nChains, nDraws } = e;
  const chains = Array.from({ length: nChains }, (_, c) => e.data.subarray(c * nDraws, (c + 1) * nDraws));
  const all = concat(chains);
  const m = mean(all);
  const marginal = all.map((v) => v - m);
  const transitions = concat(chains.map((x) => x.subarray(1).map((v, d) => v - x[d])));
  const curves = [...kde(marginal).map((p) => ({ ...p, kind: "Marginal Energy" })), ...kde(transitions).map((p) => ({ ...p, kind: "Energy transition" }))];
  const texts = bfmi(trace, opts.step === undefined ? {} : { step: opts.step }).map((b, c) => `chain ${c}: BFMI = ${fmt(b)}`);
  const svg = panel(doc, "energy", "energy", {
    width: opts.width ?? 600,
    height: opts.height ?? 360,
    marginTop: 30,
    y: { axis: null },
    x: { label: null },
    color: { domain: ["Marginal Energy", "Energy transition"], range: ["#1f77b4", "#ff7f0e"], legend: false },
    marks: [
      Plot.areaY(curves, { x: "x", y: "y", fill: "kind", fillOpacity: 0.5, className: "tsmc-energy" }),
      ...texts.map((t, i) => Plot.text([t], { frameAnchor: "top-right", dy: 14 * i - 20, text: (d: string) => d, className: "tsmc-bfmi" })),
      ...["Marginal Energy", "Energy transition"].map((k, i) =>
        Plot.text([k], {
          frameAnchor: "top-left",
          dy: 14 * i - 20,
          dx: 4,
          fill: (d: string) => d,
          textAnchor: "start",
          text: (d: string) => `■ ${d}`,
          className: "tsmc-energy-legend",
        }),
      ),
    ],
  });
  return svg.replace(/^<svg /, `<svg xmlns="http://www.w3.org/2000/svg" `);
}
