#!/usr/bin/env bash
# Makes a stand-in for PyTorch's site-packages on a machine without PyTorch or a GPU, for checking the GPU bundle here:
# DIR/site-packages/torch/lib holds the CPU libtorch of the NuGet cache, DIR/bin/python3 prints DIR/site-packages (the one
# question run.sh asks python3), and DIR/bin/dotnet fails loudly so nothing can fall back to the SDK.
# usage: scripts/gpu/fake-torch-site.sh DIR      then: PATH=DIR/bin:$PATH (or MTSNN_TORCH_SITE=DIR/site-packages)
set -euo pipefail
dir=${1:?usage: fake-torch-site.sh DIR}
native=$(ls -d "$HOME"/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | sort -V | tail -1)
[ -n "$native" ] || { echo "fake-torch-site: no libtorch-cpu-linux-x64 in the NuGet cache (dotnet restore first)" >&2; exit 1; }
fakesp=$dir/site-packages
mkdir -p "$fakesp/torch/lib" "$fakesp/nvidia/cuda_nvrtc/lib" "$dir/bin"
# hard links where the file system allows (doctor then names the fake folder), else symbolic links
for f in "$native"/*; do ln -f "$f" "$fakesp/torch/lib/" 2>/dev/null || ln -sf "$f" "$fakesp/torch/lib/"; done
printf '#!/bin/sh\necho %s\n' "$fakesp" > "$dir/bin/python3"
printf '#!/bin/sh\necho "selftest: the SDK dotnet was called: $*" >&2\nexit 97\n' > "$dir/bin/dotnet"
chmod +x "$dir/bin/python3" "$dir/bin/dotnet"
