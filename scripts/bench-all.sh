#!/usr/bin/env bash
# Every CPU measurement quoted in docs/benchmarks.md, in one run (about 15 minutes on 2 cores).
# Usage: scripts/bench-all.sh [OUT_DIR]     needs Fashion-MNIST (../shared/data/fashion-mnist or MTSNN_FASHION)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/bench}; mkdir -p "$out"
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}
dotnet build src/MtSnn.Cli -c Release >/dev/null
mtsnn() { dotnet src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll "$@"; }
echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== demo"; ( time mtsnn demo --out "$out/demo" ) 2>&1 | tail -25
echo "== neuron kernels"; mtsnn bench neuron --device cpu --json "$out/bench-neuron.json"
echo "== end-to-end training (reference vs fused)"; scripts/bench-training.sh 20 "$out/bench-training.md"
echo "== deployment: digits"
mtsnn train --dataset digits --model digits-cnn --epochs 12 --mode cascade --levels 4 --optimizer adam --lr 5e-3 --out "$out/digits" >/dev/null
mtsnn export "$out/digits/best.ckpt" -o "$out/digits.mtsnn"
mtsnn infer "$out/digits.mtsnn" --dataset digits --reference "$out/digits/best.ckpt" --compare-torch --json "$out/infer-digits.json" | tail -3
mtsnn infer "$out/digits.mtsnn" --dataset digits --integer --json "$out/infer-digits-int.json" | tail -1
mtsnn energy "$out/digits/best.ckpt" --dataset digits --out "$out/energy-digits" | tail -4
echo "== deployment: Fashion-MNIST plif-net, T = 1, one epoch"
mtsnn train --dataset fashion-mnist --data "$data" --model plif-net --dynamics plif --mode cascade --levels 4 --T 1 --epochs 1 \
  --batch-size 128 --optimizer adam --lr 1e-3 --loss mse --out "$out/fm" | tail -2
mtsnn export "$out/fm/best.ckpt" -o "$out/fm.mtsnn"
mtsnn infer "$out/fm.mtsnn" --dataset fashion-mnist --data "$data" --reference "$out/fm/best.ckpt" --compare-torch --json "$out/infer-fm.json" | tail -3
mtsnn infer "$out/fm.mtsnn" --dataset fashion-mnist --data "$data" --integer --json "$out/infer-fm-int.json" | tail -1
mtsnn energy "$out/fm/best.ckpt" --dataset fashion-mnist --data "$data" --limit 500 --out "$out/energy-fm" | tail -4
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
