export declare function mulberry32(seed: number): () => number;
export declare function xorshift32(seed: number): () => number;
export declare function loadData(id: string): any;
export declare function ar1Data(N?: number): { N: number; y: number[] };
export declare function hmmData(N?: number): { N: number; K: number; A: number[][]; y: number[] };
