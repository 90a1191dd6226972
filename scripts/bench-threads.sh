#!/usr/bin/env bash
# Training throughput on a busy machine: the thread policy of today (libtorch's threads = all cores, libgomp's
# spinning barrier wait: OMP_WAIT_POLICY set empty, --threads = cores) vs the default policy (ThreadPolicy: passive
# wait, intra-op = cores - loader threads), each with the machine as it is ("quiet") and with one competing busy
# process. Interleaved (policy x load inside each repetition), median of REPS; every run (and the competitor) under
# nice 19 so the other work on a shared machine keeps its share. Writes OUT.json with every run and the load averages.
# Usage: scripts/bench-threads.sh [REPS] [OUT.json]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}; out=${2:-docs/results/bench-threads.json}
dotnet build src/MtSnn.Cli -c Release >/dev/null
cli=src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll
cores=$(nproc)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
runs="$tmp/runs.jsonl"; : > "$runs"
one() {  # policy load rep
  local policy=$1 load=$2 rep=$3 busy=""
  if [ "$load" = busy ]; then nice -n 19 sh -c 'while :; do :; done' & busy=$!; sleep 1; fi
  local la; la=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$policy" = old ]; then
    OMP_WAIT_POLICY= nice -n 19 dotnet "$cli" train --epochs 1 --threads "$cores" --out "$tmp/run" >/dev/null 2>&1
  else
    nice -n 19 dotnet "$cli" train --epochs 1 --out "$tmp/run" >/dev/null 2>&1
  fi
  [ -n "$busy" ] && kill "$busy"
  python3 -c "import json,sys;s=json.load(open('$tmp/run/summary.json'));print(json.dumps({'policy':'$policy','load':'$load','rep':$rep,'img_per_s':s['img_per_s'],'test_acc':s['final_test_acc'],'loadavg_1min':float('$la')}))" >> "$runs"
  rm -rf "$tmp/run"
}
for rep in $(seq 1 "$reps"); do
  for policy in old new; do
    for load in quiet busy; do one $policy $load "$rep"; done
  done
done
mkdir -p "$(dirname "$out")"
python3 - "$runs" "$out" "$cores" <<'PY'
import json, statistics, sys, datetime
runs = [json.loads(l) for l in open(sys.argv[1])]
med = {}
for p in ("old", "new"):
    for l in ("quiet", "busy"):
        med[f"{p}_{l}"] = statistics.median(r["img_per_s"] for r in runs if r["policy"] == p and r["load"] == l)
res = {
    "what": "mtsnn train (digits, digits-cnn, T=4, 1 epoch, default recipe), img/s of the training epoch; old = OMP_WAIT_POLICY='' --threads <cores> (libtorch's default before ThreadPolicy), new = the default policy; busy = one competing busy-loop process; all under nice 19",
    "date": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
    "cores": int(sys.argv[3]),
    "median_img_per_s": med,
    "busy_over_quiet": {"old": med["old_busy"] / med["old_quiet"], "new": med["new_busy"] / med["new_quiet"]},
    "new_over_old": {"quiet": med["new_quiet"] / med["old_quiet"], "busy": med["new_busy"] / med["old_busy"]},
    "runs": runs,
}
json.dump(res, open(sys.argv[2], "w"), indent=2)
print(json.dumps({k: res[k] for k in ("median_img_per_s", "busy_over_quiet", "new_over_old")}, indent=2))
PY
