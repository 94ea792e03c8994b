#!/usr/bin/env bash
# Training runs longer than one device call (10 minutes at most): `start` launches train.py in its own process
# session (setsid), so it outlives the call on a machine that stays held; `collect` follows the runs for up to S
# seconds and packs each one's latest export, logs and samples into $OUT/NAME.tar, and a continuation's into
# $OUT/NAME-cont.tar (here: `mkdir N && tar -xf NAME.tar -C N`). Chain calls back to back (the machine is given back after 30 s idle, and the runs with it):
#   call 1: bash training/device-bg.sh start A 0 --data ../.vendor/data/shapes-train.jsonl.gz --init-from ../models/sana-shapes ... \
#           && bash training/device-bg.sh collect 560
#   call 2..n: bash training/device-bg.sh collect 580
# Run from the repository root; train.py runs in training/ (paths in its arguments are relative to it); GPU = CUDA index.
# `start NAME GPU ARGS... --then CONT_ARGS...` chains a second train.py on the same GPU once the first ends, started
# from the first one's export (--init-from is added) and writing to NAME/cont: the DiT-only continuation of runs 6
# without the idle gap of another call.
set -u
ROOT=${SANA_TRAIN_ROOT:-/tmp/sana-train}  # overridable for training/device-bg.test.ts
mode=${1:?start NAME GPU ARGS... | collect SECONDS}
shift
case $mode in
start)
  name=$1 gpu=$2
  shift 2
  first=() cont=()
  while [ $# -gt 0 ] && [ "$1" != --then ]; do first+=("$1"); shift; done
  [ $# -gt 0 ] && shift && cont=("$@")
  dir=$ROOT/$name
  mkdir -p "$dir"
  (
    cd training || exit 1
    export CUDA_VISIBLE_DEVICES=$gpu PYTHONPATH=$PWD/../.vendor/src PYTHONUNBUFFERED=1
    # Each stage's arguments travel as a quoted word list (the first n, then the rest); the continuation runs only
    # when there is one and the first run exported a model.
    setsid nohup bash -c '
      d=$1; n=$2; shift 2
      python3 train.py --out "$d" "${@:1:$n}" >"$d/stdout.log" 2>&1 || exit 1
      [ $# -gt "$n" ] || exit 0
      mkdir -p "$d/init" "$d/cont" && tar -xf "$d/sana-shapes.tar" -C "$d/init" || exit 1
      python3 train.py --out "$d/cont" --init-from "$d/init/sana-shapes" "${@:$((n + 1))}" >"$d/cont/stdout.log" 2>&1
    ' _ "$dir" ${#first[@]} "${first[@]}" "${cont[@]}" </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/pid"
  )
  echo "started $name on GPU $gpu (pid $(cat "$dir/pid"))${cont[*]:+, then a continuation}"
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
  # One file per stage ($OUT/NAME.tar: its export, logs and samples; $OUT/NAME-cont.tar: the continuation's): a
  # call sends back at most 8 files of 16 MiB each; a file per output would overrun the count with two chained
  # runs, and one tar of both stages' exports (9 MiB each) overran the size in session 6.
  pack() { (cd "$1" && tar -cf "$2" $(ls -d sana-shapes.tar train.log stdout.log samples.png 2>/dev/null)); }
  for d in "$ROOT"/*/; do
    n=$(basename "$d")
    pack "$d" "$OUT/$n.tar"
    [ -d "$d/cont" ] && pack "$d/cont" "$OUT/$n-cont.tar"
    state=finished
    kill -0 "$(cat "$d/pid")" 2>/dev/null && state=running
    echo "== $n: $state"
    tail -n 6 "$d/stdout.log"
    [ -f "$d/cont/stdout.log" ] && echo "-- $n/cont" && tail -n 6 "$d/cont/stdout.log"
  done
  # (the call's exit status is the collect's, not nvidia-smi's, which a machine without a GPU lacks)
  if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv,noheader; fi
  true
  ;;
esac
