/*
 * pass_list.h — graph passes in the order they run: CLIQ_PASS(stage, function).
 */
/* conv (host/passes/fold_batchnorm.c, nhwc_input.c, fusion.c): BN into Conv weights at load
 * (standard ONNX result); on the session's graph, channels-last Transposes into the Convs reading
 * them, then MatMul+Add -> Gemm and activation fusion */
CLIQ_PASS(LOAD, cliq__pass_fold_batchnorm)
CLIQ_PASS(SESSION, cliq__pass_fold_nhwc_input)
CLIQ_PASS(SESSION, cliq__pass_fuse_activations)
/* QDQ graphs to cliq's int8 ops (host/passes/lower_qdq.c); after activation fusion */
CLIQ_PASS(SESSION, cliq__pass_lower_qdq)
