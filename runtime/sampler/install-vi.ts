// `tsmc/vi`: importing this module makes `fit()` (ADVI) work on every compiled model. The build pass
// adds `import "tsmc/vi"` to the modules that call it, so a bundle that samples with NUTS only does
// not carry variational inference; the in-process compiler (`tsmc`) imports it itself.
import { installFit } from "../model.js";
import { fit } from "./advi.js";

installFit(fit);
