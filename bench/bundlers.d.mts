export declare const BUNDLERS: readonly string[];
export interface BundleFile {
  path: string;
  bytes: number;
  gzip: number;
}
export declare function bundle(
  bundler: string,
  opts: { project: string; entry: string; outDir: string; minify?: boolean; platform?: "browser" | "node" },
): Promise<{ main: string; files: BundleFile[] }>;
