#!/usr/bin/env bash
# The accuracy study of issue 11 (docs/accuracy.md): does multi-threshold beat single threshold on Fashion-MNIST
# with one code base and one recipe? Runs the main table (15 epochs) and the 5-epoch ablations, in the order that
# decides the question soonest, each into a stable folder STUDY_OUT/<group>/<run>/ (metrics.csv, summary.json,
# last.ckpt, train.log; energy/ for main-table runs).
#
# Usage: scripts/accuracy-study.sh [--resume] [--jobs N] [--only REGEX] [--list]
#   --resume   skip finished runs, continue interrupted ones from their last.ckpt, start the missing ones
#              (without it, a run folder that already exists is an error: nothing is overwritten)
#   --jobs N   runs at once (default 1); each run gets OMP_NUM_THREADS = cores / N
#   --only RE  only the runs whose group/name matches the extended regex RE (e.g. '^main/', 'single-t1')
#   --list     print the runs (group/name, epochs, flags) and their state, run nothing
# Environment: STUDY_OUT (default out/accuracy-study), MTSNN_FASHION (default ../shared/data/fashion-mnist),
#   MTSNN_DLL (a published MtSnn.Cli.dll to use; default: build src/MtSnn.Cli in Release and use that),
#   MTSNN_MALLOC (default: the library's own, cache on Linux x64: freed tensor memory kept per size class up to a cap,
#   docs/benchmarks.md; uncapped retain let a plif-net run grow to 13 GB resident and two at once were killed by the
#   OOM killer on a 24 GB machine). The allocator does not change a digit of the results (CpuCacheTests).
# Every recipe flag is explicit, so the study does not depend on train's defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
resume=0; jobs=1; only='.'; list=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --resume) resume=1 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --only) only=${2:?--only needs a regex}; shift ;;
    --list) list=1 ;;
    *) echo "accuracy-study.sh: error: unknown argument '$1' (allowed: --resume, --jobs N, --only REGEX, --list)" >&2; exit 2 ;;
  esac
  shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "accuracy-study.sh: error: --jobs must be a positive integer (got '$jobs')" >&2; exit 2; }
out=${STUDY_OUT:-out/accuracy-study}
data=${MTSNN_FASHION:-../shared/data/fashion-mnist}

# The recipe of the issue: plif-net, PLIF, batch 128, Adam, cosine over the run's epochs, direct input; lr 1e-3 and
# rate MSE unless a run says otherwise. Every option appears once (the CLI rejects a repeated option).
recipe="--dynamics plif --tau 2 --batch-size 128 --optimizer adam
  --weight-decay 0 --schedule cosine --warmup 0 --encoding direct --surrogate atan:2 --workers 1 --device cpu"
single() { echo "--mode single --levels 1 --reset hard"; }
mt() { echo "--mode $1 --levels $2 --preset $3 --reset soft"; }   # mt MODE K PRESET

# group/name | epochs | flags. Order = priority.
runs=()
# add NAME EPOCHS T SEED LR LOSS VTH NEURON-FLAGS...   (the model is plif-net unless MODEL=... is set for the call;
# runs of group dvs/ train on the emulated event version of Fashion-MNIST, see dvs_data below)
add() {
  local name=$1 epochs=$2 t=$3 seed=$4 lr=$5 loss=$6 vth=$7 dataset=fashion-mnist; shift 7
  [[ $name == dvs/* ]] && dataset=nmnist
  runs+=("$name|$epochs|--dataset $dataset --model ${MODEL:-plif-net} $* --T $t --seed $seed --lr $lr --loss $loss --vth $vth")
}
# The 5-epoch ablations of one seed (2 seeds rank them: the issue's "5 epochs, 2 seeds each").
ablations() {
  local seed=$1 m p lr loss k
  # the 5-epoch baselines every ablation is ranked against (cosine over 5 epochs: not the main runs' first 5 epochs)
  add "ablation/single-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(single)
  add "ablation/cascade-k4-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt cascade 4 pow2)
  add "ablation/parallel-k4-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt parallel 4 uniform)
  # first the MT-specific surrogate shape (per-level width scaled to the threshold spacing, gradient normalised by the level weights)
  for m in cascade parallel; do
    p=pow2; [[ $m == parallel ]] && p=uniform
    add "ablation/$m-k4-spacing-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt $m 4 $p) --surrogate-width spacing
    add "ablation/$m-k4-spacing-norm-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt $m 4 $p) --surrogate-width spacing --normalize-level-gradient
    add "ablation/$m-k4-norm-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt $m 4 $p) --normalize-level-gradient
  done
  # MT in the output layer: plif-net-vote ends in spiking neurons and a voting layer (SpikingJelly's PLIF net), so
  # the prediction is a firing rate; MT everywhere vs MT in the hidden layers only (a single-threshold output)
  MODEL=plif-net-vote add "ablation/vote-single-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(single)
  MODEL=plif-net-vote add "ablation/vote-cascade-k4-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt cascade 4 pow2)
  MODEL=plif-net-vote add "ablation/vote-cascade-k4-hidden-only-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt cascade 4 pow2) --output-neuron single
  for lr in 2e-3 5e-4; do
    add "ablation/single-t1-lr$lr-s$seed" 5 1 $seed $lr mse 1 $(single)
    add "ablation/cascade-k4-t1-lr$lr-s$seed" 5 1 $seed $lr mse 1 $(mt cascade 4 pow2)
  done
  for loss in ce tet; do
    add "ablation/single-t1-$loss-s$seed" 5 1 $seed 1e-3 $loss 1 $(single)
    add "ablation/cascade-k4-t1-$loss-s$seed" 5 1 $seed 1e-3 $loss 1 $(mt cascade 4 pow2)
  done
  add "ablation/cascade-k4-uniform-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt cascade 4 uniform)
  add "ablation/parallel-k4-pow2-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt parallel 4 pow2)
  for k in 2 3 8; do add "ablation/cascade-k$k-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt cascade $k pow2); done
  add "ablation/cascade-k4-trainable-vth-t1-s$seed" 5 1 $seed 1e-3 mse 1 $(mt cascade 4 pow2) --trainable-vth
  add "ablation/cascade-k4-vth0.5-t1-s$seed" 5 1 $seed 1e-3 mse 0.5 $(mt cascade 4 pow2)
}
for s in 0 1 2; do
  add "main/single-t1-s$s" 15 1 $s 1e-3 mse 1 $(single)
  add "main/cascade-k4-t1-s$s" 15 1 $s 1e-3 mse 1 $(mt cascade 4 pow2)
  add "main/parallel-k4-t1-s$s" 15 1 $s 1e-3 mse 1 $(mt parallel 4 uniform)
  # the cheapest ablations that can explain an early lead come right after each of the first two main seeds
  if [[ $s != 2 ]]; then ablations $s; fi
done
for s in 0 1; do add "main/single-t4-s$s" 15 4 $s 1e-3 mse 1 $(single); done
# Emulated neuromorphic Fashion-MNIST (mtsnn dvs-emulate: three saccades of an event sensor, N-MNIST files, 2 x 34 x 34
# frames), T = 10, 5 epochs, 2 seeds, on the first DVS_LIMIT (default 20000) images of each split: at T = 10 and
# 34 x 34 an epoch costs about 15 T = 1 epochs, so the full 60,000 would cost as much as the whole main table.
for s in 0 1; do
  add "dvs/single-t10-s$s" 5 10 $s 1e-3 mse 1 $(single)
  add "dvs/cascade-k4-t10-s$s" 5 10 $s 1e-3 mse 1 $(mt cascade 4 pow2)
done

# epochs finished according to a run folder's summary.json (0 when there is none)
done_epochs() { [[ -f $1/summary.json ]] && python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["epochs"])' "$1/summary.json" || echo 0; }

selected=()
for r in "${runs[@]}"; do [[ ${r%%|*} =~ $only ]] && selected+=("$r"); done
[[ ${#selected[@]} -gt 0 ]] || { echo "accuracy-study.sh: error: --only '$only' matches no run (see --list)" >&2; exit 2; }

if [[ $list == 1 ]]; then
  for r in "${selected[@]}"; do
    IFS='|' read -r name epochs flags <<<"$r"
    d=$out/$name; state=missing
    if [[ -d $d ]]; then n=$(done_epochs "$d"); state="$n/$epochs epochs"; fi
    printf '%-40s %2s  %-16s %s\n' "$name" "$epochs" "$state" "$(echo $flags)"
  done
  exit 0
fi

if [[ $resume == 0 ]]; then
  for r in "${selected[@]}"; do
    d=$out/${r%%|*}
    [[ -e $d ]] && { echo "accuracy-study.sh: error: $d exists (pass --resume to skip finished runs and continue interrupted ones)" >&2; exit 2; }
  done
fi
[[ -d $data ]] || { echo "accuracy-study.sh: error: Fashion-MNIST folder '$data' does not exist (set MTSNN_FASHION)" >&2; exit 2; }

dll=${MTSNN_DLL:-}
if [[ -z $dll ]]; then
  dotnet build src/MtSnn.Cli -c Release >/dev/null
  dll=src/MtSnn.Cli/bin/Release/net10.0/MtSnn.Cli.dll
fi
[[ -f $dll ]] || { echo "accuracy-study.sh: error: MTSNN_DLL '$dll' does not exist" >&2; exit 2; }
threads=$(( $(nproc) / jobs )); (( threads >= 1 )) || threads=1
export OMP_NUM_THREADS=$threads

dvs_limit=${DVS_LIMIT:-20000}
[[ $dvs_limit =~ ^[1-9][0-9]*$ ]] || { echo "accuracy-study.sh: error: DVS_LIMIT must be a positive integer (got '$dvs_limit')" >&2; exit 2; }
dvs_dir=$out/dvs-data/fashion-mnist-$dvs_limit
# The emulated event data set, written once (the first lane that needs it writes it under a lock, the others wait).
dvs_data() {
  flock "$out/dvs-data/.lock" bash -c '
    [[ -d $1 ]] && exit 0
    rm -rf "$1.partial"
    dotnet "$2" dvs-emulate --dataset fashion-mnist --data "$3" --limit "$4" --out "$1.partial" && mv "$1.partial" "$1"
  ' _ "$dvs_dir" "$dll" "$data" "$dvs_limit"
}

one() {
  IFS='|' read -r name epochs flags <<<"$1"
  local d=$out/$name n data=$data
  n=$(done_epochs "$d")
  if (( n >= epochs )); then echo "[$name] finished ($n epochs), skipped"; return 0; fi
  if [[ $name == dvs/* ]]; then
    mkdir -p "$out/dvs-data"
    dvs_data >>"$out/dvs-data/emulate.log" 2>&1 || { echo "[$name] FAILED: dvs-emulate (see $out/dvs-data/emulate.log)"; return 1; }
    data=$dvs_dir
  fi
  mkdir -p "$d"
  if [[ -f $d/last.ckpt ]]; then
    echo "[$name] resuming after epoch $n"
    # --resume takes the configuration from the checkpoint; only the data folder may be given again
    dotnet "$dll" train --resume --out "$d" --data "$data" >>"$d/train.log" 2>&1 || { echo "[$name] FAILED (see $d/train.log)"; return 1; }
  else
    echo "[$name] starting: $epochs epochs $(echo $flags)"
    # shellcheck disable=SC2086
    dotnet "$dll" train $recipe $flags --epochs "$epochs" --data "$data" --out "$d" >>"$d/train.log" 2>&1 || { echo "[$name] FAILED (see $d/train.log)"; return 1; }
  fi
  if [[ $name == main/* || $name == dvs/* ]]; then
    dotnet "$dll" energy "$d/best.ckpt" --data "$data" --threads "$threads" --out "$d/energy" >>"$d/train.log" 2>&1 \
      || echo "[$name] energy FAILED (see $d/train.log)"
  fi
  echo "[$name] done"
}

# --jobs lanes share one queue in priority order: a lane takes the next run nobody has claimed (mkdir is atomic), so
# a lane that finishes a short ablation does not wait behind another lane's 15-epoch run
claims=$(mktemp -d "${TMPDIR:-/tmp}/accuracy-study-claims.XXXXXX")
trap 'rm -rf "$claims"' EXIT
fail=0
for ((lane = 0; lane < jobs; lane++)); do
  (
    rc=0
    for r in "${selected[@]}"; do
      name=${r%%|*}
      mkdir "$claims/${name//\//_}" 2>/dev/null || continue
      one "$r" || rc=1
    done
    exit $rc
  ) &
done
for ((lane = 0; lane < jobs; lane++)); do wait -n || fail=1; done
[[ $fail == 0 ]] || { echo "accuracy-study.sh: some runs failed (their train.log says why); rerun with --resume" >&2; exit 1; }
echo "all selected runs finished; tables and plots: dotnet run --file scripts/accuracy-tables.cs -- $out OUT_DIR"
