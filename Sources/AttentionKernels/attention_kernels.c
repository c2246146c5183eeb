#include "attention_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))

/// The lanes of the 16 entries from `j` that lie in a row of `count`.
AVX512 static inline __mmask16 lanes_from(long j, long count) {
    long left = count - j;
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

/// e^x for x <= 0 (a softmax's shifted scores), as V1TModel's `fastExpOfNonPositive`: Cody-Waite
/// reduction x = n ln2 + r, a degree-7 Taylor polynomial for e^r, 2^n in the exponent bits; below
/// ln(smallest normal float) it flushes to zero.
AVX512 static inline __m512 exp_of_non_positive(__m512 x) {
    const __m512 lowest = _mm512_set1_ps(-87.33654f), magic = _mm512_set1_ps(12582912.0f);
    __m512 clamped = _mm512_max_ps(lowest, x);
    __m512 shifted = _mm512_fmadd_ps(clamped, _mm512_set1_ps(1.44269504f), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), clamped);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i exponent = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(magic));
    __m512 power = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(exponent, _mm512_set1_epi32(127)), 23));
    __mmask16 flushed = _mm512_cmp_ps_mask(x, lowest, _CMP_LT_OQ);
    return _mm512_mask_mov_ps(_mm512_mul_ps(p, power), flushed, _mm512_setzero_ps());
}

/// One step of the sixteen generators; the lanes whose decision is "dropped".
AVX512 static inline __mmask16 next_dropped(__m512i *x, __m512i *y, __m512i *z, __m512i *w, __m512 threshold) {
    __m512i t = _mm512_xor_si512(*x, _mm512_slli_epi32(*x, 11));
    *x = *y;
    *y = *z;
    *z = *w;
    *w = _mm512_xor_si512(_mm512_xor_si512(*w, _mm512_srli_epi32(*w, 19)), _mm512_xor_si512(t, _mm512_srli_epi32(t, 8)));
    __m512 uniform = _mm512_castsi512_ps(_mm512_or_si512(_mm512_srli_epi32(*w, 9), _mm512_set1_epi32(0x3F800000)));
    return _mm512_cmp_ps_mask(uniform, threshold, _CMP_LT_OQ);
}

AVX512 void vita_attention_softmax_rows(float *scores, long rows, long count,
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

AVX512 void vita_attention_softmax_backward_rows(float *gradient, const float *stored, long rows, long count,
                                                 float *weights, float keepScale) {
    const __m512 keep = _mm512_set1_ps(keepScale);
    const __m512i magnitudeBits = _mm512_set1_epi32(0x7FFFFFFF);
    for (long i = 0; i < rows; i++) {
        float *g = gradient + i * count, *rowWeights = weights ? weights + i * count : 0;
        const float *s = stored + i * count;
        __m512 sums = _mm512_setzero_ps();
        for (long j = 0; j < count; j += 16) {
            __mmask16 lanes = lanes_from(j, count);
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

void vita_attention_softmax_rows(float *scores, long rows, long count,
                                 float *weights, float keepScale, float threshold, vita_drop_state *state) {
    __builtin_trap();
}

void vita_attention_softmax_backward_rows(float *gradient, const float *stored, long rows, long count,
                                          float *weights, float keepScale) {
    __builtin_trap();
}

#endif
