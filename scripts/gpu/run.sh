#!/usr/bin/env bash
# Runs an app of the GPU bundle (made by scripts/gpu/bundle.sh, which copies this file to .gpu/bundle/run.sh) against
# this machine's PyTorch libtorch; no .NET install needed.
#
# usage: .gpu/bundle/run.sh APP.dll [args...]     APP: MtSnn.Cli.dll or MtSnn.Gpu.Tests.dll
#        .gpu/bundle/run.sh --prepare             only unpack (runtime, app, data) and print the paths
#
# Once per machine (again only when the bundle's MANIFEST changes) it unpacks the .NET runtime and the app folder under
# $MTSNN_GPU_ROOT (default /tmp/mtsnn-gpu) and the Fashion-MNIST IDX files next to the bundle (../data/*.xz) into
# $MTSNN_FASHION_DIR (default /tmp/fashion-mnist). It then finds PyTorch's site-packages with python3 (or takes
# $MTSNN_TORCH_SITE), points MTSNN_LIBTORCH at torch/lib and LD_LIBRARY_PATH at torch/lib and every nvidia/*/lib
# (NVRTC, cuBLAS, ...), and runs `dotnet APP.dll args...` from the unpacked runtime.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${MTSNN_GPU_ROOT:-/tmp/mtsnn-gpu}
fashion=${MTSNN_FASHION_DIR:-/tmp/fashion-mnist}
manifest=$here/MANIFEST
[ -f "$manifest" ] || { echo "run.sh: $manifest missing (build the bundle with scripts/gpu/bundle.sh)" >&2; exit 1; }

# unpack ID DEST CMD...: runs CMD (which fills $tmp) unless DEST/.bundle-id already says ID; then DEST <- $tmp atomically.
unpack() {
  local id=$1 dest=$2; shift 2
  [ "$(cat "$dest/.bundle-id" 2>/dev/null)" = "$id" ] && return 0
  local t0; t0=$(date +%s.%N)
  mkdir -p "$(dirname "$dest")"
  tmp=$(mktemp -d "$dest.XXXXXX")
  "$@"
  echo "$id" > "$tmp/.bundle-id"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "run.sh: unpacked $dest in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s" >&2
}
sum() { awk -v f="$1" '$2 == f {print $1}' "$manifest"; }
untar() { local a=$1; shift; tar -xJf "$a" -C "$tmp" "$@"; }
unxz_data() {
  local f p pids=()
  for f in "$here"/../data/*.xz; do xz -dc "$f" > "$tmp/$(basename "$f" .xz)" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p"; done
}

unpack "$(sum bundle/dotnet-rt.tar.xz)" "$root/dotnet" untar "$here/dotnet-rt.tar.xz"
unpack "$(sum bundle/app.tar.xz)" "$root/app" untar "$here/app.tar.xz" --strip-components=1
if compgen -G "$here/../data/*.xz" >/dev/null; then
  unpack "$(grep ' data/' "$manifest" | sha256sum | cut -c1-64)" "$fashion" unxz_data
fi
rt=$root/dotnet
app_dir=$root/app
if [ "${1:-}" = "--prepare" ]; then
  echo "runtime: $rt"; echo "apps: $app_dir ($(cd "$app_dir" && ls *.runtimeconfig.json | sed 's/.runtimeconfig.json/.dll/' | tr '\n' ' '))"
  [ -d "$fashion" ] && echo "fashion-mnist: $fashion"
  exit 0
fi
app=${1:?usage: run.sh APP.dll [args...] | run.sh --prepare}
shift
[ -f "$app_dir/$app" ] || { echo "run.sh: no $app in the bundle (have: $(cd "$app_dir" && ls *.runtimeconfig.json | sed 's/.runtimeconfig.json/.dll/' | tr '\n' ' '))" >&2; exit 1; }

sp=${MTSNN_TORCH_SITE:-}
if [ -z "$sp" ]; then
  sp=$(python3 -c "import torch,os;print(os.path.dirname(os.path.dirname(torch.__file__)))") \
    || { echo "run.sh: python3 cannot import torch (set MTSNN_TORCH_SITE to the site-packages folder that holds torch/lib)" >&2; exit 1; }
fi
nv=$(find "$sp/nvidia" -name '*.so*' -printf '%h\n' 2>/dev/null | sort -u | tr '\n' ':')
export DOTNET_ROOT=$rt MTSNN_LIBTORCH=$sp/torch/lib LD_LIBRARY_PATH=$sp/torch/lib:$nv${LD_LIBRARY_PATH:-}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec "$rt/dotnet" "$app_dir/$app" "$@"
