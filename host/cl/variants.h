/*
 * variants.h — the kernel variants of cliq's float GEMM path (Conv, ConvTranspose, Gemm, MatMul),
 * one X-macro line each, the only place to edit to add one (XNNPACK's .inc lists):
 *
 *   CLIQ_VARIANT(id, kind, program, kernel, mr, nr, where, why)
 *
 * id       name (CLIQ_TUNE=GEMM_F32=<id> forces it; tests and bench/gemm_f32.c iterate the table)
 * kind     what it computes (variant.h): every variant of a kind gives the same results within
 *          float tolerance, tested against the C reference
 * program  cl_kernels/<program>.cl, built with -DMR=mr -DNR=nr (NULL: no cliq kernel, e.g. CLBlast)
 * where    predicate on the device: where the variant may run at all
 * why      when it is the right choice
 * The default per device comes from the tuning table (host/cl/tuning.c, key GEMM_F32), else the
 * first variant of the kind whose predicate holds.
 */
CLIQ_VARIANT(gemm_f32_8x32, GEMM_F32, "gemm_f32", "gemm_f32", 8, 32, cliq__where_any,
             "8x32 outer product in 16 float16 registers: 170-240 GFLOP/s on PoCL AVX-512 (bench/gemm_f32.c)")
CLIQ_VARIANT(gemm_f32_12x32, GEMM_F32, "gemm_f32", "gemm_f32", 12, 32, cliq__where_any,
             "24 accumulators: more reuse of each B load for deep K, more padding waste for few output channels")
CLIQ_VARIANT(gemm_f32_4x16, GEMM_F32, "gemm_f32", "gemm_f32", 4, 16, cliq__where_any,
             "small blocks: devices with few registers per work-item, and narrow layers")
CLIQ_VARIANT(clblast_sgemm, GEMM_F32, NULL, "CLBlastSgemm", 0, 0, cliq__where_clblast,
             "CLBlast's tuned SGEMM (plain im2col + SGEMM + epilogue kernel): GPUs; 13-17 s first-call compile on PoCL")
