// A model with a discrete latent that the compound-step tests share; `tsmc sample` loads this module.
import { model, Normal, Bernoulli, pt } from "../compiler/index.js";

export const mixY = [1.4, 2.3, 0.6];

/** A two-component mixture with its indicator z ~ Bernoulli(0.3) latent and the means continuous. */
export const bernoulliIndicator = model("bernoulli_indicator", () => {
  const mu0 = Normal("mu0", -1, 1);
  const mu1 = Normal("mu1", 2, 1);
  const z = Bernoulli("z", 0.3);
  Normal("y", pt.switch(pt.eq(z, 1), mu1, mu0), 1, { observed: mixY });
});
