#include "gemm_kernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
enum { ROWS = 6, COLUMNS = 16 };

/// op(B) in panels of 16 columns, k rows each, zero past n.
AVX2 static void pack(int transposeB, long k, long n, const float *b, long ldb, float *packed) {
    for (long j0 = 0; j0 < n; j0 += COLUMNS) {
        const long columns = n - j0 < COLUMNS ? n - j0 : COLUMNS;
        float *panel = packed + j0 * k;
        if (columns < COLUMNS) memset(panel, 0, sizeof(float) * k * COLUMNS);
        for (long kk = 0; kk < k; kk++)
            for (long j = 0; j < columns; j++)
                panel[kk * COLUMNS + j] = transposeB ? b[(j0 + j) * ldb + kk] : b[kk * ldb + j0 + j];
    }
}

/// `rows` (at most 6) rows of C, one panel of 16 columns (`columns` of them real).
AVX2 static inline __attribute__((always_inline)) void block(const int rows, long k, const float *a, long lda, const float *panel,
                                                              float *c, long ldc, long columns, float alpha, float beta) {
    __m256 sums[ROWS][2];
    for (int r = 0; r < rows; r++) sums[r][0] = sums[r][1] = _mm256_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        const __m256 b0 = _mm256_load_ps(panel + kk * COLUMNS), b1 = _mm256_load_ps(panel + kk * COLUMNS + 8);
        for (int r = 0; r < rows; r++) {
            const __m256 ar = _mm256_broadcast_ss(a + r * lda + kk);
            sums[r][0] = _mm256_fmadd_ps(ar, b0, sums[r][0]);
            sums[r][1] = _mm256_fmadd_ps(ar, b1, sums[r][1]);
        }
    }
    const __m256 scale = _mm256_set1_ps(alpha), keep = _mm256_set1_ps(beta);
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        __m256 x0 = _mm256_mul_ps(sums[r][0], scale), x1 = _mm256_mul_ps(sums[r][1], scale);
        if (columns == COLUMNS) {
            if (beta != 0) {
                x0 = _mm256_fmadd_ps(keep, _mm256_loadu_ps(cr), x0);
                x1 = _mm256_fmadd_ps(keep, _mm256_loadu_ps(cr + 8), x1);
            }
            _mm256_storeu_ps(cr, x0);
            _mm256_storeu_ps(cr + 8, x1);
        } else {
            float row[COLUMNS];
            _mm256_storeu_ps(row, x0);
            _mm256_storeu_ps(row + 8, x1);
            for (long j = 0; j < columns; j++) cr[j] = beta != 0 ? row[j] + beta * cr[j] : row[j];
        }
    }
}

AVX2 void vita_sgemm_tall_avx2(int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                               const float *b, long ldb, float beta, float *c, long ldc) {
    const long panels = (n + COLUMNS - 1) / COLUMNS;
    float *packed = aligned_alloc(32, sizeof(float) * (size_t)(panels * COLUMNS * k + COLUMNS));
    pack(transposeB, k, n, b, ldb, packed);
    // Panels outermost: a panel of op(B) (k x 16) stays in L1 while A streams past it.
    for (long p = 0; p < panels; p++) {
        const long j0 = p * COLUMNS, columns = n - j0 < COLUMNS ? n - j0 : COLUMNS;
        const float *panel = packed + j0 * k;
        for (long i = 0; i < m; i += ROWS) {
            const long rows = m - i < ROWS ? m - i : ROWS;
            const float *ai = a + i * lda;
            float *ci = c + i * ldc + j0;
            switch (rows) {
            case 6: block(6, k, ai, lda, panel, ci, ldc, columns, alpha, beta); break;
            case 5: block(5, k, ai, lda, panel, ci, ldc, columns, alpha, beta); break;
            case 4: block(4, k, ai, lda, panel, ci, ldc, columns, alpha, beta); break;
            case 3: block(3, k, ai, lda, panel, ci, ldc, columns, alpha, beta); break;
            case 2: block(2, k, ai, lda, panel, ci, ldc, columns, alpha, beta); break;
            default: block(1, k, ai, lda, panel, ci, ldc, columns, alpha, beta); break;
            }
        }
    }
    free(packed);
}

#else

void vita_sgemm_tall_avx2(int transposeB, long m, long n, long k, float alpha, const float *a, long lda,
                          const float *b, long ldb, float beta, float *c, long ldc) { __builtin_trap(); }

#endif
