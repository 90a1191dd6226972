#!/usr/bin/env bash
# Data-parallel training on CPU ranks (issue 13): plif-net on Fashion-MNIST at the same global batch, 1 rank x 2
# threads vs 2 ranks x 1 thread (mpirun), interleaved A/B REPEATS times. Per run: train img/s of the epoch
# (--max-batches steps) and, for 2 ranks, rank 0's allreduce seconds per step (the rest of the step is compute).
# Writes OUT.json (every run, the medians, the load average before and after).
# Usage: scripts/bench-data-parallel.sh [STEPS] [REPEATS] [OUT.json]   (Fashion-MNIST from ../shared/data or MTSNN_FASHION)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-6}; repeats=${2:-3}; out=${3:-docs/results/data-parallel-cpu.json}
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}
global=64; T=2
dll=src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll
[ -f "$dll" ] || dotnet build src/MtSnn.Cli -c Release >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader,tcp
tmp=$(mktemp -d)
common=(train --dataset fashion-mnist --data "$data" --model plif-net --dynamics plif --mode cascade --levels 4 --T $T
  --epochs 1 --max-batches "$steps" --optimizer sgd --lr 0.05 --schedule constant --workers 1 --seed 1)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$tmp/runs"
for i in $(seq 1 "$repeats"); do
  dotnet "$dll" "${common[@]}" --batch-size $global --threads 2 --out "$tmp/one" > "$tmp/one.txt" 2>&1
  echo "one $i $tmp/one.txt $tmp/one/summary.json" >> "$tmp/runs"
  mv "$tmp/one" "$tmp/one-$i"; sed -i "s#$tmp/one/summary.json#$tmp/one-$i/summary.json#" "$tmp/runs"
  mpirun --oversubscribe --bind-to none -np 2 dotnet "$dll" "${common[@]}" --batch-size $((global / 2)) --threads 1 --out "$tmp/two" > "$tmp/two-$i.txt" 2>&1
  echo "two $i $tmp/two-$i.txt $tmp/two-$i/summary.json" >> "$tmp/runs"
  mv "$tmp/two" "$tmp/two-$i"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 - "$tmp/runs" "$out" "$load_before" "$load_after" "$steps" "$global" "$T" <<'PY'
import json, re, statistics, sys, os
runs_file, out, lb, la, steps, glob, T = sys.argv[1:]
runs = []
for line in open(runs_file):
    kind, i, txt, summary = line.split()
    s = json.load(open(summary))
    r = {"config": "1 rank x 2 threads" if kind == "one" else "2 ranks x 1 thread", "repeat": int(i),
         "img_per_s": s["img_per_s"], "train_seconds": s.get("train_seconds")}
    m = re.search(r"allreduce: (\d+) bytes per step in (\d+) buckets, ([0-9.]+) s in (\d+) steps", open(txt).read())
    if m:
        r["allreduce_bytes_per_step"] = int(m.group(1)); r["buckets"] = int(m.group(2))
        r["allreduce_s_per_step"] = float(m.group(3)) / int(m.group(4))
    runs.append(r)
def med(cfg, key):
    v = [r[key] for r in runs if r["config"] == cfg and r.get(key) is not None]
    return statistics.median(v) if v else None
summary = {}
for cfg in ("1 rank x 2 threads", "2 ranks x 1 thread"):
    ips = med(cfg, "img_per_s")
    d = {"median_img_per_s": ips, "step_s": int(glob) / ips if ips else None}
    ar = med(cfg, "allreduce_s_per_step")
    if ar is not None:
        d["allreduce_s_per_step"] = ar; d["compute_s_per_step"] = d["step_s"] - ar
        d["allreduce_GB_per_s"] = runs[-1]["allreduce_bytes_per_step"] / ar / 1e9
    summary[cfg] = d
doc = {"what": "plif-net (PLIF, cascade K=4, T=%s) on Fashion-MNIST, global batch %s, %s steps per run, CPU, interleaved A/B" % (T, glob, steps),
       "load_average_before": lb, "load_average_after": la, "runs": runs, "medians": summary,
       "speedup_2x1_over_1x2": summary["2 ranks x 1 thread"]["median_img_per_s"] / summary["1 rank x 2 threads"]["median_img_per_s"]}
tmp = out + ".tmp"
with open(tmp, "w") as f: json.dump(doc, f, indent=2); f.write("\n")
os.replace(tmp, out)
print(json.dumps(summary, indent=2)); print("speedup", doc["speedup_2x1_over_1x2"], "load", lb, "->", la)
PY
rm -rf "$tmp"
