/*
 * preprocess_keys.h — the metadata_props keys under which a model carries its preprocessing
 * (cliq_preprocess), so `cliq run/eval/compare` feed a quantized model the way it was calibrated.
 *
 * Written by the quantizer (cliq_quantize with options.preprocess, via cliq__preprocess_store),
 * read by cliq_preprocess_from_model. Values are plain text; an absent key keeps the default of
 * cliq_preprocess_default():
 *   cliq.preprocess.size    "WxH"     resize to exactly W x H            (cliq_preprocess width, height)
 *   cliq.preprocess.resize  "N"       short side to N, then crop         (resize_short)
 *   cliq.preprocess.crop    "WxH"     centre crop                        (crop_w, crop_h)
 *   cliq.preprocess.mean    "a,b,c"   per channel, 0..255 units, %.9g    (mean; one value = all channels)
 *   cliq.preprocess.std     "a,b,c"   per channel, 0..255 units, %.9g    (std)
 *   cliq.preprocess.bgr     "0"|"1"                                      (bgr)
 *   cliq.preprocess.gray    "0"|"1"                                      (gray)
 *   cliq.preprocess.layout  "auto"|"nchw"|"nhwc"                         (layout)
 */
#ifndef CLIQ_PREPROCESS_KEYS_H
#define CLIQ_PREPROCESS_KEYS_H

#define CLIQ_PREPROCESS_KEY_PREFIX "cliq.preprocess."
#define CLIQ_PREPROCESS_KEY_SIZE "cliq.preprocess.size"
#define CLIQ_PREPROCESS_KEY_RESIZE "cliq.preprocess.resize"
#define CLIQ_PREPROCESS_KEY_CROP "cliq.preprocess.crop"
#define CLIQ_PREPROCESS_KEY_MEAN "cliq.preprocess.mean"
#define CLIQ_PREPROCESS_KEY_STD "cliq.preprocess.std"
#define CLIQ_PREPROCESS_KEY_BGR "cliq.preprocess.bgr"
#define CLIQ_PREPROCESS_KEY_GRAY "cliq.preprocess.gray"
#define CLIQ_PREPROCESS_KEY_LAYOUT "cliq.preprocess.layout"

#endif /* CLIQ_PREPROCESS_KEYS_H */
