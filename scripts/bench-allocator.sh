#!/usr/bin/env bash
# CPU training speed and peak memory of the PLIF net (cascade K = 4) on Fashion-MNIST under allocator policies, A/B
# interleaved: each round runs every policy once at T = 1 and at T = 4, in rotating order. POLICIES (default
# "baseline default capped-hp retain") names them; the first is what the ratios are to:
#   baseline  the default before issue 15: glibc's allocator untouched, no huge pages (MTSNN_MALLOC=system MTSNN_HUGEPAGES=off)
#   default   the library's default today (neither variable set: cache on Linux x64, no huge pages)
#   MODE[:CAP][+hp|-hp]  MTSNN_MALLOC=MODE (system, capped, retain, cache), MTSNN_MALLOC_CAP=CAP, MTSNN_HUGEPAGES on (+hp) or
#             off (-hp); without a suffix the huge-page default
# Per run: the epoch's img/s (summary.json), the peak RSS (/usr/bin/time %M), the minor page faults (%R) and the 1-minute
# load average before and after. Writes JSON (runs + medians + ratios to the first policy).
# Usage: scripts/bench-allocator.sh [ROUNDS] [BATCHES_T1] [BATCHES_T4] [OUT.json]
#   CLI=path/to/MtSnn.Cli.dll (default: a Release build of src/MtSnn.Cli); MTSNN_FASHION: the data folder.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}; b1=${2:-30}; b4=${3:-12}; out=${4:-docs/results/bench-allocator.json}
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}
if [ -z "${CLI:-}" ]; then dotnet build src/MtSnn.Cli -c Release >/dev/null; CLI=src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
runs="$tmp/runs.jsonl"; : > "$runs"
copy_gbps() {   # the machine's copy bandwidth now (read + write, GB/s), from mtsnn bench neuron's own measurement
  dotnet "$CLI" bench neuron --no-reference --repeats 3 -N 65536 --json "$tmp/copy.json" >/dev/null 2>&1 \
    && /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["copy_gbps"])' "$tmp/copy.json"
}
copy_before=$(copy_gbps)
read -r -a policies <<< "${POLICIES:-baseline default capped-hp retain}"; n=${#policies[@]}
for ((r = 0; r < rounds; r++)); do
  for T in 1 4; do
    b=$([ "$T" = 1 ] && echo "$b1" || echo "$b4")
    for ((k = 0; k < n; k++)); do
      p=${policies[$(( (k + r) % n ))]}
      case $p in
        baseline) mode=system; cap=; hp=off ;;
        default) mode=; cap=; hp= ;;
        *) hp=; case $p in *+hp) hp=on ;; *-hp) hp=off ;; esac
           spec=${p%+hp}; spec=${spec%-hp}; mode=${spec%%:*}; cap=${spec#*:}; [ "$cap" = "$spec" ] && cap= ;;
      esac
      l0=$(cut -d' ' -f1 /proc/loadavg)
      MTSNN_MALLOC=$mode MTSNN_MALLOC_CAP=$cap MTSNN_HUGEPAGES=$hp /usr/bin/time -f "%M %R" -o "$tmp/rss" nice -n 10 dotnet "$CLI" train --dataset fashion-mnist \
        --data "$data" --model plif-net --dynamics plif --mode cascade --levels 4 -T "$T" --epochs 1 --max-batches "$b" \
        --batch-size 128 --optimizer adam --lr 1e-3 --loss mse --workers 1 --seed 0 --quiet --out "$tmp/run" >"$tmp/log" 2>&1 \
        || { echo "run failed: $p T=$T"; cat "$tmp/log"; exit 1; }
      l1=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/python3 - "$tmp/run/summary.json" "$tmp/rss" "$p" "$T" "$b" "$r" "$l0" "$l1" >> "$runs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); rss_kb, faults = map(int, open(sys.argv[2]).read().split()[-2:])
print(json.dumps({"policy": sys.argv[3], "T": int(sys.argv[4]), "batches": int(sys.argv[5]), "round": int(sys.argv[6]),
  "img_per_s": s["img_per_s"], "peak_rss_mb": round(rss_kb / 1024), "minor_faults": faults, "load_before": float(sys.argv[7]), "load_after": float(sys.argv[8]), "allocator": s.get("allocator"), "huge_pages": s.get("huge_pages")}))
PY
      tail -1 "$runs"
      rm -rf "$tmp/run"
    done
  done
done
copy_after=$(copy_gbps)
mkdir -p "$(dirname "$out")"
/usr/bin/python3 - "$runs" "$out" "$(nproc)" "$copy_before" "$copy_after" "${policies[@]}" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
pols = sys.argv[6:]
med = {}
for T in (1, 4):
    for p in pols:
        rs = [r for r in runs if r["T"] == T and r["policy"] == p]
        med[f"{p} T={T}"] = {"img_per_s": statistics.median(r["img_per_s"] for r in rs), "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs),
                             "minor_faults": statistics.median(r["minor_faults"] for r in rs), "runs": len(rs)}
base = pols[0]
ratios = {f"{p} T={T}": {"img_per_s": med[f"{p} T={T}"]["img_per_s"] / med[f"{base} T={T}"]["img_per_s"],
                          "peak_rss": med[f"{p} T={T}"]["peak_rss_mb"] / med[f"{base} T={T}"]["peak_rss_mb"]}
          for T in (1, 4) for p in pols if p != base}
loads = [r[k] for r in runs for k in ("load_before", "load_after")]
doc = {"what": "plif-net cascade K=4, Fashion-MNIST, batch 128, 1 epoch of --max-batches, A/B interleaved", "cores": int(sys.argv[3]),
       "copy_gbps": {"before": float(sys.argv[4]), "after": float(sys.argv[5])},
       "load_average_1min": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
       "median": med, "ratio_to": base, "ratio": ratios, "runs": runs}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
print(json.dumps({"median": med, "ratio_to": base, "ratio": ratios, "load": doc["load_average_1min"]}, indent=1))
PY
