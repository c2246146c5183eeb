#ifndef VITA_LAYER_KERNELS_H
#define VITA_LAYER_KERNELS_H
// The element-wise and row-wise layers around the matrix products (GELU, LayerNorm, dropout) for
// cores with AVX-512 (`_avx512`) or AVX2 and FMA (`_avx2`), for the reason attention_kernels.h gives:
// Swift builds for the x86-64 baseline, and at small embeddings (64 floats a token) these loops cost
// as much as the products beside them. They compute what V1TModel's portable Swift layers do: the
// dropout decisions bit for bit, the rest up to float rounding (fused multiply-adds, LayerNorm's sums
// in 16 or 8 lanes). V1TModel calls each set only when CPUID and the OS say the core runs it
// (`VectorKernels`); elsewhere they must not be called.

#include "attention_kernels.h"

/// GELU, x Φ(x), as V1TModel's `GELU.forward`: x [count] -> y [count] (y may be x).
void vita_gelu_forward_avx512(const float *x, float *y, long count);
void vita_gelu_forward_avx2(const float *x, float *y, long count);

/// GELU's backward: dx = dy (Φ(x) + x φ(x)) [count] (dx may be dy).
void vita_gelu_backward_avx512(const float *dy, const float *x, float *dx, long count);
void vita_gelu_backward_avx2(const float *dy, const float *x, float *dx, long count);

/// Inverted dropout of x [count] in place, as V1TModel's `Dropout`: per 16 entries (a tail of fewer
/// takes a whole draw) lane k is dropped when its generator's uniform in [1, 2) is below `threshold`
/// (1 + rate); dropped entries become 0, the others x * keepScale. `state` is advanced.
void vita_dropout_avx512(float *x, long count, float keepScale, float threshold, vita_drop_state *state);
void vita_dropout_avx2(float *x, long count, float keepScale, float threshold, vita_drop_state *state);

/// LayerNorm of `rows` rows of `width`: y = (x - mean) / σ * weight + bias with σ² the biased
/// variance plus epsilon; statistics [rows, 2] receives each row's mean and 1/σ.
void vita_layer_norm_forward_avx512(const float *x, long rows, long width, const float *weight, const float *bias,
                                    float epsilon, float *y, float *statistics);
void vita_layer_norm_forward_avx2(const float *x, long rows, long width, const float *weight, const float *bias,
                                  float epsilon, float *y, float *statistics);

/// LayerNorm's backward: from dy [rows, width], the forward's x and statistics, ADDS
/// dweight += Σ_rows dy x̂, dbias += Σ_rows dy (row after row), and dx += 1/σ (g - mean(g) - x̂ mean(g x̂))
/// with g = dy * weight.
void vita_layer_norm_backward_avx512(const float *dy, const float *x, const float *statistics, long rows, long width,
                                     const float *weight, float *dweight, float *dbias, float *dx);
void vita_layer_norm_backward_avx2(const float *dy, const float *x, const float *statistics, long rows, long width,
                                   const float *weight, float *dweight, float *dbias, float *dx);

#endif
