// Types of the parts of fast-kde (which ships none) that tsmc/plots uses.
declare module "fast-kde" {
  export interface Density1d extends Iterable<{ x: number; y: number }> {
    points(x?: string, y?: string): Iterable<{ x: number; y: number }>;
    bandwidth(): number;
    extent(): [number, number];
  }
  export function density1d(
    data: ArrayLike<number>,
    options?: { bandwidth?: number; adjust?: number; extent?: [number, number]; pad?: number; bins?: number },
  ): Density1d;
  export function nrd(data: number[], x: (d: number) => number): number;
}
