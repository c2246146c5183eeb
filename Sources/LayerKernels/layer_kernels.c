#include "layer_kernels.h"
#include <math.h>

#if defined(__x86_64__)
#include "avx512_common.h"

/// Φ(x) and e^(-x²/2) per lane, as V1TModel's `GELU.normal`: P(N > |x|) = t·poly(t)·e^(-x²/2)/2
/// with t = 1/(1 + p|x|/√2) (Abramowitz & Stegun 7.1.26).
AVX512 static inline __m512 normal_cdf(__m512 x, __m512 *gaussian) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 magnitude = _mm512_abs_ps(x);
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f * 0.70710678f), magnitude, one));
    __m512 q = _mm512_set1_ps(1.061405429f);
    q = _mm512_fmsub_ps(q, t, _mm512_set1_ps(1.453152027f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(1.421413741f));
    q = _mm512_fmsub_ps(q, t, _mm512_set1_ps(0.284496736f));
    q = _mm512_fmadd_ps(q, t, _mm512_set1_ps(0.254829592f));
    *gaussian = exp_of_non_positive(_mm512_mul_ps(_mm512_set1_ps(-0.5f), _mm512_mul_ps(x, x)));
    __m512 upperTail = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), _mm512_mul_ps(q, t)), *gaussian);
    __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_mov_ps(_mm512_sub_ps(one, upperTail), negative, upperTail);
}

AVX512 void vita_gelu_forward_avx512(const float *x, float *y, long count) {
    for (long j = 0; j < count; j += 16) {
        __mmask16 lanes = lanes_from(j, count);
        _mm_prefetch((const char *)(x + j + PREFETCH_AHEAD), _MM_HINT_T0);
        __m512 input = _mm512_maskz_loadu_ps(lanes, x + j), gaussian;
        _mm512_mask_storeu_ps(y + j, lanes, _mm512_mul_ps(input, normal_cdf(input, &gaussian)));
    }
}

AVX512 void vita_gelu_backward_avx512(const float *dy, const float *x, float *dx, long count) {
    const __m512 inverseSqrt2Pi = _mm512_set1_ps(0.39894228f);
    for (long j = 0; j < count; j += 16) {
        __mmask16 lanes = lanes_from(j, count);
        _mm_prefetch((const char *)(x + j + PREFETCH_AHEAD), _MM_HINT_T0);
        _mm_prefetch((const char *)(dy + j + PREFETCH_AHEAD), _MM_HINT_T0);
        __m512 input = _mm512_maskz_loadu_ps(lanes, x + j), gaussian;
        __m512 cdf = normal_cdf(input, &gaussian);
        __m512 slope = _mm512_fmadd_ps(_mm512_mul_ps(input, gaussian), inverseSqrt2Pi, cdf);
        _mm512_mask_storeu_ps(dx + j, lanes, _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, dy + j), slope));
    }
}

AVX512 void vita_dropout_avx512(float *x, long count, float keepScale, float threshold, vita_drop_state *state) {
    __m512i a = _mm512_loadu_si512(state->words), b = _mm512_loadu_si512(state->words + 16);
    __m512i c = _mm512_loadu_si512(state->words + 32), d = _mm512_loadu_si512(state->words + 48);
    const __m512 keep = _mm512_set1_ps(keepScale), limit = _mm512_set1_ps(threshold);
    for (long j = 0; j < count; j += 16) {
        __mmask16 lanes = lanes_from(j, count);
        _mm_prefetch((const char *)(x + j + PREFETCH_AHEAD), _MM_HINT_T0);
        __mmask16 dropped = next_dropped(&a, &b, &c, &d, limit);
        _mm512_mask_storeu_ps(x + j, lanes, _mm512_maskz_mul_ps((__mmask16)~dropped, _mm512_maskz_loadu_ps(lanes, x + j), keep));
    }
    _mm512_storeu_si512(state->words, a);
    _mm512_storeu_si512(state->words + 16, b);
    _mm512_storeu_si512(state->words + 32, c);
    _mm512_storeu_si512(state->words + 48, d);
}

AVX512 void vita_layer_norm_forward_avx512(const float *x, long rows, long width, const float *weight, const float *bias,
                                    float epsilon, float *y, float *statistics) {
    for (long r = 0; r < rows; r++) {
        const float *xr = x + r * width;
        float *yr = y + r * width;
        __m512 sums = _mm512_setzero_ps();
        for (long j = 0; j < width; j += 16) {
            _mm_prefetch((const char *)(xr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            sums = _mm512_add_ps(sums, _mm512_maskz_loadu_ps(lanes_from(j, width), xr + j));
        }
        const float mean = _mm512_reduce_add_ps(sums) / (float)width;
        const __m512 means = _mm512_set1_ps(mean);
        // Two passes (mean first) rather than E[x²] - mean², which cancels badly in float.
        __m512 squares = _mm512_setzero_ps();
        for (long j = 0; j < width; j += 16) {
            __mmask16 lanes = lanes_from(j, width);
            __m512 centred = _mm512_maskz_sub_ps(lanes, _mm512_maskz_loadu_ps(lanes, xr + j), means);
            squares = _mm512_fmadd_ps(centred, centred, squares);
        }
        const float s = 1.0f / sqrtf(_mm512_reduce_add_ps(squares) / (float)width + epsilon);
        statistics[2 * r] = mean;
        statistics[2 * r + 1] = s;
        const __m512 scale = _mm512_set1_ps(s);
        for (long j = 0; j < width; j += 16) {
            __mmask16 lanes = lanes_from(j, width);
            __m512 normalised = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, xr + j), means), scale);
            __m512 out = _mm512_fmadd_ps(normalised, _mm512_maskz_loadu_ps(lanes, weight + j), _mm512_maskz_loadu_ps(lanes, bias + j));
            _mm512_mask_storeu_ps(yr + j, lanes, out);
        }
    }
}

AVX512 void vita_layer_norm_backward_avx512(const float *dy, const float *x, const float *statistics, long rows, long width,
                                     const float *weight, float *dweight, float *dbias, float *dx) {
    for (long r = 0; r < rows; r++) {
        const float *dyr = dy + r * width, *xr = x + r * width;
        float *dxr = dx + r * width;
        const __m512 means = _mm512_set1_ps(statistics[2 * r]), scale = _mm512_set1_ps(statistics[2 * r + 1]);
        __m512 sumG = _mm512_setzero_ps(), sumGH = _mm512_setzero_ps();
        for (long j = 0; j < width; j += 16) {
            __mmask16 lanes = lanes_from(j, width);
            _mm_prefetch((const char *)(xr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(dyr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            _mm_prefetch((const char *)(dxr + j + PREFETCH_AHEAD), _MM_HINT_T0);
            __m512 upstream = _mm512_maskz_loadu_ps(lanes, dyr + j);
            __m512 normalised = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, xr + j), means), scale);
            __m512 g = _mm512_mul_ps(upstream, _mm512_maskz_loadu_ps(lanes, weight + j));
            sumG = _mm512_add_ps(sumG, g);
            sumGH = _mm512_fmadd_ps(g, normalised, sumGH);
            _mm512_mask_storeu_ps(dweight + j, lanes, _mm512_fmadd_ps(upstream, normalised, _mm512_maskz_loadu_ps(lanes, dweight + j)));
            _mm512_mask_storeu_ps(dbias + j, lanes, _mm512_add_ps(upstream, _mm512_maskz_loadu_ps(lanes, dbias + j)));
        }
        const __m512 meanG = _mm512_set1_ps(_mm512_reduce_add_ps(sumG) / (float)width);
        const __m512 meanGH = _mm512_set1_ps(_mm512_reduce_add_ps(sumGH) / (float)width);
        for (long j = 0; j < width; j += 16) {
            __mmask16 lanes = lanes_from(j, width);
            __m512 upstream = _mm512_maskz_loadu_ps(lanes, dyr + j);
            __m512 normalised = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, xr + j), means), scale);
            __m512 g = _mm512_mul_ps(upstream, _mm512_maskz_loadu_ps(lanes, weight + j));
            __m512 centred = _mm512_fnmadd_ps(normalised, meanGH, _mm512_sub_ps(g, meanG));
            _mm512_mask_storeu_ps(dxr + j, lanes, _mm512_fmadd_ps(scale, centred, _mm512_maskz_loadu_ps(lanes, dxr + j)));
        }
    }
}

#else

void vita_gelu_forward_avx512(const float *x, float *y, long count) { __builtin_trap(); }
void vita_gelu_backward_avx512(const float *dy, const float *x, float *dx, long count) { __builtin_trap(); }
void vita_dropout_avx512(float *x, long count, float keepScale, float threshold, vita_drop_state *state) { __builtin_trap(); }
void vita_layer_norm_forward_avx512(const float *x, long rows, long width, const float *weight, const float *bias,
                             float epsilon, float *y, float *statistics) { __builtin_trap(); }
void vita_layer_norm_backward_avx512(const float *dy, const float *x, const float *statistics, long rows, long width,
                              const float *weight, float *dweight, float *dbias, float *dx) { __builtin_trap(); }

#endif
