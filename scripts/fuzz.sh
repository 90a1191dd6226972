#!/usr/bin/env bash
# The full fuzz campaign: every reader against CASES (default 100000) seeded mutations each, in-process.
# Usage: scripts/fuzz.sh [cases] [seed]            run, resuming after the blocks already in the progress file
#        scripts/fuzz.sh --summary [cases] [seed]  the table per reader from the progress file (partial while it runs)
# MTSNN_FUZZ_READERS=idx-raw,checkpoint limits the run to those readers; MTSNN_FUZZ_PROGRESS names the progress file
# (default artifacts/fuzz/progress-seed<seed>.jsonl; one JSON line per finished block of 1000 cases).
# CONFIGURATION=Debug uses the Debug build; TEST_DLL=path/MtSnn.Tests.dll runs an already-built copy (so the tree can
# be rebuilt while a campaign runs). Figures go to docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
summary=0
if [[ "${1:-}" == "--summary" ]]; then summary=1; shift; fi
export MTSNN_FUZZ_CASES="${1:-${MTSNN_FUZZ_CASES:-100000}}" MTSNN_FUZZ_SEED="${2:-${MTSNN_FUZZ_SEED:-1}}"
export MTSNN_FUZZ_PROGRESS="${MTSNN_FUZZ_PROGRESS:-artifacts/fuzz/progress-seed$MTSNN_FUZZ_SEED.jsonl}"
mkdir -p "$(dirname "$MTSNN_FUZZ_PROGRESS")"
MTSNN_FUZZ_PROGRESS="$(realpath "$MTSNN_FUZZ_PROGRESS")"
if [[ $summary == 1 ]]; then
  exec python3 - "$MTSNN_FUZZ_PROGRESS" "$MTSNN_FUZZ_CASES" "$MTSNN_FUZZ_SEED" <<'PY'
import json, sys
path, cases, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
for line in open(path):
    if not line.strip(): continue
    b = json.loads(line)
    if b["Seed"] != seed or b["First"] >= cases: continue
    rows.setdefault(b["Target"], {})[b["First"]] = b   # a block recorded twice counts once
print(f"| reader | cases | accepted | rejected (one line) | crashes | hangs | over ceiling | s (sum of blocks) |")
print("|---|---|---|---|---|---|---|---|")
for t, bs in rows.items():
    v = bs.values()
    s = lambda k: sum(x[k] for x in v)
    n = lambda k: sum(len(x[k]) for x in v)
    print(f"| {t} | {s('Cases'):,} of {cases:,} | {s('Accepted'):,} | {s('Rejected'):,} | {n('Crashes')} | {n('Hangs')} | {n('OverCeiling')} | {s('Seconds'):.0f} |")
for t, bs in rows.items():
    for x in bs.values():
        for f in x["Crashes"] + x["Hangs"] + x["OverCeiling"]: print(f"{t}: {f}")
PY
fi
filter=(--filter "FullyQualifiedName~ReaderFuzzTests" --logger "console;verbosity=detailed")
if [[ -n "${TEST_DLL:-}" ]]; then exec nice -n "${NICE:-19}" dotnet test "$TEST_DLL" "${filter[@]}"; fi
exec nice -n "${NICE:-19}" dotnet test tests/MtSnn.Tests -c "${CONFIGURATION:-Release}" "${filter[@]}"
