// The seeded generator of the benchmark's data (bench/gen-data.mjs), for test data that never changes.
export { mulberry32 } from "../../bench/gen-data.mjs";
