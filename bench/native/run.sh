#!/usr/bin/env bash
# Optional: builds native.cpp with g++ -O3 -march=native and runs it on the benchmark data. Prints
# logp at the fixed point (must equal the JavaScript implementations') and the median ns per
# logp+gradient call. Run it in the same minute as bench/harness.mjs: the machine's speed drifts.
set -euo pipefail
if ! command -v g++ >/dev/null; then
  echo "skipped: g++ not found (the native timings are optional; the JavaScript benchmark does not need them)"
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The data as raw float64, generated first if bench/data/ has none.
node --input-type=module -e '
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [bench, out] = process.argv.slice(1);
const { loadData } = await import(pathToFileURL(`${bench}/gen-data.mjs`).href);
for (const id of ["linreg", "logistic", "poisson"]) {
  const d = loadData(id);
  writeFileSync(`${out}/${id}_X.bin`, Float64Array.from(d.X.flat()));
  writeFileSync(`${out}/${id}_y.bin`, Float64Array.from(d.y));
}' "$here/.." "$tmp"
g++ -O3 -march=native -o "$tmp/native" "$here/native.cpp"
"$tmp/native" "$tmp"
