#include "layer_kernels.h"
#include "conv_kernels.h"

#if defined(__x86_64__)
#include "avx2_common.h"

// Each output pixel's channels are summed in four 8-lane registers (32 channels) over the taps, so
// a pixel is stored once, not once per tap; a chunk's tail is masked. Away from the borders two
// neighbouring pixels, whose taps are the same, are summed together.

static inline long max_long(long a, long b) { return a > b ? a : b; }
static inline long min_long(long a, long b) { return a < b ? a : b; }

/// out[c0..] = Σ over the taps of weight[t][c0..] · input[t][c0..], for `rows` tap rows of `span`
/// taps; the tap rows of the input step by `inputRow`, of the weights by `weightRow`, and within a
/// row by ±channels (`inputStep`, `weightStep`). With `pair`, also for the next pixel (input and
/// output one pixel on, the same taps): eight independent sums instead of four, enough to keep both
/// FMA units busy through their latency, and each weight loaded once for both.
AVX2 static inline __attribute__((always_inline)) void sum_taps(const int pair, const float *input, long inputRow, long inputStep,
                                                                const float *weight, long weightRow, long weightStep,
                                                                long rows, long span, long left, long channels, float *out) {
    __m256 a[4], b[4];
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) a[v] = b[v] = _mm256_setzero_ps();
    for (long r = 0; r < rows; r++) {
        const float *in = input + r * inputRow, *wt = weight + r * weightRow;
        for (long t = 0; t < span; t++, in += inputStep, wt += weightStep) {
#pragma clang loop unroll(full)
            for (int v = 0; v < 4; v++) {
                if (8 * v >= left) break;
                const __m256 w = load8(wt, 8 * v, left);
                a[v] = _mm256_fmadd_ps(w, load8(in, 8 * v, left), a[v]);
                if (pair) b[v] = _mm256_fmadd_ps(w, load8(in + channels, 8 * v, left), b[v]);
            }
        }
    }
#pragma clang loop unroll(full)
    for (int v = 0; v < 4; v++) {
        store8(out, 8 * v, left, a[v]);
        if (pair) store8(out + channels, 8 * v, left, b[v]);
    }
}

AVX2 void vita_depthwise_forward_avx2(const float *x, const float *w, float *y,
                                      long batch, long height, long width, long channels, long kernel) {
    const long pad = kernel / 2, c = channels, perSample = height * width * c;
    for (long b = 0; b < batch; b++) {
        const float *xb = x + b * perSample;
        float *yb = y + b * perSample;
        for (long oy = 0; oy < height; oy++) {
            const long ky0 = max_long(0, pad - oy), ky1 = min_long(kernel, height + pad - oy);
            for (long ox = 0; ox < width;) {
                const long kx0 = max_long(0, pad - ox), kx1 = min_long(kernel, width + pad - ox);
                const int pair = ox + 1 < width && kx0 == max_long(0, pad - ox - 1) && kx1 == min_long(kernel, width + pad - ox - 1);
                const float *in = xb + ((oy + ky0 - pad) * width + (ox + kx0 - pad)) * c;
                const float *wt = w + (ky0 * kernel + kx0) * c;
                float *out = yb + (oy * width + ox) * c;
                for (long c0 = 0; c0 < c; c0 += 32) {
                    if (pair) sum_taps(1, in + c0, width * c, c, wt + c0, kernel * c, c, ky1 - ky0, kx1 - kx0, c - c0, c, out + c0);
                    else sum_taps(0, in + c0, width * c, c, wt + c0, kernel * c, c, ky1 - ky0, kx1 - kx0, c - c0, c, out + c0);
                }
                ox += pair ? 2 : 1;
            }
        }
    }
}

AVX2 void vita_depthwise_backward_input_avx2(const float *dy, const float *w, float *dx,
                                             long batch, long height, long width, long channels, long kernel) {
    // The forward's transpose: input pixel (iy, ix) took part in output (iy - ky + pad, ix - kx + pad)
    // through tap (ky, kx), so its gradient walks the output rows and columns backwards.
    const long pad = kernel / 2, c = channels, perSample = height * width * c;
    for (long b = 0; b < batch; b++) {
        const float *gb = dy + b * perSample;
        float *db = dx + b * perSample;
        for (long iy = 0; iy < height; iy++) {
            const long ky0 = max_long(0, iy + pad - height + 1), ky1 = min_long(kernel, iy + pad + 1);
            for (long ix = 0; ix < width;) {
                const long kx0 = max_long(0, ix + pad - width + 1), kx1 = min_long(kernel, ix + pad + 1);
                const int pair = ix + 1 < width && kx0 == max_long(0, ix + pad - width + 2) && kx1 == min_long(kernel, ix + pad + 2);
                const float *g = gb + ((iy - ky0 + pad) * width + (ix - kx0 + pad)) * c;
                const float *wt = w + (ky0 * kernel + kx0) * c;
                float *out = db + (iy * width + ix) * c;
                for (long c0 = 0; c0 < c; c0 += 32) {
                    if (pair) sum_taps(1, g + c0, -width * c, -c, wt + c0, kernel * c, c, ky1 - ky0, kx1 - kx0, c - c0, c, out + c0);
                    else sum_taps(0, g + c0, -width * c, -c, wt + c0, kernel * c, c, ky1 - ky0, kx1 - kx0, c - c0, c, out + c0);
                }
                ix += pair ? 2 : 1;
            }
        }
    }
}

AVX2 void vita_depthwise_backward_weights_avx2(const float *dy, const float *x, float *dw,
                                               long batch, long height, long width, long channels, long kernel) {
    // Output row by output row, so that its gradient and the kernel's input rows stay in L1.
    const long pad = kernel / 2, c = channels, perSample = height * width * c;
    for (long b = 0; b < batch; b++) {
        for (long oy = 0; oy < height; oy++) {
            const float *g = dy + b * perSample + oy * width * c;
            for (long ky = max_long(0, pad - oy); ky < min_long(kernel, height + pad - oy); ky++) {
                const float *row = x + b * perSample + (oy + ky - pad) * width * c;
                for (long kx = 0; kx < kernel; kx++) {
                    const long ox0 = max_long(0, pad - kx), ox1 = min_long(width, width + pad - kx);
                    float *tap = dw + (ky * kernel + kx) * c;
                    for (long c0 = 0; c0 < c; c0 += 32) {
                        const long left = c - c0;
                        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
                        const float *gp = g + ox0 * c + c0, *in = row + (ox0 + kx - pad) * c + c0;
                        for (long ox = ox0; ox < ox1; ox++, gp += c, in += c) {
                            a0 = _mm256_fmadd_ps(load8(gp, 0, left), load8(in, 0, left), a0);
                            if (left > 8) a1 = _mm256_fmadd_ps(load8(gp, 8, left), load8(in, 8, left), a1);
                            if (left > 16) a2 = _mm256_fmadd_ps(load8(gp, 16, left), load8(in, 16, left), a2);
                            if (left > 24) a3 = _mm256_fmadd_ps(load8(gp, 24, left), load8(in, 24, left), a3);
                        }
                        float *t = tap + c0;
                        store8(t, 0, left, _mm256_add_ps(load8(t, 0, left), a0));
                        store8(t, 8, left, _mm256_add_ps(load8(t, 8, left), a1));
                        store8(t, 16, left, _mm256_add_ps(load8(t, 16, left), a2));
                        store8(t, 24, left, _mm256_add_ps(load8(t, 24, left), a3));
                    }
                }
            }
        }
    }
}

// Batch norm: plain loops over a pixel's channels, which the compiler vectorises (AVX2 here, by the
// target attribute) without changing any channel's order of operations; contraction into fused
// multiply-adds is off, so the results are the Swift loops' bit for bit.
#pragma clang fp contract(off)

AVX2 void vita_channel_sums_avx2(const float *restrict x, long count, long channels, const float *restrict center,
                                 double *restrict sums, float *restrict partial) {
    for (long block = 0; block < count; block += 64) {
        const long end = min_long(block + 64, count);
        for (long c = 0; c < channels; c++) partial[c] = 0;
        for (long p = block; p < end; p++) {
            const float *restrict xp = x + p * channels;
            if (center) {
                for (long c = 0; c < channels; c++) {
                    float d = xp[c] - center[c];
                    partial[c] += d * d;
                }
            } else {
                for (long c = 0; c < channels; c++) partial[c] += xp[c];
            }
        }
        for (long c = 0; c < channels; c++) sums[c] += (double)partial[c];
    }
}

AVX2 void vita_channel_affine_avx2(const float *x, long count, long channels, const float *restrict scale,
                                   const float *restrict shift, float *y) {
    for (long p = 0; p < count; p++) {
        const float *xp = x + p * channels;
        float *yp = y + p * channels;
        for (long c = 0; c < channels; c++) yp[c] = xp[c] * scale[c] + shift[c];
    }
}

AVX2 void vita_batch_norm_backward_sums_avx2(const float *restrict x, const float *restrict dy, long count, long channels,
                                             const float *restrict mean, const float *restrict rstd,
                                             float *restrict sumG, float *restrict sumGH) {
    for (long p = 0; p < count; p++) {
        const float *restrict xp = x + p * channels, *restrict gp = dy + p * channels;
        for (long c = 0; c < channels; c++) {
            float h = (xp[c] - mean[c]) * rstd[c];
            sumG[c] += gp[c];
            sumGH[c] += gp[c] * h;
        }
    }
}

AVX2 void vita_batch_norm_backward_apply_avx2(const float *restrict x, const float *restrict dy, long count, long channels,
                                              const float *restrict k, const float *restrict inputScale,
                                              const float *restrict offset, float *restrict dx) {
    for (long p = 0; p < count; p++) {
        const float *restrict xp = x + p * channels, *restrict gp = dy + p * channels;
        float *restrict out = dx + p * channels;
        for (long c = 0; c < channels; c++) out[c] = k[c] * gp[c] + inputScale[c] * xp[c] + offset[c];
    }
}

#pragma clang fp contract(on)

AVX2 void vita_elu_forward_avx2(float *x, long count) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    for (long j = 0; j < count; j += 8) {
        __m256 v = load8(x, j, count);
        __m256 negative = _mm256_sub_ps(exp8_of_non_positive(_mm256_min_ps(v, zero)), one);
        store8(x, j, count, _mm256_blendv_ps(v, negative, _mm256_cmp_ps(v, zero, _CMP_LE_OQ)));
    }
}

AVX2 void vita_elu_backward_avx2(float *dy, const float *y, long count) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    for (long j = 0; j < count; j += 8) {
        __m256 out = load8(y, j, count);
        __m256 slope = _mm256_blendv_ps(_mm256_add_ps(out, one), one, _mm256_cmp_ps(out, zero, _CMP_GT_OQ));
        store8(dy, j, count, _mm256_mul_ps(load8(dy, j, count), slope));
    }
}

#else

void vita_depthwise_forward_avx2(const float *x, const float *w, float *y,
                                 long batch, long height, long width, long channels, long kernel) { __builtin_trap(); }
void vita_depthwise_backward_input_avx2(const float *dy, const float *w, float *dx,
                                        long batch, long height, long width, long channels, long kernel) { __builtin_trap(); }
void vita_depthwise_backward_weights_avx2(const float *dy, const float *x, float *dw,
                                          long batch, long height, long width, long channels, long kernel) { __builtin_trap(); }
void vita_channel_sums_avx2(const float *x, long count, long channels, const float *center, double *sums, float *partial) { __builtin_trap(); }
void vita_channel_affine_avx2(const float *x, long count, long channels, const float *scale, const float *shift, float *y) { __builtin_trap(); }
void vita_batch_norm_backward_sums_avx2(const float *x, const float *dy, long count, long channels, const float *mean,
                                        const float *rstd, float *sumG, float *sumGH) { __builtin_trap(); }
void vita_batch_norm_backward_apply_avx2(const float *x, const float *dy, long count, long channels, const float *k,
                                         const float *inputScale, const float *offset, float *dx) { __builtin_trap(); }
void vita_elu_forward_avx2(float *x, long count) { __builtin_trap(); }
void vita_elu_backward_avx2(float *dy, const float *y, long count) { __builtin_trap(); }

#endif
