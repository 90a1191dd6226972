#!/usr/bin/env bash
# Checks the GPU bundle (.gpu, made by scripts/gpu/bundle.sh) on THIS machine, without a GPU or PyTorch: a fake PyTorch
# site-packages whose torch/lib holds the CPU libtorch of the NuGet cache, and a fake python3 that prints it for
# run.sh's one-liner. A fake `dotnet` first on PATH fails loudly, so nothing can fall back to the SDK. Then, as on the
# device, from a fresh unpack:
#   run.sh --prepare                          (timed: the unpack)
#   run.sh MtSnn.Cli.dll doctor               libtorch must come from MTSNN_LIBTORCH (the bundle carries none)
#   run.sh MtSnn.Gpu.Tests.dll ...            must pass with every CUDA test skipped with its reason
#   run.sh MtSnn.Cli.dll train ...            3 batches of CPU training on the unpacked Fashion-MNIST
# usage: scripts/gpu/selftest-bundle.sh      (exit 0 when every check passed; on failure the logs stay in $TMPDIR/mtsnn-gpu-selftest.*)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
run=$repo/.gpu/bundle/run.sh
[ -x "$run" ] || { echo "selftest: $run missing; run scripts/gpu/bundle.sh first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mtsnn-gpu-selftest.XXXXXX")
"$repo/scripts/gpu/fake-torch-site.sh" "$work"
export PATH=$work/bin:$PATH
export MTSNN_GPU_ROOT=${MTSNN_GPU_ROOT:-/tmp/mtsnn-gpu} MTSNN_FASHION_DIR=${MTSNN_FASHION_DIR:-/tmp/fashion-mnist}
export MTSNN_CACHE=$work/cache   # an empty cache: the shim repair (Debian 12's libstdc++) must work in the unpacked app
unset MTSNN_LIBTORCH MTSNN_TORCH_SITE
rm -rf "$MTSNN_GPU_ROOT" "$MTSNN_FASHION_DIR"
failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1 (log: $3)"; failed=1; fi; }

t0=$(date +%s.%N)
"$run" --prepare > "$work/prepare.log" 2>&1 || true
t1=$(date +%s.%N)
check "unpack (--prepare) in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s" \
  "grep -q '^fashion-mnist: ' '$work/prepare.log' && [ \$(ls '$MTSNN_FASHION_DIR' | wc -l) = 4 ]" "$work/prepare.log"
check "the unpacked app carries no libtorch/libc10/libgomp" \
  "! find '$MTSNN_GPU_ROOT/app' \\( -name 'libtorch*' -o -name 'libc10*' -o -name 'libgomp*' \\) | grep -q ." "$work/prepare.log"

"$run" MtSnn.Cli.dll doctor > "$work/doctor.log" 2>&1 && rc=0 || rc=$?
check "doctor (exit $rc): libtorch from MTSNN_LIBTORCH, shim in the unpacked app, tensors ok" \
  "[ $rc = 0 ] && grep -q '^libtorch: .*from MTSNN_LIBTORCH' '$work/doctor.log' && grep -q '^shim: *$MTSNN_GPU_ROOT/app/' '$work/doctor.log' \
   && grep -q '^tensors: *ok' '$work/doctor.log'" "$work/doctor.log"
grep -E '^(shim|libtorch):' "$work/doctor.log" | sed 's/^/       /'

"$run" MtSnn.Gpu.Tests.dll -noColor -reporter verbose -result-xml "$work/gpu-tests.xml" > "$work/gpu-tests.log" 2>&1 && rc=0 || rc=$?
check "GPU test app (exit $rc): every test skipped with its reason" \
  "[ $rc = 0 ] && grep -q 'Failed: 0, Skipped: [1-9]' '$work/gpu-tests.log' && ! grep -q 'Total: .*, Errors: [1-9]' '$work/gpu-tests.log' \
   && [ \$(grep -c '\\[SKIP\\]' '$work/gpu-tests.log') = \$(grep -c 'no CUDA' '$work/gpu-tests.log') ] \
   && grep -q 'result=\"Skip\"' '$work/gpu-tests.xml' && ! grep -q 'result=\"\\(Pass\\|Fail\\)\"' '$work/gpu-tests.xml'" "$work/gpu-tests.log"
grep -m1 -A1 '\[SKIP\]' "$work/gpu-tests.log" | sed 's/^/       /'
grep '=== TEST EXECUTION SUMMARY' -A1 "$work/gpu-tests.log" | tail -1 | sed 's/^ */       /'

"$run" MtSnn.Cli.dll train --dataset fashion-mnist --data "$MTSNN_FASHION_DIR" --model plif-net --dynamics plif -T 1 --epochs 1 \
  --max-batches 3 --batch-size 32 --optimizer adam --lr 1e-3 --loss mse --out "$work/train" > "$work/train.log" 2>&1 && rc=0 || rc=$?
check "train 3 batches on the unpacked Fashion-MNIST (exit $rc)" "[ $rc = 0 ] && [ -n \"\$(ls -A '$work/train' 2>/dev/null)\" ]" "$work/train.log"

if grep -l 'the SDK dotnet was called' "$work"/*.log >/dev/null 2>&1; then echo "FAIL something called the SDK's dotnet"; failed=1; fi
if [ $failed = 0 ]; then echo "bundle selftest passed"; rm -rf "$work"; else echo "bundle selftest FAILED (logs: $work)"; fi
exit $failed
