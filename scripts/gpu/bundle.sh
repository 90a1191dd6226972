#!/usr/bin/env bash
# Builds the GPU bundle: everything a CUDA machine with PyTorch (its CUDA libtorch) but WITHOUT .NET needs to run the
# mtsnn CLI and the GPU test app (tests/MtSnn.Gpu.Tests), plus Fashion-MNIST. Self-contained: needs only the .NET SDK,
# xz, tar and gzip here. The bundle borrows libtorch from the machine's PyTorch at run time (MTSNN_LIBTORCH, see
# src/MtSnn/Native/TorchRuntime.cs); TorchSharp 0.107 (libtorch 2.10) was seen to run that way on PyTorch 2.11 + CUDA 13.
#
# usage: scripts/gpu/bundle.sh            (from anywhere; writes into the repository)
# env:   MTSNN_FASHION   folder with the four Fashion-MNIST .gz IDX files (default ../shared/data/fashion-mnist)
#        MTSNN_GPU_LIMIT_MIB  size limit of .gpu + the files git would carry (default 60)
#
# Writes (ignored by git, /.gpu/):
#   .gpu/bundle/dotnet-rt.tar.xz   the .NET runtime (dotnet host + Microsoft.NETCore.App), xz -9e
#   .gpu/bundle/app.tar.xz         ONE app folder holding MtSnn.Cli.dll and MtSnn.Gpu.Tests.dll (shared dependencies,
#                                  each app its own deps.json/runtimeconfig.json), without libtorch/libc10/libgomp
#   .gpu/bundle/run.sh             run.sh APP.dll [args...] | run.sh --prepare   (see its header)
#   .gpu/bundle/MANIFEST           sha256 of each archive: run.sh unpacks again only when they changed
#   .gpu/data/*.xz                 the raw Fashion-MNIST IDX files, xz -9e (run.sh unpacks them to /tmp/fashion-mnist)
# On the device (the .gpu folder must travel with the tree, e.g. carry [".gpu"]):
#   .gpu/bundle/run.sh MtSnn.Gpu.Tests.dll -noColor -showLiveOutput -reporter verbose -result-xml $OUT/gpu-tests.xml
#   .gpu/bundle/run.sh MtSnn.Cli.dll train --data /tmp/fashion-mnist ...
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
gpu=.gpu
bundle=$gpu/bundle
datadir=$gpu/data
fashion=${MTSNN_FASHION:-$repo/../shared/data/fashion-mnist}
limit_mib=${MTSNN_GPU_LIMIT_MIB:-60}
apps=(src/MtSnn.Cli/MtSnn.Cli.csproj tests/MtSnn.Gpu.Tests/MtSnn.Gpu.Tests.csproj)
idx=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
for tool in dotnet xz tar gzip sha256sum; do command -v "$tool" >/dev/null || { echo "bundle.sh: $tool is not on PATH" >&2; exit 1; }; done
for f in "${idx[@]}"; do
  [ -f "$fashion/$f.gz" ] || { echo "bundle.sh: $fashion/$f.gz not found (set MTSNN_FASHION to the folder with the four Fashion-MNIST .gz files)" >&2; exit 1; }
done
mkdir -p "$bundle" "$datadir"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Keeps the linux-x64 natives only, and of TorchSharp's only its shim (libLibTorchSharp.so): libtorch comes from the
# CUDA machine's PyTorch. Drops what the self-executing test app never loads: Microsoft.CodeCoverage's content folders
# (not in any deps.json) and XML docs.
strip_app() {
  local d=$1
  find "$d/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} + 2>/dev/null || true
  local n
  for n in "$d" "$d/runtimes/linux-x64/native"; do
    [ -d "$n" ] || continue
    find "$n" -maxdepth 1 -type f \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' \
         -o -name 'libshm.so' -o -name 'lib*backend*.so' -o -name 'libaoti*.so' -o -name 'libnnapi*.so' \) -delete
  done
  rm -rf "$d/cpu" "$d/CodeCoverage" "$d/alpine" "$d/arm64" "$d/macos" "$d/ubuntu" "$d/x64" "$d/x86"
  rm -f "$d"/Microsoft.CodeCoverage.props "$d"/Microsoft.CodeCoverage.targets "$d"/*.xml
}

# 1. Each app published alone, then merged into one folder; a file both carry must be byte-identical.
mkdir -p "$stage/app"
for proj in "${apps[@]}"; do
  name=$(basename "$proj" .csproj)
  echo "publishing $name" >&2
  # xunit v3 test apps must build an app host; the CLI needs none (both are run as `dotnet X.dll`).
  host=false; [[ $name == *Tests ]] && host=true
  dotnet publish "$proj" -c Release -o "$stage/$name" -p:UseAppHost=$host -nologo -v q >"$stage/$name.log" 2>&1 \
    || { cat "$stage/$name.log" >&2; exit 1; }
  strip_app "$stage/$name"
  (cd "$stage/$name" && find . -type f) | while IFS= read -r f; do
    if [ -e "$stage/app/$f" ]; then
      cmp -s "$stage/$name/$f" "$stage/app/$f" || { echo "bundle.sh: both apps carry $f and the copies differ; they cannot share one folder" >&2; exit 1; }
    else
      mkdir -p "$(dirname "$stage/app/$f")"
      cp -p "$stage/$name/$f" "$stage/app/$f"
    fi
  done
done
if find "$stage/app" -name 'libtorch*' -o -name 'libc10*' | grep -q .; then echo "bundle.sh: libtorch left in the app folder" >&2; exit 1; fi
echo "packing app ($(du -sh "$stage/app" | cut -f1))" >&2
tar -C "$stage" --owner=0 --group=0 --sort=name -cf - app | xz -9e -T2 > "$stage/app.tar.xz"
mv "$stage/app.tar.xz" "$bundle/app.tar.xz"

# 2. The .NET runtime: the muxer, hostfxr and Microsoft.NETCore.App of this SDK's newest runtime (kept when unchanged),
# less the natives only debuggers, crash dumps, LTTng tracing and the standalone GCs (DOTNET_GCName) load (1.6 MiB xz).
droot=$(dirname "$(readlink -f "$(command -v dotnet)")")
ver=$(dotnet --list-runtimes | awk '/^Microsoft.NETCore.App /{v=$2} END{print v}')
fxr=$(ls "$droot/host/fxr" | sort -V | tail -1)
skip=(createdump libmscordaccore.so libmscordbi.so libcoreclrtraceptprovider.so libclrgc.so libclrgcexp.so)
rtid="dotnet-runtime $ver hostfxr $fxr without ${skip[*]}"
if [ ! -f "$bundle/dotnet-rt.tar.xz" ] || [ "$(cat "$bundle/dotnet-rt.id" 2>/dev/null)" != "$rtid" ]; then
  echo "packing .NET runtime $ver (xz -9e, about a minute)" >&2
  extra=(); for f in LICENSE.txt ThirdPartyNotices.txt; do [ -f "$droot/$f" ] && extra+=("$f"); done
  tar -C "$droot" --owner=0 --group=0 --sort=name "${skip[@]/#/--exclude=shared/Microsoft.NETCore.App/$ver/}" -cf - dotnet "host/fxr/$fxr" "shared/Microsoft.NETCore.App/$ver" "${extra[@]}" \
    | xz -9e -T2 > "$stage/dotnet-rt.tar.xz"
  mv "$stage/dotnet-rt.tar.xz" "$bundle/dotnet-rt.tar.xz"
  echo "$rtid" > "$bundle/dotnet-rt.id"
fi

# 3. Fashion-MNIST as raw IDX files, xz -9e (smaller than the .gz; kept when newer than the source).
for f in "${idx[@]}"; do
  if [ ! -f "$datadir/$f.xz" ] || [ "$fashion/$f.gz" -nt "$datadir/$f.xz" ]; then
    echo "compressing $f" >&2
    gzip -dc "$fashion/$f.gz" | xz -9e -T2 > "$stage/$f.xz"
    mv "$stage/$f.xz" "$datadir/$f.xz"
  fi
done

# 4. The runner and the manifest it checks.
cp scripts/gpu/run.sh "$bundle/run.sh"
chmod +x "$bundle/run.sh"
(cd "$gpu" && sha256sum bundle/app.tar.xz bundle/dotnet-rt.tar.xz data/*.xz) > "$bundle/MANIFEST"

# 5. Sizes, and the limit on what travels: .gpu plus the files git would carry (tracked, or untracked and not ignored).
du -b "$bundle"/* "$datadir"/* | awk '{printf "%8.2f MiB  %s\n", $1/1048576, $2}' >&2
gpu_bytes=$(du -sb "$gpu" | cut -f1)
tree_bytes=$(git ls-files -z -co --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s+=$1} END{print s+0}')
awk -v g="$gpu_bytes" -v t="$tree_bytes" -v l="$limit_mib" 'BEGIN{
  printf "total: .gpu %.2f MiB + repository files %.2f MiB = %.2f MiB (limit %d MiB)\n", g/1048576, t/1048576, (g+t)/1048576, l
  exit (g + t > l * 1048576) ? 1 : 0 }' \
  || { echo "bundle.sh: over the ${limit_mib} MiB limit" >&2; exit 1; }
