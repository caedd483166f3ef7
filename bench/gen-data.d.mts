export declare function mulberry32(seed: number): () => number;
export declare function loadData(id: string): any;
