// What the CPU can run, for choosing the matrix-product kernels at load (the build itself targets
// AVX2 + FMA; the AVX-512 and VNNI kernels are separately compiled modules used only where this
// says so).
#ifndef CPU_FEATURES_H
#define CPU_FEATURES_H

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// 1 when the CPU has AVX-512F, AVX2 and FMA and the OS saves the vector state they need
/// (XCR0: SSE, AVX, opmask and both ZMM halves); 0 otherwise.
static inline int cpu_has_avx512f(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned osxsave = 1u << 27, fma = 1u << 12;
    if ((c & osxsave) == 0 || (c & fma) == 0) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6) != 0xE6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned avx2 = 1u << 5, avx512f = 1u << 16;
    return (b & avx2) && (b & avx512f);
}

/// 1 when cpu_has_avx512f() and the CPU also has AVX-512BW and AVX-512 VNNI (vpdpbusd on zmm
/// registers); 0 otherwise. AVX-VNNI (the VEX-encoded form on some CPUs without AVX-512) does
/// not count.
static inline int cpu_has_avx512vnni(void) {
    if (!cpu_has_avx512f()) return 0;
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const unsigned avx512bw = 1u << 30, avx512vnni = 1u << 11;
    return (b & avx512bw) && (c & avx512vnni);
}
#else
static inline int cpu_has_avx512f(void) { return 0; }
static inline int cpu_has_avx512vnni(void) { return 0; }
#endif

#endif
