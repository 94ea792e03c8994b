#!/usr/bin/env bash
# Training runs longer than one device call (10 minutes at most): `start` launches train.py in its own process
# session (setsid), so it outlives the call on a machine that stays held; `collect` follows the runs for up to S
# seconds and copies each one's latest export, log and samples to $OUT/NAME. Chain calls back to back (the machine is
# given back after 30 s idle, and the runs with it):
#   call 1: bash training/device-bg.sh start A 0 --data ../.vendor/data/shapes-train.jsonl.gz --init-from ../models/sana-shapes ... \
#           && bash training/device-bg.sh collect 560
#   call 2..n: bash training/device-bg.sh collect 580
# Run from the repository root; train.py runs in training/ (paths in its arguments are relative to it); GPU = CUDA index.
set -u
ROOT=/tmp/sana-train
mode=${1:?start NAME GPU ARGS... | collect SECONDS}
shift
case $mode in
start)
  name=$1 gpu=$2
  shift 2
  mkdir -p "$ROOT/$name"
  (
    cd training || exit 1
    CUDA_VISIBLE_DEVICES=$gpu PYTHONPATH=$PWD/../.vendor/src PYTHONUNBUFFERED=1 \
      setsid nohup python3 train.py --out "$ROOT/$name" "$@" >"$ROOT/$name/stdout.log" 2>&1 </dev/null &
    echo $! >"$ROOT/$name/pid"
  )
  echo "started $name on GPU $gpu (pid $(cat "$ROOT/$name/pid"))"
  ;;
collect)
  limit=${1:-560}
  t0=$(date +%s)
  while :; do
    live=0
    for d in "$ROOT"/*/; do
      [ -f "$d/pid" ] && kill -0 "$(cat "$d/pid")" 2>/dev/null && live=1
    done
    [ $live = 0 ] && break
    [ $(($(date +%s) - t0)) -ge "$limit" ] && break
    sleep 5
  done
  for d in "$ROOT"/*/; do
    n=$(basename "$d")
    mkdir -p "$OUT/$n"
    for f in sana-shapes.tar train.log stdout.log samples.png; do [ -f "$d/$f" ] && cp "$d/$f" "$OUT/$n/"; done
    state=finished
    kill -0 "$(cat "$d/pid")" 2>/dev/null && state=running
    echo "== $n: $state"
    tail -n 6 "$d/stdout.log"
  done
  nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader
  ;;
esac
