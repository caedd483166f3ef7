// tsmc/runtime: everything compiled models import. Never imports the compiler.
export { NDArray, empty, nd, toInput, shapeText, type InputSpec } from "./ndarray.js";
export { broadcastError, reduce, reduceAll, transpose, dot, join, split, subtensor, incSubtensor, take, incTake, reshape } from "./kernels.js";
export { sigmoid, softplus, gammaln, digamma, trigamma, erf, erfc } from "./special.js";
