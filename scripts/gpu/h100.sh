#!/usr/bin/env bash
# Every GPU measurement of issues 3 and 4 in one command on the GPU machine (H100, PyTorch with CUDA, no .NET), within
# a fixed wall-clock budget. Build the bundle here first (scripts/gpu/bundle.sh); then, through the device tool, from
# the repository root there:
#   scripts/gpu/h100.sh [PHASE...]        PHASE: tests bench speed train (default: all four, in that order)
# Environment (defaults are the real run; the dry run on a CPU machine is scripts/gpu/dry-run.sh):
#   DEADLINE=540        seconds from the start after which nothing new starts and running training is stopped
#   DEVICE=cuda         --device of every command
#   EPOCHS=15           epochs of the accuracy runs (issue 3)
#   SPEED_BATCHES=120   batches per epoch of the solo speed runs (2 epochs each; epoch 2 is the one reported)
#   ACC_MAX_BATCHES=0   cap on batches per epoch of the accuracy runs (0 = all; the dry run sets it)
#   BENCH_NEURONS=      --neurons of the kernel benchmark (default: the command's, 2^22 on CUDA)
#   WORKERS=2           data loader threads per training process
# Writes to $OUT (at most 8 files come back): log.txt, cuda-tests.log + gpu-tests.xml (scripts/gpu/gpu-tests.sh), bench-neuron-cuda.json, results.tar.gz (speed
# runs, accuracy runs' metrics.csv and summary.json, GPU memory samples). Everything is also kept under .gpu-runs (outside the carried .gpu, which a call replaces), so
# a second call on the still-warm machine can run `scripts/gpu/h100.sh train` to resume unfinished accuracy runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
DEADLINE=${DEADLINE:-540}; DEVICE=${DEVICE:-cuda}; EPOCHS=${EPOCHS:-15}; SPEED_BATCHES=${SPEED_BATCHES:-120}
ACC_MAX_BATCHES=${ACC_MAX_BATCHES:-0}; BENCH_NEURONS=${BENCH_NEURONS:-}; WORKERS=${WORKERS:-2}
OUT=${OUT:-out/gpu}; mkdir -p "$OUT"
runs=.gpu-runs; mkdir -p "$runs/speed" "$runs/acc"
bundle=.gpu/bundle
phases=${*:-tests bench speed train}
log="$OUT/log.txt"
say() { echo "[$(( SECONDS - start ))s] $*" | tee -a "$log"; }
left() { echo $(( DEADLINE - (SECONDS - start) )); }
app() { "$bundle/run.sh" "$@"; }

collect() {   # results.tar.gz, replaced atomically, so a run stopped at its limit still returns the last copy
  local tmp="$OUT/.results.tmp"
  tar -czf "$tmp" --exclude="*.ckpt" --exclude=tb --exclude="*.png" --transform="s,^.gpu-runs,runs," .gpu-runs 2>/dev/null && mv -f "$tmp" "$OUT/results.tar.gz"
}

gpu_memory() {   # gpu_memory PID FILE: samples the process's and the whole GPU's used memory (MiB) until PID exits
  local pid=$1 file=$2
  command -v nvidia-smi >/dev/null || { echo "no nvidia-smi" > "$file"; return; }
  while kill -0 "$pid" 2>/dev/null; do
    {
      echo "gpu $(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -1)"
      nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits | sed 's/^/app /'
    } >> "$file" 2>/dev/null
    sleep 0.25
  done
}

train_common=(--dataset fashion-mnist --data "${MTSNN_FASHION_DIR:-/tmp/fashion-mnist}" --model plif-net --dynamics plif
  --batch-size 128 --optimizer adam --lr 1e-3 --schedule cosine --loss mse --seed 0 --device "$DEVICE" --workers "$WORKERS")
# name, neuron options, T
configs=("single-t1|--mode single|1" "single-t4|--mode single|4" "cascade-k4-t1|--mode cascade --levels 4|1"
  "parallel-k4-t1|--mode parallel --levels 4|1" "cascade-k4-t4|--mode cascade --levels 4|4")

say "phases: $phases; deadline ${DEADLINE}s; device $DEVICE; epochs $EPOCHS"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || true; nproc; } | tee -a "$log"
"$bundle/run.sh" --prepare 2>&1 | tee -a "$log"

for phase in $phases; do
  case $phase in
  tests)
    say "GPU tests (tests/MtSnn.Gpu.Tests; a skip counts as a failure here)"
    OUT=$OUT timeout $(( $(left) < 150 ? $(left) : 150 )) scripts/gpu/gpu-tests.sh ${GPU_TEST_ARGS:-} > /dev/null 2>&1
    say "GPU tests exit $?: $(grep -E 'Total: [0-9]+' "$OUT/cuda-tests.log" | tail -1)"
    grep -E '\[(FAIL|SKIP)\]' "$OUT/cuda-tests.log" | head -20 | tee -a "$log"
    ;;
  bench)
    say "neuron kernel benchmark"
    timeout $(( $(left) < 120 ? $(left) : 120 )) "$bundle/run.sh" MtSnn.Cli.dll bench neuron --device "$DEVICE" \
      ${BENCH_NEURONS:+--neurons "$BENCH_NEURONS"} --json "$OUT/bench-neuron-$DEVICE.json" 2>&1 | tee -a "$log"
    ;;
  speed)
    # Solo runs, one process at a time: epoch 2 of 2 (epoch 1 holds the warm-up: cuDNN set-up, NVRTC, allocator).
    for c in "${configs[@]}"; do
      IFS='|' read -r name neuron T <<< "$c"
      backends="auto reference"; [ "$name" = parallel-k4-t1 ] && backends=auto   # before/after: single and cascade
      for backend in $backends; do
        [ "$(left)" -gt 30 ] || { say "speed: out of time before $name $backend"; break 2; }
        dir="$runs/speed/$name-$backend"; rm -rf "$dir"; mkdir -p "$dir"
        MTSNN_NEURON_BACKEND=$backend timeout $(( $(left) < 90 ? $(left) : 90 )) "$bundle/run.sh" MtSnn.Cli.dll train \
          "${train_common[@]}" $neuron -T "$T" --epochs 2 --max-batches "$SPEED_BATCHES" --out "$dir" > "$dir/stdout.txt" 2>&1 &
        pid=$!; gpu_memory "$pid" "$dir/gpu-memory.txt" & mon=$!
        wait "$pid"; rc=$?; wait "$mon"
        ips=$(python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["history"][-1]; print("epoch %d: %.0f img/s" % (h["epoch"], h["img_per_s"]))' "$dir/summary.json" 2>/dev/null)
        peak=$(awk '$1=="gpu"{if($2>m)m=$2} END{print m+0}' "$dir/gpu-memory.txt" 2>/dev/null)
        say "speed $name $backend: exit $rc; $ips; GPU memory peak ${peak} MiB (whole GPU)"
        [ $rc -eq 0 ] || tail -3 "$dir/stdout.txt" | tee -a "$log"
      done
    done
    collect
    ;;
  train)
    # The four accuracy runs of issue 3 at once (each resumes from its last.ckpt when a previous call stopped it).
    pids=()
    for c in "${configs[@]:0:4}"; do
      IFS='|' read -r name neuron T <<< "$c"
      dir="$runs/acc/$name"; mkdir -p "$dir"
      if [ -f "$dir/last.ckpt" ]; then args=(--resume --out "$dir" --epochs "$EPOCHS" --device "$DEVICE" --workers "$WORKERS" --data "${MTSNN_FASHION_DIR:-/tmp/fashion-mnist}")
      else args=("${train_common[@]}" $neuron -T "$T" --epochs "$EPOCHS" --out "$dir"); fi
      [ "$ACC_MAX_BATCHES" -gt 0 ] && args+=(--max-batches "$ACC_MAX_BATCHES")
      timeout --signal=INT --kill-after=15 "$(left)" "$bundle/run.sh" MtSnn.Cli.dll train "${args[@]}" >> "$dir/stdout.txt" 2>&1 &
      pids+=($!)
      say "accuracy run $name started (pid $!)"
    done
    while kill -0 "${pids[@]}" 2>/dev/null; do sleep 10; collect; done
    for p in "${pids[@]}"; do wait "$p"; say "accuracy run pid $p exit $?"; done
    for c in "${configs[@]:0:4}"; do
      IFS='|' read -r name _ _ <<< "$c"
      say "$name: $(tail -n +2 "$runs/acc/$name/metrics.csv" 2>/dev/null | wc -l) epochs; last: $(tail -1 "$runs/acc/$name/metrics.csv" 2>/dev/null)"
    done
    collect
    ;;
  *) say "unknown phase $phase (allowed: tests bench speed train)"; exit 2 ;;
  esac
done
collect
say "done"
