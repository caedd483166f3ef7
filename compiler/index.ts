// tsmc: the model API and `pt`, the tensor API.
export { pt } from "./tensor.js";
export { Variable, Constant, TensorType } from "./tensor.js";
export { NDArray } from "../runtime/index.js";
