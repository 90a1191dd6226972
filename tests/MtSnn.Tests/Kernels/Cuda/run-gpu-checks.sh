#!/usr/bin/env bash
# GPU checks of the CUDA neuron kernel (src/MtSnn/Kernels/Cuda). Run from the repository root on a machine with an
# NVIDIA driver, the .NET 10 SDK and a CUDA build of PyTorch 2.10 (the libtorch TorchSharp 0.107 binds to); NVRTC is
# taken from PyTorch's nvidia-cuda-nvrtc wheel next to torch (or MTSNN_LIBTORCH's folder, or LD_LIBRARY_PATH).
# Writes cuda-tests.log (test results, skip reasons, timings) to $OUT (or the current folder).
set -euo pipefail
out=${OUT:-.}
if [ -z "${MTSNN_LIBTORCH:-}" ]; then
  MTSNN_LIBTORCH=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
fi
export MTSNN_LIBTORCH
{
  nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv || true
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' || true
  echo "MTSNN_LIBTORCH=$MTSNN_LIBTORCH"
} 2>&1 | tee "$out/cuda-tests.log"
dotnet build tests/MtSnn.Tests -c Release 2>&1 | tail -3 | tee -a "$out/cuda-tests.log"
# Every test of the area: the CPU emulation (needs g++), the run-time binding, and the GPU tests (CudaFact/CudaTheory:
# they must say Passed here, not Skipped). Report_timings prints the forward+backward medians (T = 8, N = 2^22).
dotnet test tests/MtSnn.Tests -c Release --no-build --filter "FullyQualifiedName~MtSnn.Tests.Kernels" \
  --logger "console;verbosity=detailed" 2>&1 | tee -a "$out/cuda-tests.log" | grep -E "Passed|Failed|Skipped|median|Error" || true
