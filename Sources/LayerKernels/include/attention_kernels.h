#ifndef VITA_ATTENTION_KERNELS_H
#define VITA_ATTENTION_KERNELS_H
// Attention's row kernels (softmax with its dropout, and the softmax's backward) for cores with
// AVX-512 (`_avx512`) or with AVX2 and FMA (`_avx2`). Why C: the package builds Swift for the x86-64
// baseline, so its SIMD16 code runs as four SSE instructions per vector, and these loops, over tens
// of millions of scores per sample, are bound by instructions, not by memory. Swift cannot compile
// one function for a wider target; C can (a `target` attribute), and V1TModel calls each set only
// when CPUID and the OS say the core runs it (`VectorKernels`). They compute what V1TModel's
// portable Swift kernels do (AttentionRowKernels.swift), the dropout decisions bit for bit, the rest
// up to float rounding (FMA, sums in 16 or 8 lanes). On other architectures the functions exist but
// must not be called.

#include <stdint.h>

/// The state of the sixteen xorshift128 generators of V1TModel's `DropDecisions`: words x, y, z, w
/// of lane 0..15 at [0..15], [16..31], [32..47], [48..63]; advanced in place.
typedef struct {
    uint32_t words[64];
} vita_drop_state;

/// Softmax of each of `rows` rows of `count` scores, in place (rows one after another).
/// With `weights` (rows x count), also draws dropout: per 16 entries (a tail of fewer takes a whole
/// draw) lane k is dropped when its generator's uniform in [1, 2) is below `threshold` (1 + rate);
/// dropped probabilities are negated in place, and `weights` gets 0 where dropped, p * keepScale elsewhere.
void vita_attention_softmax_rows_avx512(float *scores, long rows, long count,
                                        float *weights, float keepScale, float threshold, vita_drop_state *state);
void vita_attention_softmax_rows_avx2(float *scores, long rows, long count,
                                      float *weights, float keepScale, float threshold, vita_drop_state *state);

/// The softmax's backward for each of `rows` rows, in place in `gradient` (the gradient of the
/// mixing weights on entry, of the scores on return): g <- w g - |stored| Σ w g, with w = stored,
/// or with `weights` non-null w = max(stored, 0) * keepScale, also written to `weights`.
void vita_attention_softmax_backward_rows_avx512(float *gradient, const float *stored, long rows, long count,
                                                 float *weights, float keepScale);
void vita_attention_softmax_backward_rows_avx2(float *gradient, const float *stored, long rows, long count,
                                               float *weights, float keepScale);

#endif
