#ifndef VITA_AVX2_COMMON_H
#define VITA_AVX2_COMMON_H
// What the AVX2 kernels share (private to this target): the AVX-512 kernels' arithmetic on 8-lane
// vectors. The dropout still draws sixteen lanes at a time (the two halves of one draw cover 16
// entries), so every core draws the same decisions for the same entries.

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 2048
#endif

/// All-ones integer lanes for the entries j..j+7 that lie in a row of `count` (none past its end).
AVX2 static inline __m256i lanes8_from(long j, long count) {
    long left = count - j;
    left = left < 0 ? 0 : left > 8 ? 8 : left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Entries j..j+7 of p, zero past `count`. Whole vectors load plainly: masked moves are slow on AMD cores.
AVX2 static inline __m256 load8(const float *p, long j, long count) {
    return count - j >= 8 ? _mm256_loadu_ps(p + j) : _mm256_maskload_ps(p + j, lanes8_from(j, count));
}

/// As `load8`, with `fill` past `count`.
AVX2 static inline __m256 load8_or(const float *p, long j, long count, __m256 fill) {
    if (count - j >= 8) return _mm256_loadu_ps(p + j);
    __m256i lanes = lanes8_from(j, count);
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p + j, lanes), _mm256_castsi256_ps(lanes));
}

/// Stores the entries of v that lie before `count`.
AVX2 static inline void store8(float *p, long j, long count, __m256 v) {
    if (count - j >= 8) _mm256_storeu_ps(p + j, v);
    else if (count > j) _mm256_maskstore_ps(p + j, lanes8_from(j, count), v);
}

AVX2 static inline float reduce_add8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

AVX2 static inline float reduce_max8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_movehdup_ps(s)));
}

AVX2 static inline __m256 abs8(__m256 x) {
    return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)));
}

/// e^x for x <= 0, as avx512_common.h's `exp_of_non_positive` (the same constants and steps).
AVX2 static inline __m256 exp8_of_non_positive(__m256 x) {
    const __m256 lowest = _mm256_set1_ps(-87.33654f), magic = _mm256_set1_ps(12582912.0f);
    __m256 clamped = _mm256_max_ps(lowest, x);
    __m256 shifted = _mm256_fmadd_ps(clamped, _mm256_set1_ps(1.44269504f), magic);
    __m256 n = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), clamped);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i exponent = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_castps_si256(magic));
    __m256 power = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(exponent, _mm256_set1_epi32(127)), 23));
    __m256 flushed = _mm256_cmp_ps(x, lowest, _CMP_LT_OQ);
    return _mm256_andnot_ps(flushed, _mm256_mul_ps(p, power));
}

/// The sixteen xorshift128 generators of `vita_drop_state`, lanes 0-7 in [0] and 8-15 in [1].
typedef struct {
    __m256i x[2], y[2], z[2], w[2];
} drop16;

AVX2 static inline drop16 drop16_load(const vita_drop_state *state) {
    drop16 g;
    for (int h = 0; h < 2; h++) {
        g.x[h] = _mm256_loadu_si256((const __m256i *)(state->words + 8 * h));
        g.y[h] = _mm256_loadu_si256((const __m256i *)(state->words + 16 + 8 * h));
        g.z[h] = _mm256_loadu_si256((const __m256i *)(state->words + 32 + 8 * h));
        g.w[h] = _mm256_loadu_si256((const __m256i *)(state->words + 48 + 8 * h));
    }
    return g;
}

AVX2 static inline void drop16_store(const drop16 *g, vita_drop_state *state) {
    for (int h = 0; h < 2; h++) {
        _mm256_storeu_si256((__m256i *)(state->words + 8 * h), g->x[h]);
        _mm256_storeu_si256((__m256i *)(state->words + 16 + 8 * h), g->y[h]);
        _mm256_storeu_si256((__m256i *)(state->words + 32 + 8 * h), g->z[h]);
        _mm256_storeu_si256((__m256i *)(state->words + 48 + 8 * h), g->w[h]);
    }
}

/// One step of the sixteen generators: all-ones lanes where entry 8h + k is dropped, in dropped[h].
AVX2 static inline void next_dropped16(drop16 *g, __m256 threshold, __m256 dropped[2]) {
    for (int h = 0; h < 2; h++) {
        __m256i t = _mm256_xor_si256(g->x[h], _mm256_slli_epi32(g->x[h], 11));
        g->x[h] = g->y[h];
        g->y[h] = g->z[h];
        g->z[h] = g->w[h];
        g->w[h] = _mm256_xor_si256(_mm256_xor_si256(g->w[h], _mm256_srli_epi32(g->w[h], 19)),
                                   _mm256_xor_si256(t, _mm256_srli_epi32(t, 8)));
        __m256 uniform = _mm256_castsi256_ps(_mm256_or_si256(_mm256_srli_epi32(g->w[h], 9), _mm256_set1_epi32(0x3F800000)));
        dropped[h] = _mm256_cmp_ps(uniform, threshold, _CMP_LT_OQ);
    }
}

#endif
