// Micro-kernel throughput probe: how fast can one core run the engine's register tiles
// (AVX2, and AVX-512 where the CPU has it), and a wider AVX-512 tile like ONNX Runtime's MLAS uses?
//
//   ymm 6 x 16: the engine's tile (Kernels.tile): 12 accumulators of 8 floats, per k step
//               2 panel loads + 6 broadcasts for 12 FMAs (AVX2 has 16 vector registers).
//   zmm 6 x 32: the engine's AVX-512 tile (SqueezeBERTMatmulAVX512): the same 12 accumulators,
//               each 16 floats, so half the instructions per FLOP.
//   zmm 6 x 64: 24 accumulators of 16 floats, per k step 4 loads + 6 broadcasts for 24 FMAs of
//               twice the width (AVX-512 has 32 registers): 2.4x fewer instructions per FLOP.
//
// Panels are packed (K, width) and everything stays in L1/L2, as in the engine's products.
//   mkdir -p build && cc -O3 -mavx2 -mfma -o build/tile_probe experiments/tile_probe.c
//   build/tile_probe 384 && build/tile_probe 1536
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static void ymm6x16(const float *a, int lda, const float *b, float *c, int K) {
    __m256 acc[6][2];
    for (int r = 0; r < 6; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m256 b0 = _mm256_loadu_ps(b + 16 * k), b1 = _mm256_loadu_ps(b + 16 * k + 8);
        for (int r = 0; r < 6; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + k);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    __m256 s = _mm256_setzero_ps();
    for (int r = 0; r < 6; r++) s = _mm256_add_ps(s, _mm256_add_ps(acc[r][0], acc[r][1]));
    _mm256_storeu_ps(c, s);
}

__attribute__((noinline, target("avx512f"))) static void zmm6x32(const float *a, int lda, const float *b, float *c, int K) {
    __m512 acc[6][2];
    for (int r = 0; r < 6; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 b0 = _mm512_loadu_ps(b + 32 * k), b1 = _mm512_loadu_ps(b + 32 * k + 16);
        for (int r = 0; r < 6; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + k]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    __m512 s = _mm512_setzero_ps();
    for (int r = 0; r < 6; r++) s = _mm512_add_ps(s, _mm512_add_ps(acc[r][0], acc[r][1]));
    _mm512_storeu_ps(c, s);
}

__attribute__((noinline, target("avx512f"))) static void zmm6x64(const float *a, int lda, const float *b, float *c, int K) {
    __m512 acc[6][4];
    for (int r = 0; r < 6; r++) for (int j = 0; j < 4; j++) acc[r][j] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 b0 = _mm512_loadu_ps(b + 64 * k), b1 = _mm512_loadu_ps(b + 64 * k + 16);
        __m512 b2 = _mm512_loadu_ps(b + 64 * k + 32), b3 = _mm512_loadu_ps(b + 64 * k + 48);
        for (int r = 0; r < 6; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + k]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(x, b2, acc[r][2]);
            acc[r][3] = _mm512_fmadd_ps(x, b3, acc[r][3]);
        }
    }
    __m512 s = _mm512_setzero_ps();
    for (int r = 0; r < 6; r++) for (int j = 0; j < 4; j++) s = _mm512_add_ps(s, acc[r][j]);
    _mm512_storeu_ps(c, s);
}

int main(int argc, char **argv) {
    int K = argc > 1 ? atoi(argv[1]) : 384;
    if (K < 1) { fprintf(stderr, "tile_probe: K must be a positive integer\n"); return 1; }
    int avx512 = __builtin_cpu_supports("avx512f");
    // aligned_alloc wants a size that is a multiple of the alignment: 64 * K floats always is.
    float *a = aligned_alloc(64, (size_t)64 * K * 4), *b = aligned_alloc(64, (size_t)64 * K * 4), c[16];
    if (!a || !b) { fprintf(stderr, "tile_probe: out of memory for K=%d\n", K); return 1; }
    for (int i = 0; i < 6 * K; i++) a[i] = 1e-3f * (i % 7);
    for (int i = 0; i < 64 * K; i++) b[i] = 1e-3f * (i % 5);
    for (int round = 0; round < 3; round++) {
        long n = 2000000000L / (2L * 6 * 16 * K);
        double t = now();
        for (long i = 0; i < n; i++) ymm6x16(a, K, b, c, K);
        double ymm = 2.0 * 6 * 16 * K * n / (now() - t) / 1e9;
        double zmm = 0, zmm32 = 0;
        if (avx512) {
            n = 2000000000L / (2L * 6 * 32 * K);
            t = now();
            for (long i = 0; i < n; i++) zmm6x32(a, K, b, c, K);
            zmm32 = 2.0 * 6 * 32 * K * n / (now() - t) / 1e9;
            n = 2000000000L / (2L * 6 * 64 * K);
            t = now();
            for (long i = 0; i < n; i++) zmm6x64(a, K, b, c, K);
            zmm = 2.0 * 6 * 64 * K * n / (now() - t) / 1e9;
        }
        printf("K=%d GFLOP/s on one core: ymm 6x16 (AVX2 tile) %.1f | zmm 6x32 (AVX-512 tile) %s%.1f"
               " | zmm 6x64 %s%.1f  [checksum %g]\n",
               K, ymm, avx512 ? "" : "n/a ", zmm32, avx512 ? "" : "n/a ", zmm, c[0]);
    }
    return 0;
}
