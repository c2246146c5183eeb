#ifndef VITA_CONV_KERNELS_H
#define VITA_CONV_KERNELS_H
// The stacked2d core's kernels: its depthwise convolution (stride 1, "same" zero padding of kernel/2, channel-last
// maps [batch, height, width, channels], weights transposed to [kernel, kernel, channels]) in C with
// AVX2 and FMA, for every core that has them (AVX-512 ones too: the channels of a pixel are few, and
// 8-lane vectors fit them). Why: the portable Swift loops ran at about 1 GFLOP/s, 45% of a demo
// training pass (docs/performance.md, "The stacked2d core"); and its batch norm and ELU, whose Swift
// loops took another sixth. The convolution computes what V1TModel's `DepthwiseConvolution2D` does
// in Swift up to float rounding (fused multiply-adds, the weight gradient summed row by row); the
// batch norm's loops give the same bits (plain C over the channels, no fused multiply-adds). V1TModel
// calls them only when `VectorKernels` says the core runs AVX2.

/// y[b, oy, ox, c] = Σ_{ky, kx} w[ky, kx, c] x[b, oy + ky - pad, ox + kx - pad, c] (y written).
void vita_depthwise_forward_avx2(const float *x, const float *w, float *y,
                                 long batch, long height, long width, long channels, long kernel);

/// dx[b, iy, ix, c] = Σ_{ky, kx} w[ky, kx, c] dy[b, iy - ky + pad, ix - kx + pad, c] (dx written).
void vita_depthwise_backward_input_avx2(const float *dy, const float *w, float *dx,
                                        long batch, long height, long width, long channels, long kernel);

/// dw[ky, kx, c] += Σ_{b, oy, ox} dy[b, oy, ox, c] x[b, oy + ky - pad, ox + kx - pad, c].
void vita_depthwise_backward_weights_avx2(const float *dy, const float *x, float *dw,
                                          long batch, long height, long width, long channels, long kernel);

/// Batch norm's channel sums over `count` pixels of `channels` (channel-last), as V1TModel's
/// `BatchNorm2D` adds them: sums[c] += Σ_p x[p, c] (center null) or Σ_p (x[p, c] - center[c])²,
/// in float over blocks of 64 pixels (`partial`, [channels], scratch), each block added in double.
/// The same operations in the same order per channel, so the same bits.
void vita_channel_sums_avx2(const float *x, long count, long channels, const float *center, double *sums, float *partial);

/// y[p, c] = x[p, c] scale[c] + shift[c] (y may be x); the same bits as the Swift loop.
void vita_channel_affine_avx2(const float *x, long count, long channels, const float *scale, const float *shift, float *y);

/// Batch norm's backward sums of one group: sumG[c] += Σ_p dy[p, c],
/// sumGH[c] += Σ_p dy[p, c] (x[p, c] - mean[c]) rstd[c]; the same bits as the Swift loop.
void vita_batch_norm_backward_sums_avx2(const float *x, const float *dy, long count, long channels, const float *mean,
                                        const float *rstd, float *sumG, float *sumGH);

/// dx[p, c] = k[c] dy[p, c] + inputScale[c] x[p, c] + offset[c]; the same bits as the Swift loop.
void vita_batch_norm_backward_apply_avx2(const float *x, const float *dy, long count, long channels, const float *k,
                                         const float *inputScale, const float *offset, float *dx);

/// ELU (α = 1) in place: x for x > 0, e^x - 1 otherwise (V1TModel's `ELU`, to float rounding).
void vita_elu_forward_avx2(float *x, long count);

/// ELU's backward in place: dy *= 1 where the output y > 0, y + 1 elsewhere.
void vita_elu_backward_avx2(float *dy, const float *y, long count);

#endif
