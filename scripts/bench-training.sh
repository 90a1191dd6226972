#!/usr/bin/env bash
# End-to-end training speed of the PLIF net on Fashion-MNIST (CPU), composed reference neuron vs fused kernel, in one
# run: img/s of the training epoch (--max-batches batches of 128) and the process's peak memory (max RSS).
# Usage: scripts/bench-training.sh [BATCHES] [OUT.md]      (Fashion-MNIST from ../shared/data or MTSNN_FASHION)
set -euo pipefail
cd "$(dirname "$0")/.."
batches=${1:-20}; out=${2:-out/bench-training.md}
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}
dotnet build src/MtSnn.Cli -c Release >/dev/null
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
{
echo "| neuron | T | backend | train img/s | peak RSS (MB) |"
echo "|---|---:|---|---:|---:|"
for neuron in "single" "cascade --levels 4"; do
  for T in 1 4; do
    for backend in reference auto; do
      MTSNN_NEURON_BACKEND=$backend /usr/bin/time -f "%M" -o "$tmp/rss" \
        dotnet src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll train --dataset fashion-mnist --data "$data" \
        --model plif-net --dynamics plif --mode $neuron --T "$T" --epochs 1 --max-batches "$batches" --batch-size 128 \
        --optimizer adam --lr 1e-3 --loss mse --workers 1 --out "$tmp/run" >/dev/null 2>&1
      ips=$(python3 -c "import json;print(round(json.load(open('$tmp/run/summary.json'))['img_per_s'],1))")
      rss=$(( $(cat "$tmp/rss") / 1024 ))
      name=$([ "$backend" = auto ] && echo fused || echo reference)
      echo "| ${neuron%% *}$( [ "${neuron%% *}" = cascade ] && echo ' K=4') | $T | $name | $ips | $rss |"
      rm -rf "$tmp/run"
    done
  done
done
} | tee "$out"
rm -rf "$tmp"
