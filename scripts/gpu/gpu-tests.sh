#!/usr/bin/env bash
# GPU checks of the CUDA neuron kernel (src/MtSnn/Kernels/Cuda) on a CUDA machine WITHOUT .NET: runs the GPU test app
# (tests/MtSnn.Gpu.Tests) from the bundle that scripts/gpu/bundle.sh made here (.gpu must travel with the tree), on the
# machine's PyTorch libtorch. The CPU emulation of the same kernels runs in `dotnet test MtSnn.sln` on any machine.
# Writes to $OUT (or .): cuda-tests.log (machine, results, skip reasons, the timing report) and gpu-tests.xml.
# The CUDA tests must say PASS here, not SKIP: a skip prints its reason (driver, NVRTC, or libtorch without CUDA).
# usage: scripts/gpu/gpu-tests.sh [xunit options, e.g. -method "*Half_precision*"]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-.}
log=$out/cuda-tests.log
{
  nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv || true
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' || true
} 2>&1 | tee "$log"
# The 2-rank NCCL test needs 2 GPUs: with fewer it is left out by its trait, saying so, rather than failed by -failSkips.
gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
only=()
if [ "${gpus:-0}" -lt 2 ]; then
  echo "gpu-tests.sh: ${gpus:-0} GPU(s): leaving out the tests that need 2 (trait gpus=2: NCCL with 2 ranks)" | tee -a "$log"
  only=(-trait- "gpus=2")
fi
set +e
# -failSkips: on this machine a skipped CUDA test is a failure.
"$repo/.gpu/bundle/run.sh" MtSnn.Gpu.Tests.dll -noColor -showLiveOutput -reporter verbose -failSkips \
  -result-xml "$out/gpu-tests.xml" "${only[@]}" "$@" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
exit "$rc"
