// The AVX-512 kernels of attention_kernels.c and layer_kernels.c for cores with AVX2 and FMA but
// not AVX-512 (AMD Zen 1-3, Intel Haswell to Comet Lake: much of what clusters run). Without them
// those cores run the portable Swift kernels as SSE, and at the small configurations the softmax
// alone took as long as its two matrix products (docs/performance.md). The same arithmetic, eight
// lanes at a time; the dropout draws sixteen decisions per sixteen entries, as everywhere.
#include "layer_kernels.h"
#include <math.h>

#if defined(__x86_64__)
#include "avx2_common.h"

AVX2 void vita_attention_softmax_rows_avx2(float *scores, long rows, long count,
                                           float *weights, float keepScale, float threshold, vita_drop_state *state) {
    drop16 generators;
    if (weights) generators = drop16_load(state);
    const __m256 minusInfinity = _mm256_set1_ps(-__builtin_inff()), keep = _mm256_set1_ps(keepScale);
    const __m256 limit = _mm256_set1_ps(threshold), signBit = _mm256_set1_ps(-0.0f);
    for (long i = 0; i < rows; i++) {
        float *row = scores + i * count;
        __m256 maxima = minusInfinity;
        for (long j = 0; j < count; j += 8) maxima = _mm256_max_ps(maxima, load8_or(row, j, count, minusInfinity));
        const __m256 shift = _mm256_set1_ps(reduce_max8(maxima));
        __m256 sums = _mm256_setzero_ps();
        for (long j = 0; j < count; j += 8) {
            __m256 e = exp8_of_non_positive(_mm256_sub_ps(load8_or(row, j, count, minusInfinity), shift));
            store8(row, j, count, e);
            sums = _mm256_add_ps(sums, e);
        }
        const __m256 inverse = _mm256_set1_ps(1.0f / reduce_add8(sums));
        if (!weights) {
            for (long j = 0; j < count; j += 8) store8(row, j, count, _mm256_mul_ps(load8(row, j, count), inverse));
            continue;
        }
        float *rowWeights = weights + i * count;
        for (long j = 0; j < count; j += 16) {
            // The row is normalised and its dropout drawn in one pass, while it is in registers.
            __m256 dropped[2];
            next_dropped16(&generators, limit, dropped);
            for (int h = 0; h < 2 && j + 8 * h < count; h++) {
                long at = j + 8 * h;
                __m256 p = _mm256_mul_ps(load8(row, at, count), inverse);
                store8(rowWeights, at, count, _mm256_andnot_ps(dropped[h], _mm256_mul_ps(p, keep)));
                store8(row, at, count, _mm256_xor_ps(p, _mm256_and_ps(dropped[h], signBit)));   // dropped: negated
            }
        }
    }
    if (weights) drop16_store(&generators, state);
}

AVX2 void vita_attention_softmax_backward_rows_avx2(float *gradient, const float *stored, long rows, long count,
                                                    float *weights, float keepScale) {
    const __m256 keep = _mm256_set1_ps(keepScale), zero = _mm256_setzero_ps();
    for (long i = 0; i < rows; i++) {
        float *g = gradient + i * count, *rowWeights = weights ? weights + i * count : 0;
        const float *s = stored + i * count;
        __m256 sums = zero;
        for (long j = 0; j < count; j += 8) {
            _mm_prefetch((const char *)(s + j + PREFETCH_AHEAD), _MM_HINT_T0);
            __m256 mixing = load8(s, j, count);
            if (rowWeights) {
                // Dropped entries are stored negated: their weight is 0.
                mixing = _mm256_and_ps(_mm256_cmp_ps(mixing, zero, _CMP_GE_OQ), _mm256_mul_ps(mixing, keep));
                store8(rowWeights, j, count, mixing);
            }
            __m256 product = _mm256_mul_ps(mixing, load8(g, j, count));
            store8(g, j, count, product);
            sums = _mm256_add_ps(sums, product);
        }
        const __m256 total = _mm256_set1_ps(reduce_add8(sums));
        for (long j = 0; j < count; j += 8)
            store8(g, j, count, _mm256_fnmadd_ps(abs8(load8(s, j, count)), total, load8(g, j, count)));
    }
}

/// Φ(x) and e^(-x²/2) per lane, as layer_kernels.c's `normal_cdf`.
AVX2 static inline __m256 normal_cdf8(__m256 x, __m256 *gaussian) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f * 0.70710678f), abs8(x), one));
    __m256 q = _mm256_set1_ps(1.061405429f);
    q = _mm256_fmsub_ps(q, t, _mm256_set1_ps(1.453152027f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(1.421413741f));
    q = _mm256_fmsub_ps(q, t, _mm256_set1_ps(0.284496736f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.254829592f));
    *gaussian = exp8_of_non_positive(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(x, x)));
    __m256 upperTail = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_mul_ps(q, t)), *gaussian);
    __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(_mm256_sub_ps(one, upperTail), upperTail, negative);
}

AVX2 void vita_gelu_forward_avx2(const float *x, float *y, long count) {
    for (long j = 0; j < count; j += 8) {
        _mm_prefetch((const char *)(x + j + PREFETCH_AHEAD), _MM_HINT_T0);
        __m256 input = load8(x, j, count), gaussian;
        store8(y, j, count, _mm256_mul_ps(input, normal_cdf8(input, &gaussian)));
    }
}

AVX2 void vita_gelu_backward_avx2(const float *dy, const float *x, float *dx, long count) {
    const __m256 inverseSqrt2Pi = _mm256_set1_ps(0.39894228f);
    for (long j = 0; j < count; j += 8) {
        _mm_prefetch((const char *)(x + j + PREFETCH_AHEAD), _MM_HINT_T0);
        _mm_prefetch((const char *)(dy + j + PREFETCH_AHEAD), _MM_HINT_T0);
        __m256 input = load8(x, j, count), gaussian;
        __m256 cdf = normal_cdf8(input, &gaussian);
        __m256 slope = _mm256_fmadd_ps(_mm256_mul_ps(input, gaussian), inverseSqrt2Pi, cdf);
        store8(dx, j, count, _mm256_mul_ps(load8(dy, j, count), slope));
    }
}

AVX2 void vita_dropout_avx2(float *x, long count, float keepScale, float threshold, vita_drop_state *state) {
    drop16 generators = drop16_load(state);
    const __m256 keep = _mm256_set1_ps(keepScale), limit = _mm256_set1_ps(threshold);
    for (long j = 0; j < count; j += 16) {
        _mm_prefetch((const char *)(x + j + PREFETCH_AHEAD), _MM_HINT_T0);
        __m256 dropped[2];
        next_dropped16(&generators, limit, dropped);
        for (int h = 0; h < 2 && j + 8 * h < count; h++) {
            long at = j + 8 * h;
            store8(x, at, count, _mm256_andnot_ps(dropped[h], _mm256_mul_ps(load8(x, at, count), keep)));
        }
    }
    drop16_store(&generators, state);
}

AVX2 void vita_layer_norm_forward_avx2(const float *x, long rows, long width, const float *weight, const float *bias,
                                       float epsilon, float *y, float *statistics) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * width;
        float *yr = y + r * width;
        __m256 sums = _mm256_setzero_ps();
        for (long j = 0; j < width; j += 8) {
            _mm_prefetch((const char *)(xr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            sums = _mm256_add_ps(sums, load8(xr, j, width));
        }
        const float mean = reduce_add8(sums) / (float)width;
        const __m256 means = _mm256_set1_ps(mean);
        // Two passes (mean first) rather than E[x²] - mean², which cancels badly in float.
        __m256 squares = _mm256_setzero_ps();
        for (long j = 0; j < width; j += 8) {
            __m256 centred = _mm256_sub_ps(load8(xr, j, width), means);
            if (width - j < 8) centred = _mm256_and_ps(centred, _mm256_castsi256_ps(lanes8_from(j, width)));
            squares = _mm256_fmadd_ps(centred, centred, squares);
        }
        const float s = 1.0f / sqrtf(reduce_add8(squares) / (float)width + epsilon);
        statistics[2 * r] = mean;
        statistics[2 * r + 1] = s;
        const __m256 scale = _mm256_set1_ps(s);
        for (long j = 0; j < width; j += 8) {
            __m256 normalised = _mm256_mul_ps(_mm256_sub_ps(load8(xr, j, width), means), scale);
            store8(yr, j, width, _mm256_fmadd_ps(normalised, load8(weight, j, width), load8(bias, j, width)));
        }
    }
}

AVX2 void vita_layer_norm_backward_avx2(const float *dy, const float *x, const float *statistics, long rows, long width,
                                        const float *weight, float *dweight, float *dbias, float *dx) {
    for (long r = 0; r < rows; r++) {
        const float *dyr = dy + r * width, *xr = x + r * width;
        float *dxr = dx + r * width;
        const __m256 means = _mm256_set1_ps(statistics[2 * r]), scale = _mm256_set1_ps(statistics[2 * r + 1]);
        __m256 sumG = _mm256_setzero_ps(), sumGH = _mm256_setzero_ps();
        for (long j = 0; j < width; j += 8) {
            _mm_prefetch((const char *)(xr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(dyr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(dxr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            __m256 upstream = load8(dyr, j, width);   // 0 past the row: so are g and its sums' terms
            __m256 normalised = _mm256_mul_ps(_mm256_sub_ps(load8(xr, j, width), means), scale);
            __m256 g = _mm256_mul_ps(upstream, load8(weight, j, width));
            sumG = _mm256_add_ps(sumG, g);
            sumGH = _mm256_fmadd_ps(g, normalised, sumGH);
            store8(dweight, j, width, _mm256_fmadd_ps(upstream, normalised, load8(dweight, j, width)));
            store8(dbias, j, width, _mm256_add_ps(upstream, load8(dbias, j, width)));
        }
        const __m256 meanG = _mm256_set1_ps(reduce_add8(sumG) / (float)width);
        const __m256 meanGH = _mm256_set1_ps(reduce_add8(sumGH) / (float)width);
        for (long j = 0; j < width; j += 8) {
            __m256 normalised = _mm256_mul_ps(_mm256_sub_ps(load8(xr, j, width), means), scale);
            __m256 g = _mm256_mul_ps(load8(dyr, j, width), load8(weight, j, width));
            __m256 centred = _mm256_fnmadd_ps(normalised, meanGH, _mm256_sub_ps(g, meanG));
            store8(dxr, j, width, _mm256_fmadd_ps(scale, centred, load8(dxr, j, width)));
        }
    }
}

#else

void vita_attention_softmax_rows_avx2(float *scores, long rows, long count,
                                      float *weights, float keepScale, float threshold, vita_drop_state *state) { __builtin_trap(); }
void vita_attention_softmax_backward_rows_avx2(float *gradient, const float *stored, long rows, long count,
                                               float *weights, float keepScale) { __builtin_trap(); }
void vita_gelu_forward_avx2(const float *x, float *y, long count) { __builtin_trap(); }
void vita_gelu_backward_avx2(const float *dy, const float *x, float *dx, long count) { __builtin_trap(); }
void vita_dropout_avx2(float *x, long count, float keepScale, float threshold, vita_drop_state *state) { __builtin_trap(); }
void vita_layer_norm_forward_avx2(const float *x, long rows, long width, const float *weight, const float *bias,
                                  float epsilon, float *y, float *statistics) { __builtin_trap(); }
void vita_layer_norm_backward_avx2(const float *dy, const float *x, const float *statistics, long rows, long width,
                                   const float *weight, float *dweight, float *dbias, float *dx) { __builtin_trap(); }

#endif
