#!/usr/bin/env bash
# The full fuzz campaign: every reader against MTSNN_FUZZ_CASES (default 100000) seeded mutations, in-process.
# Usage: scripts/fuzz.sh [cases] [seed]   (figures go to docs/reliability.md)
set -euo pipefail
cd "$(dirname "$0")/.."
export MTSNN_FUZZ_CASES="${1:-${MTSNN_FUZZ_CASES:-100000}}" MTSNN_FUZZ_SEED="${2:-${MTSNN_FUZZ_SEED:-1}}"
exec nice -n 19 dotnet test tests/MtSnn.Tests -c "${CONFIGURATION:-Release}" --filter "FullyQualifiedName~ReaderFuzzTests" --logger "console;verbosity=detailed"
