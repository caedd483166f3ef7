// tsmc/plots: ArviZ's plots of a trace as standalone SVG text, and an HTML report. Drawn with
// Observable Plot: in a browser into the page's document, in Node into linkedom's.
export type { PlotOptions, TraceLike } from "./common.js";
export { plotTrace } from "./trace.js";
export { plotRank } from "./rank.js";
export { plotForest, type ForestOptions } from "./forest.js";
export { plotPosterior } from "./posterior.js";
export { plotPair } from "./pair.js";
export { plotEnergy, bfmi } from "./energy.js";
export { report, warnings, type ReportOptions } from "./report.js";
