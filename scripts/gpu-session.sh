#!/usr/bin/env bash
# One device call for issue 11's open measurements (run on the GPU machine from the repo root, with .device-pack and
# dist-bench carried; `pnpm bundle:gpu-bench` and ../shared/tools/device-pack.sh first). Every part has its own time
# limit and writes JSON lines under $OUT, so a part that hangs costs only its limit. About 19 minutes in all: split it
# over calls of at most 10 minutes, e.g. `variants e2e` then `big cpu`.
#   run: bash scripts/gpu-session.sh [part ...]     parts: variants e2e big cpu (default: all)
set -u -o pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
source .device-pack/setup.sh && ln -sfn "$ORT_NODE_MODULES" dist-bench/node_modules
B="node dist-bench/gpu-bench.mjs"
parts=${*:-variants e2e big cpu}
part() { echo "== $1 ($(date +%T))"; shift; timeout "$@" 2>&1 | tee -a "$OUT/$PART.jsonl"; echo "== rc ${PIPESTATUS[0]}"; }
for PART in $parts; do case $PART in
  # graph variants, session options, WebGPU device options, interleaved against the baseline (~5 min)
  variants) part variants 330 $B --device=webgpu --dtype=fp16 --only=variants --child-timeout=60 ;;
  # device loop off vs on in one process (Sana-600M 1024px 20 steps CFG, and Sprint 2 steps); the 600M images are
  # saved for the PSNR against CPU fp32 (the CPU side runs on the dev machine: .vendor/psnr)
  e2e) part e2e 220 $B --device=webgpu --dtype=fp16 --only=e2e,sprint --device-loop=off,on --save-dir="$OUT/psnr" ;;
  # Sana-1600M 4096px end to end (tiled decode), 20 steps timed; a 2-step run saved first (also the warm-up) for the
  # PSNR against the CPU fp32 2-step run (.vendor/psnr4k)
  big) part big 420 $B --device=webgpu --dtype=fp16 --only=e2e-1600m --save-steps=2 --save-dir="$OUT/psnr" ;;
  # the CPU EP of the GPU's host, fp32
  cpu) part cpu 170 $B --device=cpu --dtype=fp32 --runs=2 --only=dit-600m,dc-ae --sizes=512,1024 ;;
  *) echo "unknown part $PART" ;;
esac; done
