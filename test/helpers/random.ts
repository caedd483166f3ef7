// The seeded generators of the benchmark (bench/gen-data.mjs), for test data that never changes.
export { mulberry32, xorshift32 } from "../../bench/gen-data.mjs";
