#!/usr/bin/env bash
# Rehearses scripts/gpu/h100.sh on THIS machine (no GPU, no PyTorch): the same phases through the same bundle, on the
# CPU and with tiny sizes, against a stand-in PyTorch (scripts/gpu/fake-torch-site.sh). It checks the script's logic and
# what it writes to OUT, not speed; the GPU tests are expected to fail here (skips count as failures in gpu-tests.sh).
# usage: scripts/gpu/dry-run.sh [OUT_DIR] [PHASE...]        (build the bundle first: scripts/gpu/bundle.sh)
#        KEEP_RUNS=1 EPOCHS=3 scripts/gpu/dry-run.sh OUT train    rehearses the resuming second call
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/out/gpu-dry-run}; shift || true
work=$(mktemp -d "${TMPDIR:-/tmp}/mtsnn-gpu-dry.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$repo/scripts/gpu/fake-torch-site.sh" "$work"
rm -rf "$out"; mkdir -p "$out"
[ "${KEEP_RUNS:-0}" = 1 ] || rm -rf "$repo/.gpu-runs"   # KEEP_RUNS=1: rehearse a second call that resumes
PATH=$work/bin:$PATH OUT=$out DEVICE=cpu EPOCHS=${EPOCHS:-2} SPEED_BATCHES=3 ACC_MAX_BATCHES=4 BENCH_NEURONS=4096 DEADLINE=${DEADLINE:-900} \
  WORKERS=1 "$repo/scripts/gpu/h100.sh" "$@"
echo "dry run wrote: $(ls "$out" | tr '\n' ' ')"
tar -tzf "$out/results.tar.gz" | grep -E 'summary.json|metrics.csv|gpu-memory' | sort
