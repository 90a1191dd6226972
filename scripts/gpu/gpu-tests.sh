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
set +e
# -failSkips: on this machine a skipped CUDA test is a failure.
"$repo/.gpu/bundle/run.sh" MtSnn.Gpu.Tests.dll -noColor -showLiveOutput -reporter verbose -failSkips \
  -result-xml "$out/gpu-tests.xml" "$@" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
exit "$rc"
