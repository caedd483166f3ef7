// createModel: what generated code calls. It brings the NUTS sampler along, so that every compiled
// model can sample; bundles built with `sampler: false` call createModelCore and leave it out.
import { CompiledModel, createModelCore, installSampler, type DataValues, type ModelImpl, type ModelMeta } from "../model.js";
import { sampleModel, samplePriorPredictive, samplePosteriorPredictive } from "./sample.js";

export function createModel(meta: ModelMeta, impl: ModelImpl, data: DataValues): CompiledModel {
  installSampler({ sampleModel, samplePriorPredictive, samplePosteriorPredictive });
  return createModelCore(meta, impl, data);
}
