#ifndef VITA_GEMM_KERNELS_H
#define VITA_GEMM_KERNELS_H
// A matrix product for tall, narrow shapes, in C with AVX2 and FMA: C = alpha A op(B) + beta C,
// row-major, A [m, k] with m large and k, n small (the stacked2d core's 1 x 1 convolutions: 25,088
// pixels of a micro-batch by 32 or 64 channels). OpenBLAS packs all of A first, which on these
// shapes costs about as much as the arithmetic (27-35 GFLOP/s at 64 channels on a Zen 3 core where
// this kernel runs 50-64): here only op(B), k x n, is packed, and A is read in place, six rows at a
// time against 16 columns held in twelve registers. V1TModel calls it only where `VectorKernels`
// says the core runs AVX2; results agree with sgemm's to float rounding.

/// op(B) = B [k, n] (ldb), or Bᵀ with B stored [n, k] (ldb) when transposeB is nonzero.
void vita_sgemm_tall_avx2(int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                          const float *b, long ldb, float beta, float *c, long ldc);

#endif
