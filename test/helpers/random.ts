// The seeded generator of the benchmark's data (bench/gen-data.mjs), for test data that never changes.
export { mulberry32 } from "../../bench/gen-data.mjs";

/** xorshift32 uniforms in (0, 1): fixed draws, so a failure reproduces. */
export function xorshiftUniforms(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
}
