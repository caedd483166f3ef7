// seedrandom's Alea generator (the one algorithm the runtime uses). seedrandom is CommonJS;
// `npm run build` replaces this module's output in dist/ with a plain ES module of it
// (runtime/vendor/prebundle.mjs).
export { default as alea } from "seedrandom/lib/alea.js";
