// Types for the single seedrandom algorithm the runtime imports (keeps bundles small).
declare module "seedrandom/lib/alea.js" {
  interface AleaState {
    c: number;
    s0: number;
    s1: number;
    s2: number;
  }
  interface AleaPrng {
    (): number;
    double(): number;
    int32(): number;
    quick(): number;
    state(): AleaState;
  }
  function alea(seed?: string, opts?: { state?: boolean | AleaState }): AleaPrng;
  export default alea;
}
