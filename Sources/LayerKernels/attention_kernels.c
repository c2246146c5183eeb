#include "attention_kernels.h"

#if defined(__x86_64__)
#include "avx512_common.h"

AVX512 void vita_attention_softmax_rows_avx512(float *scores, long rows, long count,
                                        float *weights, float keepScale, float threshold, vita_drop_state *state) {
    __m512i x = _mm512_setzero_si512(), y = x, z = x, w = x;
    if (weights) {
        x = _mm512_loadu_si512(state->words);
        y = _mm512_loadu_si512(state->words + 16);
        z = _mm512_loadu_si512(state->words + 32);
        w = _mm512_loadu_si512(state->words + 48);
    }
    const __m512 minusInfinity = _mm512_set1_ps(-__builtin_inff()), keep = _mm512_set1_ps(keepScale);
    const __m512 limit = _mm512_set1_ps(threshold);
    for (long i = 0; i < rows; i++) {
        float *row = scores + i * count;
        __m512 maxima = minusInfinity;
        for (long j = 0; j < count; j += 16)
            maxima = _mm512_max_ps(maxima, _mm512_mask_loadu_ps(minusInfinity, lanes_from(j, count), row + j));
        const __m512 shift = _mm512_set1_ps(_mm512_reduce_max_ps(maxima));
        __m512 sums = _mm512_setzero_ps();
        for (long j = 0; j < count; j += 16) {
            __mmask16 lanes = lanes_from(j, count);
            __m512 e = exp_of_non_positive(_mm512_sub_ps(_mm512_mask_loadu_ps(minusInfinity, lanes, row + j), shift));
            _mm512_mask_storeu_ps(row + j, lanes, e);
            sums = _mm512_add_ps(sums, e);
        }
        const __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sums));
        for (long j = 0; j < count; j += 16) {
            __mmask16 lanes = lanes_from(j, count);
            __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, row + j), inverse);
            if (weights) {
                // The row is normalised and its dropout drawn in one pass, while it is in registers.
                __mmask16 dropped = next_dropped(&x, &y, &z, &w, limit);
                _mm512_mask_storeu_ps(weights + i * count + j, lanes, _mm512_maskz_mul_ps((__mmask16)~dropped, p, keep));
                p = _mm512_mask_xor_ps(p, dropped, p, _mm512_set1_ps(-0.0f));   // negated: the sign bit flipped
            }
            _mm512_mask_storeu_ps(row + j, lanes, p);
        }
    }
    if (weights) {
        _mm512_storeu_si512(state->words, x);
        _mm512_storeu_si512(state->words + 16, y);
        _mm512_storeu_si512(state->words + 32, z);
        _mm512_storeu_si512(state->words + 48, w);
    }
}

AVX512 void vita_attention_softmax_backward_rows_avx512(float *gradient, const float *stored, long rows, long count,
                                                 float *weights, float keepScale) {
    const __m512 keep = _mm512_set1_ps(keepScale);
    const __m512i magnitudeBits = _mm512_set1_epi32(0x7FFFFFFF);
    for (long i = 0; i < rows; i++) {
        float *g = gradient + i * count, *rowWeights = weights ? weights + i * count : 0;
        const float *s = stored + i * count;
        __m512 sums = _mm512_setzero_ps();
        for (long j = 0; j < count; j += 16) {
            __mmask16 lanes = lanes_from(j, count);
            _mm_prefetch((const char *)(s + j + PREFETCH_AHEAD), _MM_HINT_T0);
            __m512 mixing = _mm512_maskz_loadu_ps(lanes, s + j);
            if (rowWeights) {
                // Dropped entries are stored negated: their weight is 0.
                __mmask16 kept = _mm512_cmp_ps_mask(mixing, _mm512_setzero_ps(), _CMP_GE_OQ);
                mixing = _mm512_maskz_mul_ps(kept, mixing, keep);
                _mm512_mask_storeu_ps(rowWeights + j, lanes, mixing);
            }
            __m512 product = _mm512_mul_ps(mixing, _mm512_maskz_loadu_ps(lanes, g + j));
            _mm512_mask_storeu_ps(g + j, lanes, product);
            sums = _mm512_add_ps(sums, product);
        }
        const __m512 total = _mm512_set1_ps(_mm512_reduce_add_ps(sums));
        for (long j = 0; j < count; j += 16) {
            __mmask16 lanes = lanes_from(j, count);
            __m512 magnitude = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(_mm512_maskz_loadu_ps(lanes, s + j)), magnitudeBits));
            _mm512_mask_storeu_ps(g + j, lanes, _mm512_fnmadd_ps(magnitude, total, _mm512_maskz_loadu_ps(lanes, g + j)));
        }
    }
}

#else

void vita_attention_softmax_rows_avx512(float *scores, long rows, long count,
                                 float *weights, float keepScale, float threshold, vita_drop_state *state) {
    __builtin_trap();
}

void vita_attention_softmax_backward_rows_avx512(float *gradient, const float *stored, long rows, long count,
                                          float *weights, float keepScale) {
    __builtin_trap();
}

#endif
