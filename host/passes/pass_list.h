/*
 * pass_list.h — graph passes in the order they run: CLIQ_PASS(stage, function).
 */
