// tsmc/runtime: everything compiled models import (generated.ts), and what a page needs after
// sampling: the trace, its diagnostics and summary, model comparison, trace files; and findMAP.
// Never imports the compiler.
export * from "./generated.js";
export { Trace, type ChainTuning } from "./sampler/trace.js";
export { PriorSamples, computeLogLikelihood, type SampleOptions } from "./sampler/sample.js";
export { NUTS, Metropolis, BinaryGibbsMetropolis, CategoricalGibbsMetropolis, type StepMethod } from "./sampler/steps.js";
export type { Approximation, FitOptions } from "./sampler/advi.js";
export { findMAP, type FindMAPOptions } from "./sampler/map.js";
export type { ModelSource } from "./sampler/parallel.js";
export { summary, Summary, type SummaryRow } from "./sampler/summary.js";
export { loo, waic, compare, psislw, type ELPDData, type WAICData, type CompareRow } from "./sampler/loo.js";
export { toZarr, type ZarrStore } from "./sampler/zarr.js";
export { rhat, essBulk, essTail, essMean, essSd, mcseMean, mcseSd, hdi } from "./sampler/diagnostics.js";
