# model_setup.sh — sourced by the bench scripts (models.sh, ptq_accuracy.sh): per shared model
# (../shared/models/MODELS.md), the calibration source CALIB, the preprocessing flags PRE (an
# array, as `cliq quantize/run/compare` take them) and DIMS, the values of symbolic input dims
# other than the batch (for `cliq bench --dims`). Needs SHARED (the shared folder). Returns 1 for a
# model it does not know.
model_setup() {
  CALIB=$SHARED/data/imagenet-sample PRE=() DIMS=
  case "$1" in
  mnist-8) CALIB=mnist:$SHARED/data/mnist ;;                           # 28x28 grey, raw 0..255
  super_resolution-10) PRE=(--size 224x224 --gray --std 255) ;;        # Y of YCbCr in [0,1]
  ultraface_RFB-320 | ultraface_slim-320) PRE=(--size 320x240 --mean 127 --std 128) ;; # RGB, (x-127)/128
  yunet) PRE=(--size 320x320 --bgr) DIMS=height=320,width=320 ;;       # BGR 0..255, H, W multiples of 32
  blazeface_front_128) PRE=(--size 128x128 --mean 127.5 --std 127.5) ;; # NHWC RGB, x/127.5-1
  ppocr_cls_mobile_v2) # BGR, (x/255-0.5)/0.5, 1x3x48x192
    PRE=(--size 192x48 --bgr --mean 127.5 --std 127.5)
    DIMS=p2o.DynamicDimension.1=48,p2o.DynamicDimension.2=192 ;;
  mlsd_320_tiny) PRE=(--size 320x320) ;;                                # NHWC RGB 0..255 + a channel of ones
  *) return 1 ;;
  esac
}
