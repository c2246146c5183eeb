#ifndef VITA_CPU_PROBE_H
#define VITA_CPU_PROBE_H
// What this x86-64 core can do, asked of the core itself: its instruction sets (CPUID, and XGETBV for
// whether the operating system saves the wide registers) and, from calibrated loops, its clock and
// how many vector FMAs it completes per cycle. C with inline assembly, because only that pins the
// exact instructions timed. On other architectures every query answers 0.

#include <stdint.h>

/// Instruction sets, as bits of vita_cpu_features(). Each is reported only when the OS enables it.
#define VITA_CPU_SSE3 0x1u
#define VITA_CPU_AVX 0x2u
#define VITA_CPU_AVX2 0x4u
#define VITA_CPU_FMA 0x8u
#define VITA_CPU_AVX512F 0x10u
#define VITA_CPU_AVX512DQ 0x20u
#define VITA_CPU_AVX512CD 0x40u
#define VITA_CPU_AVX512BW 0x80u
#define VITA_CPU_AVX512VL 0x100u
#define VITA_CPU_AVX512BF16 0x200u

uint32_t vita_cpu_features(void);

/// CPUID's vendor (e.g. "GenuineIntel"), NUL-terminated, cut to `capacity`; family and model with
/// their extended parts added (Emerald Rapids: family 6, model 207).
void vita_cpu_vendor(char *out, int capacity);
int vita_cpu_family(void);
int vita_cpu_model(void);
/// The brand string (e.g. "Intel(R) Xeon(R) Platinum 8592+"), NUL-terminated, cut to `capacity`.
void vita_cpu_brand(char *out, int capacity);

/// Cycles per second of this core while it runs scalar code: `iterations` rounds of 200 dependent
/// integer additions (one cycle each on every x86-64 core since the Pentium Pro), divided by the
/// thread's CPU time, so that waiting for a shared core does not count.
double vita_cpu_clock_hz(uint64_t iterations);

/// Vector FMA instructions per CPU second of this thread: `iterations` rounds of 12 independent
/// chains of 8 FMAs on registers `vector_bits` wide (256: ymm, needs FMA; 512: zmm, needs AVX512F),
/// enough chains to cover the latency of two FMA units. Returns 0 when the width is not supported.
double vita_cpu_fma_per_second(int vector_bits, uint64_t iterations);

#endif
