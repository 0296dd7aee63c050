#!/usr/bin/env bash
# ptq_sensitivity.sh — where each shared model's int8 error comes from: `cliq quantize` (first 200
# images, METHOD per model: the best calibrator of bench/ptq_accuracy.sh) then
# `cliq compare --sensitivity` on images 300-315. One line per model: worst-output SQNR in dB with
# every activation quantizer, with none (int8 weights only: what no activation range can beat),
# the costliest single quantizer alone, and the best figure reached by bypassing one quantizer.
# usage: bench/ptq_sensitivity.sh [BUILD_DIR] [OUT_DIR]   (MODELS="yunet ..." narrows; LIMIT=16)
# Needs ../shared (CLIQ_SHARED_DIR) and python3 (to read the JSON).
set -e
B=${1:-build}; OUT=${2:-/tmp/cliq-sens}
S=${CLIQ_SHARED_DIR:-$(dirname "$0")/../../shared}
LIMIT=${LIMIT:-16}
MODELS=${MODELS:-"mnist-8 ultraface_RFB-320 ultraface_slim-320 yunet blazeface_front_128 ppocr_cls_mobile_v2 mlsd_320_tiny super_resolution-10"}
mkdir -p "$OUT"
SHARED=$S
. "$(dirname "$0")/model_setup.sh" # CALIB, PRE per model
printf "%-22s %6s %10s %10s %12s %14s %12s\n" model method quantizers "all dB" "weights dB" "worst alone" "best without"
for model in $MODELS; do
  model_setup "$model"
  data=$CALIB; [ "$model" = mnist-8 ] || data="imagenet:$CALIB"
  case $model in yunet|blazeface_front_128) m=minmax ;; *) m=mse ;; esac
  F="$S/models/$model/model.onnx" Q="$OUT/${model}_$m.onnx"
  if "$B/cliq" quantize "$F" --calib "$data" --limit 200 "${PRE[@]}" --method $m -o "$Q" >/dev/null 2>"$OUT/$model.log" &&
     "$B/cliq" compare "$F" "$Q" --images "$data" --skip 300 --limit "$LIMIT" --sensitivity --json "${PRE[@]}" \
       >"$OUT/$model.json" 2>>"$OUT/$model.log"; then
    python3 -c "
import json, sys
j = json.load(open(sys.argv[1])); q = j['quantizers']
# mlsd is judged on offsets: its scores output is a peak mask (as in ptq_accuracy.sh)
keep = [k for k, n in enumerate(j['outputs']) if not (n == 'scores' and 'mlsd' in sys.argv[2])]
worst = lambda v: min(v[k] for k in keep if v[k] is not None)
for r in q: r['only'], r['without'] = worst(r['only_outputs_db']), worst(r['without_outputs_db'])
w = min(q, key=lambda r: r['only']); b = max(q, key=lambda r: r['without'])
print('%-22s %6s %10d %10.1f %12.1f %14.1f %12.1f' % (sys.argv[2], sys.argv[3], len(q), worst(j['all_outputs_db']),
      worst(j['weights_only_outputs_db']), w['only'], b['without']))
print('    worst alone: %s; best bypassed: %s' % (w['tensor'], b['tensor']))" "$OUT/$model.json" "$model" "$m"
  else
    printf "%-22s FAIL (see %s)\n" "$model" "$OUT/$model.log"
  fi
done
