/*
 * pass_list.h — graph passes in the order they run: CLIQ_PASS(stage, function).
 */
/* conv (host/passes/fold_batchnorm.c, fusion.c): BN into Conv weights at load (standard ONNX
 * result); MatMul+Add -> Gemm and activation fusion on the session's graph */
CLIQ_PASS(LOAD, cliq__pass_fold_batchnorm)
CLIQ_PASS(SESSION, cliq__pass_fuse_activations)
