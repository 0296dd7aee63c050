/*
 * preprocess_keys.h — the metadata_props keys under which a model stores the preprocessing its
 * inputs expect (cliq_preprocess, include/cliq.h). `cliq quantize` writes them into the int8
 * model (calib/meta.c) so `cliq run/eval/compare` reuse them (cliq_preprocess_from_model,
 * host/io/). Shared by writer and reader so the names exist once.
 *
 * Values are text; a key that is absent means the cliq_preprocess_default() value. Floats are
 * written with %.9g (they read back exactly).
 *   cliq.preprocess.size     "WxH"    resize to exactly W x H      (width, height; absent when 0)
 *   cliq.preprocess.resize   "N"      short side to N, then crop  (resize_short; absent when 0)
 *   cliq.preprocess.crop     "WxH"    centre crop after resize    (crop_w, crop_h; absent when 0)
 *   cliq.preprocess.mean     "a,b,c"  in 0..255 units, per channel (x - mean) / std
 *   cliq.preprocess.std      "a,b,c"
 *   cliq.preprocess.bgr      "0"|"1"  channel order BGR
 *   cliq.preprocess.gray     "0"|"1"  convert to one grey channel
 *   cliq.preprocess.layout   "auto"|"nchw"|"nhwc"
 */
#ifndef CLIQ_IO_PREPROCESS_KEYS_H
#define CLIQ_IO_PREPROCESS_KEYS_H

#define CLIQ_PREPROCESS_KEY_SIZE "cliq.preprocess.size"
#define CLIQ_PREPROCESS_KEY_RESIZE "cliq.preprocess.resize"
#define CLIQ_PREPROCESS_KEY_CROP "cliq.preprocess.crop"
#define CLIQ_PREPROCESS_KEY_MEAN "cliq.preprocess.mean"
#define CLIQ_PREPROCESS_KEY_STD "cliq.preprocess.std"
#define CLIQ_PREPROCESS_KEY_BGR "cliq.preprocess.bgr"
#define CLIQ_PREPROCESS_KEY_GRAY "cliq.preprocess.gray"
#define CLIQ_PREPROCESS_KEY_LAYOUT "cliq.preprocess.layout"

#endif /* CLIQ_IO_PREPROCESS_KEYS_H */
