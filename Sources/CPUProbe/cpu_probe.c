#include "cpu_probe.h"
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

uint32_t vita_cpu_features(void) {
    uint32_t a, b, c, d, features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (c & bit_SSE3) features |= VITA_CPU_SSE3;
    int osxsave = (c & bit_OSXSAVE) != 0;
    uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6;            // SSE and AVX state saved by the OS
    int zmm = ymm && (xcr0 & 0xe0) == 0xe0;   // opmask and both halves of zmm0-31 too
    if (ymm && (c & bit_AVX)) features |= VITA_CPU_AVX;
    if (ymm && (c & bit_FMA)) features |= VITA_CPU_FMA;
    if (__get_cpuid_max(0, NULL) < 7) return features;
    __cpuid_count(7, 0, a, b, c, d);
    if (ymm && (b & bit_AVX2)) features |= VITA_CPU_AVX2;
    if (zmm) {
        if (b & bit_AVX512F) features |= VITA_CPU_AVX512F;
        if (b & bit_AVX512DQ) features |= VITA_CPU_AVX512DQ;
        if (b & bit_AVX512CD) features |= VITA_CPU_AVX512CD;
        if (b & bit_AVX512BW) features |= VITA_CPU_AVX512BW;
        if (b & bit_AVX512VL) features |= VITA_CPU_AVX512VL;
        __cpuid_count(7, 1, a, b, c, d);
        if (a & (1u << 5)) features |= VITA_CPU_AVX512BF16;
    }
    return features;
}

void vita_cpu_vendor(char *out, int capacity) {
    uint32_t a, regs[3] = {0, 0, 0};
    char text[13] = {0};
    __get_cpuid(0, &a, &regs[0], &regs[2], &regs[1]);  // EBX, EDX, ECX spell the vendor
    memcpy(text, regs, 12);
    if (capacity > 0) { strncpy(out, text, (size_t)capacity - 1); out[capacity - 1] = 0; }
}

static uint32_t signature(void) {
    uint32_t a = 0, b, c, d;
    __get_cpuid(1, &a, &b, &c, &d);
    return a;
}

int vita_cpu_family(void) {
    uint32_t s = signature(), family = (s >> 8) & 0xf;
    return (int)(family == 0xf ? family + ((s >> 20) & 0xff) : family);
}

int vita_cpu_model(void) {
    uint32_t s = signature(), family = (s >> 8) & 0xf, model = (s >> 4) & 0xf;
    return (int)(family == 0x6 || family == 0xf ? model + (((s >> 16) & 0xf) << 4) : model);
}

void vita_cpu_brand(char *out, int capacity) {
    uint32_t words[12] = {0};
    char text[49] = {0};
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++)
            __get_cpuid(0x80000002 + i, &words[4 * i], &words[4 * i + 1], &words[4 * i + 2], &words[4 * i + 3]);
        memcpy(text, words, 48);
    }
    const char *start = text;
    while (*start == ' ') start++;
    if (capacity > 0) { strncpy(out, start, (size_t)capacity - 1); out[capacity - 1] = 0; }
}

static double thread_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double vita_cpu_clock_hz(uint64_t iterations) {
    uint64_t x = 0;
    double start = thread_seconds();
    for (uint64_t i = 0; i < iterations; i++) {
        __asm__ volatile(".rept 200\n\tadd $1, %0\n\t.endr" : "+r"(x));
    }
    double seconds = thread_seconds() - start;
    return seconds > 0 ? 200.0 * (double)iterations / seconds : 0;
}

// 12 accumulators x 8 FMAs per round; the sources stay zero, so no denormal or NaN slows anything.
#define FMA_ROUND(R) \
    "vfmadd231ps %%" R "0, %%" R "1, %%" R "2\n\t" "vfmadd231ps %%" R "0, %%" R "1, %%" R "3\n\t" \
    "vfmadd231ps %%" R "0, %%" R "1, %%" R "4\n\t" "vfmadd231ps %%" R "0, %%" R "1, %%" R "5\n\t" \
    "vfmadd231ps %%" R "0, %%" R "1, %%" R "6\n\t" "vfmadd231ps %%" R "0, %%" R "1, %%" R "7\n\t" \
    "vfmadd231ps %%" R "0, %%" R "1, %%" R "8\n\t" "vfmadd231ps %%" R "0, %%" R "1, %%" R "9\n\t" \
    "vfmadd231ps %%" R "0, %%" R "1, %%" R "10\n\t" "vfmadd231ps %%" R "0, %%" R "1, %%" R "11\n\t" \
    "vfmadd231ps %%" R "0, %%" R "1, %%" R "12\n\t" "vfmadd231ps %%" R "0, %%" R "1, %%" R "13\n\t"
#define ZERO(R) \
    "vxorps %%" R "0, %%" R "0, %%" R "0\n\t" "vxorps %%" R "1, %%" R "1, %%" R "1\n\t" \
    "vxorps %%" R "2, %%" R "2, %%" R "2\n\t" "vxorps %%" R "3, %%" R "3, %%" R "3\n\t" \
    "vxorps %%" R "4, %%" R "4, %%" R "4\n\t" "vxorps %%" R "5, %%" R "5, %%" R "5\n\t" \
    "vxorps %%" R "6, %%" R "6, %%" R "6\n\t" "vxorps %%" R "7, %%" R "7, %%" R "7\n\t" \
    "vxorps %%" R "8, %%" R "8, %%" R "8\n\t" "vxorps %%" R "9, %%" R "9, %%" R "9\n\t" \
    "vxorps %%" R "10, %%" R "10, %%" R "10\n\t" "vxorps %%" R "11, %%" R "11, %%" R "11\n\t" \
    "vxorps %%" R "12, %%" R "12, %%" R "12\n\t" "vxorps %%" R "13, %%" R "13, %%" R "13\n\t"
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
    "xmm10", "xmm11", "xmm12", "xmm13", "cc"

__attribute__((target("avx,fma"))) static void fma256(uint64_t iterations) {
    __asm__ volatile(ZERO("ymm")
                     "1:\n\t" FMA_ROUND("ymm") FMA_ROUND("ymm") FMA_ROUND("ymm") FMA_ROUND("ymm")
                     FMA_ROUND("ymm") FMA_ROUND("ymm") FMA_ROUND("ymm") FMA_ROUND("ymm")
                     "dec %0\n\tjnz 1b\n\tvzeroupper"
                     : "+r"(iterations) : : CLOBBERS);
}

__attribute__((target("avx512f"))) static void fma512(uint64_t iterations) {
    __asm__ volatile(ZERO("zmm")
                     "1:\n\t" FMA_ROUND("zmm") FMA_ROUND("zmm") FMA_ROUND("zmm") FMA_ROUND("zmm")
                     FMA_ROUND("zmm") FMA_ROUND("zmm") FMA_ROUND("zmm") FMA_ROUND("zmm")
                     "dec %0\n\tjnz 1b\n\tvzeroupper"
                     : "+r"(iterations) : : CLOBBERS);
}

double vita_cpu_fma_per_second(int vector_bits, uint64_t iterations) {
    uint32_t features = vita_cpu_features();
    if (iterations == 0) return 0;
    double start = thread_seconds();
    if (vector_bits == 512 && (features & VITA_CPU_AVX512F)) fma512(iterations);
    else if (vector_bits == 256 && (features & VITA_CPU_FMA)) fma256(iterations);
    else return 0;
    double seconds = thread_seconds() - start;
    return seconds > 0 ? 96.0 * (double)iterations / seconds : 0;
}

#else

uint32_t vita_cpu_features(void) { return 0; }
void vita_cpu_vendor(char *out, int capacity) { if (capacity > 0) out[0] = 0; }
int vita_cpu_family(void) { return 0; }
int vita_cpu_model(void) { return 0; }
void vita_cpu_brand(char *out, int capacity) { if (capacity > 0) out[0] = 0; }
double vita_cpu_clock_hz(uint64_t iterations) { (void)iterations; return 0; }
double vita_cpu_fma_per_second(int vector_bits, uint64_t iterations) { (void)vector_bits; (void)iterations; return 0; }

#endif
