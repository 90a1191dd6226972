#!/usr/bin/env bash
# CPU training speed and peak memory of the PLIF net (cascade K = 4) on Fashion-MNIST under the three allocator
# policies, A/B interleaved: each round runs every policy once at T = 1 and at T = 4, in rotating order. POLICIES
# (default "system capped retain") names them: system (today's glibc default), capped (the default, its cap from the
# memory), capped:SIZE (MTSNN_MALLOC_CAP=SIZE), retain (uncapped). Per run: the epoch's img/s (summary.json), the peak RSS
# (/usr/bin/time %M) and the 1-minute load average before and after. Writes JSON (runs + medians + ratios to system).
# Usage: scripts/bench-allocator.sh [ROUNDS] [BATCHES_T1] [BATCHES_T4] [OUT.json]
#   CLI=path/to/MtSnn.Cli.dll (default: a Release build of src/MtSnn.Cli); MTSNN_FASHION: the data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; b1=${2:-30}; b4=${3:-12}; out=${4:-docs/results/bench-allocator.json}
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}
if [ -z "${CLI:-}" ]; then dotnet build src/MtSnn.Cli -c Release >/dev/null; CLI=src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
runs="$tmp/runs.jsonl"; : > "$runs"
read -r -a policies <<< "${POLICIES:-system capped retain}"; n=${#policies[@]}
for ((r = 0; r < rounds; r++)); do
  for T in 1 4; do
    b=$([ "$T" = 1 ] && echo "$b1" || echo "$b4")
    for ((k = 0; k < n; k++)); do
      p=${policies[$(( (k + r) % n ))]}; mode=${p%%:*}; cap=${p#*:}; [ "$cap" = "$p" ] && cap=
      l0=$(cut -d' ' -f1 /proc/loadavg)
      MTSNN_MALLOC=$mode MTSNN_MALLOC_CAP=$cap /usr/bin/time -f "%M" -o "$tmp/rss" nice -n 10 dotnet "$CLI" train --dataset fashion-mnist \
        --data "$data" --model plif-net --dynamics plif --mode cascade --levels 4 -T "$T" --epochs 1 --max-batches "$b" \
        --batch-size 128 --optimizer adam --lr 1e-3 --loss mse --workers 1 --seed 0 --quiet --out "$tmp/run" >"$tmp/log" 2>&1 \
        || { echo "run failed: $p T=$T"; cat "$tmp/log"; exit 1; }
      l1=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/python3 - "$tmp/run/summary.json" "$tmp/rss" "$p" "$T" "$b" "$r" "$l0" "$l1" >> "$runs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); rss_kb = int(open(sys.argv[2]).read().split()[-1])
print(json.dumps({"policy": sys.argv[3], "T": int(sys.argv[4]), "batches": int(sys.argv[5]), "round": int(sys.argv[6]),
  "img_per_s": s["img_per_s"], "peak_rss_mb": round(rss_kb / 1024), "load_before": float(sys.argv[7]), "load_after": float(sys.argv[8]), "allocator": s.get("allocator")}))
PY
      tail -1 "$runs"
      rm -rf "$tmp/run"
    done
  done
done
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$runs" "$out" "$(nproc)" "${policies[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
pols = sys.argv[4:]
med = {}
for T in (1, 4):
    for p in pols:
        rs = [r for r in runs if r["T"] == T and r["policy"] == p]
        med[f"{p} T={T}"] = {"img_per_s": statistics.median(r["img_per_s"] for r in rs), "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs), "runs": len(rs)}
ratios = {f"{p} T={T}": {"img_per_s": med[f"{p} T={T}"]["img_per_s"] / med[f"system T={T}"]["img_per_s"],
                          "peak_rss": med[f"{p} T={T}"]["peak_rss_mb"] / med[f"system T={T}"]["peak_rss_mb"]}
          for T in (1, 4) for p in pols if p != "system"}
loads = [r[k] for r in runs for k in ("load_before", "load_after")]
doc = {"what": "plif-net cascade K=4, Fashion-MNIST, batch 128, 1 epoch of --max-batches, A/B interleaved", "cores": int(sys.argv[3]),
       "load_average_1min": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
       "median": med, "ratio_to_system": ratios, "runs": runs}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print(json.dumps({"median": med, "ratio_to_system": ratios, "load": doc["load_average_1min"]}, indent=1))
PY
