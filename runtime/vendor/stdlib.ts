// The special functions the runtime takes from @stdlib (a maintained numerical library). @stdlib
// ships CommonJS that reads a JSON table; `npm run build` replaces this module's output in dist/
// with one plain ES module holding just these functions (runtime/vendor/prebundle.mjs), so that
// any bundler takes the runtime without a CommonJS or JSON plugin and drops what a model never calls.
export { default as gammaln } from "@stdlib/math-base-special-gammaln";
export { default as digamma } from "@stdlib/math-base-special-digamma";
export { default as trigamma } from "@stdlib/math-base-special-trigamma";
export { default as erf } from "@stdlib/math-base-special-erf";
export { default as erfc } from "@stdlib/math-base-special-erfc";
export { default as erfcx } from "@stdlib/math-base-special-erfcx";
export { default as gammaincStdlib } from "@stdlib/math-base-special-gammainc";
export { default as betaincStdlib } from "@stdlib/math-base-special-betainc";
export { default as betalnStdlib } from "@stdlib/math-base-special-betaln";
