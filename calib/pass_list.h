/*
 * pass_list.h — PTQ passes in the order they run: CLIQ_PTQ_PASS(stage, function), stage one of
 * FLOAT, CALIBRATED, QDQ (calib/pass.h).
 */
CLIQ_PTQ_PASS(FLOAT, cliq__ptq_fold_conv_bias_add)
CLIQ_PTQ_PASS(FLOAT, cliq__ptq_matmul_add_to_gemm)
/* accuracy (calib/equalize.c): cross-layer equalization on the float graph */
CLIQ_PTQ_PASS(FLOAT, cliq__ptq_equalize)
/* accuracy (calib/round_weights.c): int8 weights chosen for the layers' output error (GPTQ) */
CLIQ_PTQ_PASS(QDQ, cliq__ptq_round_weights)
/* accuracy (calib/bias_correct.c): empirical bias correction of the int32 biases (Nagel et al. sec. 4.2) */
CLIQ_PTQ_PASS(QDQ, cliq__ptq_bias_correct)
/* accuracy target (calib/fallback.c): bypass activation quantizers until target_sqnr_db is met */
CLIQ_PTQ_PASS(QDQ, cliq__ptq_fallback)
