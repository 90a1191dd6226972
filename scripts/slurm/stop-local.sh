#!/usr/bin/env bash
# Stops the single-node Slurm of scripts/slurm/start-local.sh (slurmd, slurmctld; munged stays, other tools may use it).
# Idempotent: daemons already stopped are skipped.
set -euo pipefail
for daemon in slurmd slurmctld; do
  pidfile=/run/$daemon.pid
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "stop-local.sh: error: $daemon (pid $pid) still runs 10 s after SIGTERM" >&2; exit 1; }
  fi
  rm -f "$pidfile"
done
echo "slurm stopped"
