/*
 * pass_list.h — graph passes in the order they run: CLIQ_PASS(stage, function).
 */
/* QDQ graphs to cliq's int8 ops (host/passes/lower_qdq.c); after activation fusion */
CLIQ_PASS(SESSION, cliq__pass_lower_qdq)
