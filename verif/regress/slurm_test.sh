#!/usr/bin/env bash
# feather regress --launcher slurm on a real one-node SLURM cluster started here (docs/user-guide.md,
# "Regressions on a SLURM cluster"): munged, slurmctld and slurmd from Debian's slurm-wlm and munge,
# with a generated slurm.conf, key and spool in a scratch directory and free ports on localhost.
# Then, through the cluster:
#   1. the selftest suites fault and hang: a passing job, two failing ones (rerun with a waveform,
#      the reruns also through SLURM) and one over its time limit; every job's verdict equals a
#      local run's, the JUnit parses (xmllint), the rerun file names the three jobs;
#   2. a task cancelled behind the runner's back (scancel) is a failure naming SLURM, not a hang;
#   3. SIGINT to the runner: exit 130, running jobs INTERRUPTED, the pending one NOT-RUN, and
#      nothing of the run left in the queue.
# The daemons are stopped and the scratch directory removed on every exit. Exit 77 (skipped) with
# the reason when the cluster cannot start (not root, packages missing).
#   usage: slurm_test.sh <feather> <selftest.yaml> <scratch-dir>
set -euo pipefail
FEATHER=$1
SUITES=$2
rm -rf "$3" && mkdir -p "$3"
WORK=$(cd "$3" && pwd)

skip() { echo "SKIPPED: $*"; exit 77; }
# A failure shows what the cluster said: the daemons' log tails and the queue, before cleanup
# removes them (the runs' own logs stay in the scratch directory).
fail() {
  echo "FAIL: $*"
  set +e
  for l in slurmctld slurmd; do
    [[ -f ${C:-}/log/$l.log ]] && { echo "--- $l.log (tail)"; tail -15 "$C/log/$l.log"; }
  done
  command -v squeue > /dev/null && { echo "--- squeue"; squeue 2>&1 | head -10; }
  echo "--- run logs in $WORK"
  exit 1
}

[[ $(id -u) -eq 0 ]] || skip "a one-node SLURM cluster needs root here (slurmd, munged)"
for t in munged slurmctld slurmd sbatch squeue scancel xmllint; do
  command -v "$t" > /dev/null || skip "$t not found (make deps installs slurm-wlm, munge, libxml2-utils)"
done

C=$WORK/cluster
mkdir -p "$C/state" "$C/spool" "$C/log"
cleanup() {
  set +e
  for p in slurmd slurmctld munged; do
    [[ -f $C/$p.pid ]] && kill "$(cat "$C/$p.pid")" 2> /dev/null
  done
  sleep 1
  for p in slurmd slurmctld munged; do
    [[ -f $C/$p.pid ]] && kill -9 "$(cat "$C/$p.pid")" 2> /dev/null
  done
  rm -rf "$C"
}
trap cleanup EXIT

read -r PORT_CTLD PORT_D < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
HOST=$(hostname -s)
dd if=/dev/urandom of="$C/munge.key" bs=1024 count=1 status=none
chmod 400 "$C/munge.key"
munged --force --socket="$C/munge.sock" --key-file="$C/munge.key" --pid-file="$C/munged.pid" \
  --log-file="$C/log/munged.log" --seed-file="$C/munge.seed" \
  || skip "munged does not start: $(tail -3 "$C/log/munged.log" 2> /dev/null)"
cat > "$C/slurm.conf" <<CONF
ClusterName=feathertest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT_CTLD
SlurmdPort=$PORT_D
AuthType=auth/munge
AuthInfo=socket=$C/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/log/slurmctld.log
SlurmdLogFile=$C/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
KillWait=2
MinJobAge=300
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$C/slurm.conf
slurmctld -f "$C/slurm.conf" || skip "slurmctld does not start: $(tail -3 "$C/log/slurmctld.log")"
slurmd -f "$C/slurm.conf" || skip "slurmd does not start: $(tail -3 "$C/log/slurmd.log")"
for _ in $(seq 50); do
  sinfo --noheader -o %t 2> /dev/null | grep -q idle && break
  sleep 0.2
done
sinfo --noheader -o %t | grep -q idle || skip "the node does not come up: $(sinfo 2>&1 | tail -2)"
echo "cluster up: $(sinfo --noheader -o '%P %D %t %N')"

verdicts() { python3 "$(dirname "$0")/junit_verdicts.py" "$1"; }

echo "== 1. fault and hang through SLURM, against a local run ($SECONDS s)"
for suite in fault hang; do
  rc=0
  "$FEATHER" regress "$suite" --suites "$SUITES" --launcher slurm -j 2 -q --out "$WORK/slurm-$suite" \
    > "$WORK/slurm-$suite.log" 2>&1 || rc=$?
  [[ $rc -eq 1 ]] || { cat "$WORK/slurm-$suite.log"; fail "$suite through SLURM exited $rc, expected 1"; }
  "$FEATHER" regress "$suite" --suites "$SUITES" -j 2 -q --out "$WORK/local-$suite" \
    > "$WORK/local-$suite.log" 2>&1 || true
  xmllint --noout "$WORK/slurm-$suite/junit.xml" || fail "$suite: junit.xml does not parse"
  diff <(verdicts "$WORK/local-$suite/junit.xml" | sort) <(verdicts "$WORK/slurm-$suite/junit.xml" | sort) \
    || { cat "$WORK/slurm-$suite.log" "$WORK/local-$suite.log"
         fail "$suite: the verdicts through SLURM differ from the local run's (< local, > slurm)"; }
  ls "$WORK/slurm-$suite"/slurm/b0/*.sh > /dev/null || fail "$suite: no SLURM task scripts"
done
grep -c -- '--seed' "$WORK/slurm-fault/rerun.txt" | grep -qx 2 || fail "fault: rerun.txt does not hold the two failing jobs"
grep -q 'birrd-hang' "$WORK/slurm-hang/rerun.txt" || fail "hang: rerun.txt does not hold the timed-out job"
grep -q 'TIMEOUT birrd-hang' "$WORK/slurm-hang.log" || fail "hang: the timed-out job is not reported as TIMEOUT"
n=$(ls "$WORK/slurm-fault"/waves/*.fst 2> /dev/null | wc -l)
[[ $n -eq 2 ]] || { cat "$WORK/slurm-fault.log"; fail "fault: $n waveforms from the debug reruns, expected 2"; }
grep -q 'reproduced at cycle 500' "$WORK/slurm-fault.log" \
  || { cat "$WORK/slurm-fault.log"; fail "fault: the debug rerun did not reproduce the divergence"; }

echo "== 2. a task cancelled behind the runner's back ($SECONDS s)"
cat > "$WORK/lost.yaml" <<'YAML'
suites:
  lost:
    description: "one job that hangs until it is cancelled"
    timeout: 120
    jobs:
      - test: hang
        command: birrd-cosim --aw 4 --cycles 1000 --hang-after-cycles 10 --seed {seed}
YAML
rc=0
"$FEATHER" regress lost --suites "$WORK/lost.yaml" --launcher slurm -q --out "$WORK/lost" \
  > "$WORK/lost.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  squeue --noheader --states=RUNNING --name=feather-lost -o %i | grep -q . && break
  sleep 0.1
done
scancel --name=feather-lost
wait $pid || rc=$?
[[ $rc -eq 1 ]] || { cat "$WORK/lost.log"; fail "a cancelled task: exit $rc, expected 1"; }
grep -q 'left the queue without a result' "$WORK/lost.log" \
  || { cat "$WORK/lost.log"; fail "a cancelled task is not reported as lost by SLURM"; }

echo "== 3. SIGINT while jobs run ($SECONDS s)"
rc=0
"$FEATHER" regress interrupt --suites "$SUITES" --launcher slurm -j 2 -q --out "$WORK/int" \
  > "$WORK/int.log" 2>&1 &
pid=$!
# Wait for the two hanging jobs: the passing one has finished, the last is pending (-j 2).
ready=0
for _ in $(seq 600); do
  [[ $(squeue --noheader --states=RUNNING --name=feather-interrupt -o %i | wc -l) -ge 2 ]] && \
    grep -q . "$WORK/int/slurm/b0/0.result" 2> /dev/null && { ready=1; break; }
  sleep 0.1
done
[[ $ready -eq 1 ]] || { kill -INT $pid; cat "$WORK/int.log"; fail "SIGINT: within 60 s, the passing job did not finish or the two hanging ones did not run"; }
sleep 1
kill -INT $pid
wait $pid || rc=$?
[[ $rc -eq 130 ]] || { cat "$WORK/int.log"; fail "SIGINT: exit $rc, expected 130"; }
v=$(verdicts "$WORK/int/junit.xml" | awk '{print $NF}' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
[[ $v == " 1 pass; 3 skipped;" ]] || { cat "$WORK/int.log"; fail "SIGINT: verdicts '$v', expected 1 pass and 3 skipped"; }
grep -q 'INTERRUPTED' "$WORK/int/report.html" || fail "SIGINT: no INTERRUPTED job in the report"
grep -q 'NOT-RUN' "$WORK/int/report.html" || fail "SIGINT: no NOT-RUN job in the report"
sleep 1
left=$(squeue --noheader -o %j | grep -c feather- || true)
[[ $left -eq 0 ]] || { squeue; fail "SIGINT: $left SLURM jobs of the run are still queued"; }
echo "slurm: the regressions ran through a real SLURM cluster"
