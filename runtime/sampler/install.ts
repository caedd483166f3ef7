// `tsmc/sampler`: importing this module makes `sample()` and its kin work on every compiled model.
// The build pass adds `import "tsmc/sampler"` to the modules that call them, so a bundle that never
// samples carries no sampler; the in-process compiler (`tsmc`) imports it itself.
import { installSampler } from "../model.js";
import { sampleModel, sampleModelAsync, samplePriorPredictive, samplePosteriorPredictive } from "./sample.js";

installSampler({ sampleModel, sampleModelAsync, samplePriorPredictive, samplePosteriorPredictive });
