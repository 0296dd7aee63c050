/*
 * op_list.h — the op table: one line per operator, CLIQ_OP(Type); the op's domain, oldest
 * supported opset and functions are in its cliq__op_def.
 * This is the only place to edit to add an op (plus its file in host/ops/). Tests and `cliq info`
 * iterate the table. Internal ops made by session passes use the "cliq" domain.
 * Kept in sections so people adding ops in parallel touch different lines.
 */

/* elementwise unary (host/ops/unary.c) */
CLIQ_OP(Relu)
CLIQ_OP(Clip)
CLIQ_OP(LeakyRelu)
CLIQ_OP(Sigmoid)
CLIQ_OP(HardSigmoid)
CLIQ_OP(HardSwish)
CLIQ_OP(Tanh)
CLIQ_OP(Exp)
CLIQ_OP(Elu)
CLIQ_OP(Selu)
CLIQ_OP(Softplus)
CLIQ_OP(Softsign)

/* elementwise binary with broadcasting (host/ops/binary.c) */
CLIQ_OP(Add)
CLIQ_OP(Sub)
CLIQ_OP(Mul)
CLIQ_OP(Div)
CLIQ_OP(Pow)
CLIQ_OP(PRelu)
CLIQ_OP(Max)
CLIQ_OP(Min)
CLIQ_OP(Sum)
CLIQ_OP(Mean)
CLIQ_OP(Equal)
CLIQ_OP(Less)
CLIQ_OP(LessOrEqual)
CLIQ_OP(Greater)
CLIQ_OP(GreaterOrEqual)
CLIQ_OP(Neg)
CLIQ_OP(Abs)
CLIQ_OP(Sqrt)
CLIQ_OP(Reciprocal)
CLIQ_OP(Floor)
CLIQ_OP(Ceil)

/* data movement and shapes (host/ops/shape_ops.c, concat.c, slice.c, ...) */
CLIQ_OP(Identity)
CLIQ_OP(Dropout)
CLIQ_OP(Reshape)
CLIQ_OP(Flatten)
CLIQ_OP(Squeeze)
CLIQ_OP(Unsqueeze)
CLIQ_OP(Shape)
CLIQ_OP(Size)
CLIQ_OP(ConstantOfShape)
CLIQ_OP(Gather)
CLIQ_OP(Cast)
CLIQ_OP(CastLike)
CLIQ_OP(Expand)
CLIQ_OP(Tile)
CLIQ_OP(Concat)
CLIQ_OP(Split)
CLIQ_OP(Slice)
CLIQ_OP(Transpose)
CLIQ_OP(Pad)
CLIQ_OP(Resize)

/* convolution, gemm, pooling (host/ops/conv.c, gemm.c, pool.c) */
CLIQ_OP(Conv)
CLIQ_OP(ConvTranspose)
CLIQ_OP(Gemm)
CLIQ_OP(MatMul)

/* normalisation and others */
/* pooling (host/ops/pool.c) */
CLIQ_OP(MaxPool)
CLIQ_OP(AveragePool)
CLIQ_OP(GlobalAveragePool)
CLIQ_OP(GlobalMaxPool)
/* reductions (host/ops/reduce.c) */
CLIQ_OP(ReduceSum)
CLIQ_OP(ReduceMean)
CLIQ_OP(ReduceMax)
CLIQ_OP(ReduceMin)
CLIQ_OP(ReduceProd)
CLIQ_OP(ReduceSumSquare)
CLIQ_OP(ReduceL1)
CLIQ_OP(ReduceL2)
CLIQ_OP(ReduceLogSum)
CLIQ_OP(ReduceLogSumExp)
/* host/ops/batchnorm.c, host/ops/softmax.c */
CLIQ_OP(BatchNormalization)
CLIQ_OP(Softmax)
CLIQ_OP(LogSoftmax)
/* host/ops/argmax.c, host/ops/norm.c */
CLIQ_OP(ArgMax)
CLIQ_OP(ArgMin)
CLIQ_OP(LRN)
CLIQ_OP(InstanceNormalization)
CLIQ_OP(LayerNormalization)

/* quantization (host/ops/quant.c) and internal int8 ops */
CLIQ_OP(QuantizeLinear)
CLIQ_OP(DequantizeLinear)
CLIQ_OP(DynamicQuantizeLinear)
CLIQ_OP(ConvInteger)
CLIQ_OP(QLinearConv)
CLIQ_OP(MatMulInteger)
CLIQ_OP(QLinearMatMul)
CLIQ_OP(QAdd)
CLIQ_OP(QMul)
CLIQ_OP(QConcat)
CLIQ_OP(QAvgPool)
CLIQ_OP(QGlobalAvgPool)
CLIQ_OP(QLut)
/* int8 convolution and fully connected (host/ops/qconv.c, qgemm.c, shared parts in q8_layer.c) */
CLIQ_OP(QConv)
CLIQ_OP(QGemm)
