#!/usr/bin/env bash
# Optional: the NUTS sampler's own cost per leapfrog step at this CPU's limit. Builds nuts.cpp (a
# C++ transcription of runtime/sampler/nuts.ts and the Alea stream) with g++ -O3 -march=native, checks
# that it makes the JavaScript sampler's draws bit for bit, and times both the way
# bench/sampler-overhead.mjs does, one after the other (the machine's speed drifts), for eight
# schools and seed. Run after `npm run build`: bash bench/native/nuts-overhead.sh (about a minute).
set -euo pipefail
if ! command -v g++ >/dev/null; then
  echo "skipped: g++ not found (the native timings are optional; the JavaScript benchmarks do not need them)"
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$here/nuts-reference.mjs" prepare "$tmp"
# No fused multiply-adds: JavaScript rounds every product, and the draws must match bit for bit.
g++ -O3 -march=native -ffp-contract=off -o "$tmp/nuts" "$here/nuts.cpp"
"$tmp/nuts" "$tmp"
node "$here/nuts-reference.mjs" time "$tmp"
