#!/usr/bin/env bash
# The DVS recipe on emulated neuromorphic Fashion-MNIST (no DVS recording can be downloaded here):
# emulate event streams (N-MNIST style, three saccades), then train T = 10 single vs cascade K = 4 with the same
# seed, model and epochs (frames binned 34 -> 17 px to keep it to minutes on 2 CPU cores). Usage: scripts/dvs-recipe.sh [OUT_DIR] [LIMIT_PER_SPLIT] [EPOCHS]
# For the real CIFAR10-DVS: mtsnn train --dataset cifar10-dvs --data DIR --model vgg11 --T 10 --mode cascade --levels 4 ...
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/dvs-recipe}; limit=${2:-3000}; epochs=${3:-3}
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}
dotnet build src/MtSnn.Cli -c Release >/dev/null
mtsnn() { dotnet src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll "$@"; }
mtsnn dvs-emulate --dataset fashion-mnist --data "$data" --out "$out/events" --limit "$limit"
common=(--dataset nmnist --data "$out/events" --model digits-cnn --T 10 --frame-size 17 --epochs "$epochs" --batch-size 64
        --optimizer adam --lr 1e-3 --schedule cosine --dynamics lif --seed 0 --augment)
mtsnn train "${common[@]}" --mode single --out "$out/single"
mtsnn train "${common[@]}" --mode cascade --levels 4 --preset pow2 --out "$out/cascade-k4"
for r in single cascade-k4; do
  python3 - "$out/$r/summary.json" "$r" <<'PY' 2>/dev/null || grep -E '"(best_test_acc|final_test_acc|img_per_s)"' "$out/$r/summary.json"
import json,sys; s=json.load(open(sys.argv[1])); print(sys.argv[2], {k: s.get(k) for k in ("best_test_acc","final_test_acc","img_per_s")})
PY
done
