#!/usr/bin/env bash
# A single-node Slurm on this machine, for the srun tests (tests/MtSnn.Tests/Distributed/SrunTests.cs) and for trying
# `srun -n N dotnet MtSnn.Cli.dll train ...` by hand: this host is controller and only compute node, with the CPU count
# and memory `slurmd -C` reads, reached on loopback (the host name need not resolve); select/cons_tres over cores, munge
# authentication, no cgroups (proctrack/linuxproc, task/none: runs in containers without systemd). Needs root and
# Debian's slurm-wlm and munge (`apt-get install slurm-wlm munge`; .ci/run does both).
#
# Usage: scripts/slurm/start-local.sh [TIMEOUT_SECONDS]     (default 60)
# Idempotent: a cluster already up is left as it is; a stopped daemon is started again. Writes /etc/slurm/slurm.conf
# only when it is missing or was written by this script (a slurm.conf of another cluster is an error, left alone).
# Exits 0 once `sinfo` shows the node idle (or busy with jobs), else 1 with one line naming what failed and its log.
# Stop: scripts/slurm/stop-local.sh.
set -euo pipefail
timeout=${1:-60}
case $timeout in ''|*[!0-9]*) echo "start-local.sh: error: TIMEOUT_SECONDS must be a whole number of seconds (got '$timeout')" >&2; exit 2;; esac
fail() { echo "start-local.sh: error: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (it writes /etc/slurm and starts munged, slurmctld and slurmd)"
for exe in munged slurmctld slurmd sinfo srun; do
  command -v "$exe" >/dev/null || fail "$exe not found: apt-get install slurm-wlm munge"
done

conf=/etc/slurm/slurm.conf
marker='# written by mtsnn scripts/slurm/start-local.sh'
node=$(hostname -s)
log=/var/log/slurm
mkdir -p /etc/slurm "$log" /var/spool/slurmctld /var/spool/slurmd

# munge: a key (the package creates one; an unpacked image may lack it) and the daemon, checked by a round trip
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=128 count=1 status=none
fi
chown munge:munge /etc/munge /etc/munge/munge.key && chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
mkdir -p /run/munge /var/lib/munge /var/log/munge && chown munge:munge /run/munge /var/lib/munge /var/log/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- munged || fail "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null 2>&1 || fail "munge does not answer after starting munged (see /var/log/munge/munged.log)"
fi

# slurm.conf: this host as controller and node, its real CPUs and memory
hardware=$(slurmd -C | head -1)   # NodeName=<host> CPUs=.. Boards=.. SocketsPerBoard=.. CoresPerSocket=.. ThreadsPerCore=.. RealMemory=..
case $hardware in "NodeName=$node "*) ;; *) fail "slurmd -C printed '$hardware', not a NodeName=$node line";; esac
wanted=$(cat <<EOF
$marker
ClusterName=mtsnn-local
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
InactiveLimit=0
KillWait=10
SlurmdTimeout=300
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
$hardware NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
)
if [ -e "$conf" ] && ! head -1 "$conf" | grep -qxF "$marker"; then
  fail "$conf exists and was not written by this script; it belongs to another Slurm setup, left alone"
fi
changed=0
if [ ! -e "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
  printf '%s\n' "$wanted" > "$conf"
  changed=1
fi

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if running /run/slurmctld.pid && [ $changed = 1 ]; then scontrol reconfigure >/dev/null || true; fi
running /run/slurmctld.pid || slurmctld || fail "slurmctld did not start (see $log/slurmctld.log)"
running /run/slurmd.pid || slurmd || fail "slurmd did not start (see $log/slurmd.log)"

# wait for the node: idle, or busy with jobs; a node left down or drained by an earlier run is resumed
state=unknown
for _ in $(seq 1 $((timeout * 2))); do
  state=$(sinfo -h -n "$node" -o %t 2>/dev/null | head -1 | tr -d '*~#!%$@^-' || true)
  case $state in
    idle|mix|alloc|comp) echo "slurm up: node $node $state ($(echo "$hardware" | grep -o 'CPUs=[0-9]*') $(echo "$hardware" | grep -o 'RealMemory=[0-9]*') MB)"; exit 0;;
    down|drain|drng|fail) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true;;
  esac
  sleep 0.5
done
fail "node $node not idle within $timeout s (sinfo state: '${state:-none}'; see $log/slurmctld.log and $log/slurmd.log)"
