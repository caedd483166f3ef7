// createModel: what generated code calls. It brings the NUTS sampler along, so that every compiled
// model can sample; bundles built with `sampler: false` call createModelCore and leave it out.
import { CompiledModel, createModelCore, installSampler, type DataValues, type ModelImpl, type ModelMeta } from "../model.js";
import { sampleModel, sampleModelAsync, samplePriorPredictive, samplePosteriorPredictive } from "./sample.js";

export function createModel(meta: ModelMeta, impl: ModelImpl, data: DataValues): CompiledModel {
  installSampler({ sampleModel, sampleModelAsync, samplePriorPredictive, samplePosteriorPredictive });
  return createModelCore(meta, impl, data);
}

/**
 * What an ahead-of-time module calls in place of model(): run the spliced factory on the runtime
 * exports it uses, and keep the factory's text so that a worker can rebuild the model. The factory
 * refers to nothing but its parameter (the emitted body is the same text that the in-process
 * compiler turns into a function of `rt` alone, with no module scope), so its text survives bundling
 * and minification: a minifier renames the parameter but not the runtime's property names.
 */
export function aheadOfTime(factory: (rt: never) => CompiledModel, rt: object): CompiledModel {
  const m = factory(rt as never);
  m.source = { factory: String(factory) };
  return m;
}
