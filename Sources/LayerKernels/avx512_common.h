#ifndef VITA_AVX512_COMMON_H
#define VITA_AVX512_COMMON_H
// What the AVX-512 kernels of this target share (private to it): the target attribute, masks for a
// row's tail, the exponential of a softmax and a GELU, and one step of the dropout generators.

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))

/// How far ahead (in floats, 8 KB) the kernels that stream a large buffer from memory ask for it
/// with a software prefetch. The hardware prefetchers alone left the softmax's backward, reading the
/// stored probabilities, waiting on memory: 0.60 ns a score against 0.15 with this hint (a C loop over
/// 200 tiles of 128 x 436 on the development machine). A prefetch past the end of a buffer is harmless.
#define PREFETCH_AHEAD 2048

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

#endif
