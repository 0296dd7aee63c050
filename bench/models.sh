#!/usr/bin/env bash
# models.sh — int8 vs fp32 latency of every model in ../shared/models on the default device.
#   bench/models.sh CLIQ_BIN [OUTDIR]            (make bench runs it; OUTDIR default bench/results)
# For each model: `cliq quantize` (method mse, calibration on 100 images of
# ../shared/data/imagenet-sample with the model's preprocessing from ../shared/models/MODELS.md;
# mnist-8 on mnist:../shared/data/mnist), then `cliq bench MODEL --compare INT8 --batch 1,8` (median
# of 20 runs after 3 warm-up runs, each batch size back to back for both models) and `cliq info
# --json` of both for the weight bytes. Writes OUTDIR/models-<device>.csv and .md: one row per
# model and batch size with fp32 ms, int8 ms, the ratio int8/fp32 and the weights' bytes, headed by
# device, driver and git revision. A model or batch size that fails is a row saying so (logs in the
# work folder). The quantized models and logs go to $CLIQ_BENCH_WORK (default: a temporary folder,
# removed at the end unless CLIQ_BENCH_KEEP=1).
# Environment: CLIQ_SHARED_DIR (default ../shared beside the checkout), CLIQ_DEVICE (device),
# CLIQ_BENCH_RUNS (timed runs, default 20), CLIQ_BENCH_IMAGES (calibration images, default 100),
# CLIQ_BENCH_MODELS (substring filter on model names).
set -uo pipefail
CLIQ=${1:-}
here=$(cd "$(dirname "$0")/.." && pwd)
OUTDIR=${2:-$here/bench/results}
if [ -z "$CLIQ" ] || [ ! -x "$CLIQ" ]; then
  echo "usage: bench/models.sh CLIQ_BIN [OUTDIR]   (no cliq binary at '${CLIQ}': build first, make build)" >&2
  exit 2
fi
CLIQ=$(cd "$(dirname "$CLIQ")" && pwd)/$(basename "$CLIQ")
SHARED=${CLIQ_SHARED_DIR:-$here/../shared}
if [ ! -d "$SHARED/models" ]; then
  echo "models.sh: skipped: $SHARED/models is absent (set CLIQ_SHARED_DIR)"
  exit 0
fi
SHARED=$(cd "$SHARED" && pwd)
RUNS=${CLIQ_BENCH_RUNS:-20}
IMAGES=${CLIQ_BENCH_IMAGES:-100}
WORK=${CLIQ_BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/cliq-bench-models.XXXXXX")}
mkdir -p "$WORK" "$OUTDIR" || exit 2
cleanup() { if [ -z "${CLIQ_BENCH_KEEP:-}" ] && [ -z "${CLIQ_BENCH_WORK:-}" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT

# Per model: CALIB, PRE, DIMS (bench/model_setup.sh)
. "$here/bench/model_setup.sh"

# "key":number from one line of JSON
json_num() { sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p" | head -n 1; }

device=$("$CLIQ" devices 2>/dev/null | sed -n 's/^ *\* *//p' | head -n 1)
echo "models.sh: cliq $CLIQ, work folder $WORK"
rows=()
dev_name= dev_driver= git_rev=
for dir in "$SHARED"/models/*/; do
  name=$(basename "$dir")
  model=$dir/model.onnx
  [ -f "$model" ] || continue
  if [ -n "${CLIQ_BENCH_MODELS:-}" ] && [[ $name != *"$CLIQ_BENCH_MODELS"* ]]; then continue; fi
  if ! model_setup "$name"; then
    echo "models.sh: $name: no preprocessing known (add it to model_setup in bench/models.sh): skipped"
    continue
  fi
  int8=$WORK/$name.int8.onnx
  log=$WORK/$name.log
  printf '\n== %s\n' "$name"
  if ! "$CLIQ" quantize "$model" --calib "$CALIB" --limit "$IMAGES" --method mse "${PRE[@]}" -o "$int8" >"$log" 2>&1; then
    echo "models.sh: $name: quantize failed: $(tail -n 1 "$log")"
    rows+=("$name,,,,,,,quantize failed")
    continue
  fi
  tail -n 2 "$log"
  wf=$("$CLIQ" info "$model" --json 2>>"$log" | json_num weight_bytes)
  wq=$("$CLIQ" info "$int8" --json 2>>"$log" | json_num weight_bytes)
  dims=()
  [ -n "$DIMS" ] && dims=(--dims "$DIMS")
  json=$("$CLIQ" bench "$model" --compare "$int8" --batch 1,8 --runs "$RUNS" "${dims[@]}" --no-save --json 2>>"$log")
  if [ -z "$json" ]; then
    echo "models.sh: $name: bench failed: $(tail -n 1 "$log")"
    rows+=("$name,,,,,$wf,$wq,bench failed")
    continue
  fi
  [ -z "$dev_name" ] && dev_name=$(printf '%s' "$json" | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
  [ -z "$dev_driver" ] && dev_driver=$(printf '%s' "$json" | sed -n 's/.*"driver":"\([^"]*\)".*/\1/p')
  [ -z "$git_rev" ] && git_rev=$(printf '%s' "$json" | sed -n 's/.*"git":"\([^"]*\)".*/\1/p')
  ratios=$(printf '%s' "$json" | sed -n 's/.*"ratios":\[\(.*\)\]}$/\1/p' | sed 's/},{/}\n{/g')
  for b in 1 8; do
    entry=$(printf '%s\n' "$ratios" | grep "\"batch\":$b,")
    if [ -z "$entry" ]; then
      # the first failure's message (fp32 model first), made safe for CSV and Markdown cells
      why=$(printf '%s' "$json" | grep -o "\"batch\":$b,\"error\":\"[^\"]*" | head -n 1 | sed 's/.*"error":"//' | tr ',|' ';/')
      rows+=("$name,$b,,,,$wf,$wq,does not run at batch $b: ${why:-see the log}")
      echo "  batch $b: does not run: ${why:-see $log}"
      continue
    fi
    f=$(printf '%.3f' "$(printf '%s' "$entry" | json_num median_ms)")
    q=$(printf '%.3f' "$(printf '%s' "$entry" | json_num compare_median_ms)")
    r=$(printf '%.2f' "$(printf '%s' "$entry" | json_num ratio)")
    rows+=("$name,$b,$f,$q,$r,$wf,$wq,")
    printf '  batch %s: fp32 %s ms, int8 %s ms, int8/fp32 %s\n' "$b" "$f" "$q" "$r"
  done
done

if [ ${#rows[@]} -eq 0 ]; then
  echo "models.sh: no model was benchmarked"
  exit 1
fi
slug=$(printf '%s' "${dev_name:-$device}" | tr -c 'A-Za-z0-9._-' '_')
csv=$OUTDIR/models-$slug.csv
md=$OUTDIR/models-$slug.md
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
  echo "date,git,device,driver,model,batch,fp32_ms,int8_ms,int8_over_fp32,fp32_weight_bytes,int8_weight_bytes,note"
  for row in "${rows[@]}"; do echo "$stamp,$git_rev,\"$dev_name\",\"$dev_driver\",$row"; done
} >"$csv"
{
  echo "# int8 vs fp32 latency of the shared models"
  echo
  echo "\`bench/models.sh\` on $stamp: git $git_rev, device $dev_name (driver $dev_driver)."
  echo "Median end-to-end latency of $RUNS runs after 3 warm-up runs (\`cliq bench MODEL --compare INT8 --batch 1,8\`),"
  echo "int8 models from \`cliq quantize --method mse\` on $IMAGES calibration images; weights as stored in the files"
  echo "(\`cliq info --json\`: int8 QDQ models keep int32 biases and float scales). Ratio < 1: int8 is faster."
  echo "The machine is shared with other engineers' builds and tests: timings are indicative (+-30%)."
  echo
  echo "| model | batch | fp32 ms | int8 ms | int8/fp32 | fp32 weight bytes | int8 weight bytes | note |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for row in "${rows[@]}"; do
    IFS=, read -r m b f q r wf wq note <<<"$row"
    echo "| $m | $b | $f | $q | $r | $wf | $wq | $note |"
  done
} >"$md"
echo
echo "models.sh: wrote $csv and $md"
