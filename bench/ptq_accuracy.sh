#!/usr/bin/env bash
# ptq_accuracy.sh — worst-output SQNR of `cliq quantize` on the shared models, per calibrator:
# calibrate on the first 200 images, compare on images 300-399 (the split of the accuracy issue).
# usage: bench/ptq_accuracy.sh [BUILD_DIR] [OUT_DIR] [extra quantize flags...]
#   METHODS="mse auto" MODELS="yunet mnist-8" narrow the grid; prints one line per model.
# Needs ../shared (CLIQ_SHARED_DIR) and python3 (to read the JSON); preprocessing per
# ../shared/models/MODELS.md.
set -e
B=${1:-build}; OUT=${2:-/tmp/cliq-ptq}; shift 2 2>/dev/null || shift $#
S=${CLIQ_SHARED_DIR:-$(dirname "$0")/../../shared}
METHODS=${METHODS:-"minmax percentile entropy mse auto"}
MODELS=${MODELS:-"mnist-8 ultraface_RFB-320 ultraface_slim-320 yunet blazeface_front_128 ppocr_cls_mobile_v2 mlsd_320_tiny super_resolution-10"}
mkdir -p "$OUT"
SHARED=$S
. "$(dirname "$0")/model_setup.sh" # CALIB, PRE per model
printf "%-22s" model; for m in $METHODS; do printf " %10s" "$m"; done; echo
for model in $MODELS; do
  model_setup "$model"
  data=$CALIB; [ "$model" = mnist-8 ] || data="imagenet:$CALIB"
  F="$S/models/$model/model.onnx"
  printf "%-22s" "$model"
  for m in $METHODS; do
    Q="$OUT/${model}_$m.onnx"
    mm=$m; [ "$m" = percentile ] && mm=percentile:99.99
    if "$B/cliq" quantize "$F" --calib "$data" --limit 200 "${PRE[@]}" --method $mm -o "$Q" "$@" >/dev/null 2>"$OUT/${model}_$m.log" &&
       "$B/cliq" compare "$F" "$Q" --images "$data" --skip 300 --limit 100 --json "${PRE[@]}" >"$OUT/${model}_$m.json" 2>>"$OUT/${model}_$m.log"; then
      python3 -c "import json,sys; j=json.load(open(sys.argv[1])); o=[x for x in j['outputs'] if x['name']!='scores' or 'mlsd' not in sys.argv[1]]; print('%11.1f'%min(x['sqnr_db'] for x in o), end='')" "$OUT/${model}_$m.json"
    else
      printf " %10s" FAIL
    fi
  done
  echo
done
