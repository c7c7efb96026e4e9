// Int8 tile probe: the engine's two int8 register tiles alone, hot in L1/L2, against the
// register-only vpdpbusd loop (this core's peak), on one 64-row chunk x KP inputs x P panels:
//
//   single: int8_panel_product, up to 8 rows x 32 columns (16 accumulators; per four inputs two
//           weight loads and one broadcast per row, each broadcast feeding two vpdpbusd).
//   pair:   int8_panel_pair_product, up to 6 rows x 64 columns (24 accumulators; four weight
//           loads, each broadcast feeding four vpdpbusd).
//
// Needs AVX-512 VNNI and clang (the compiler SwiftPM builds the kernels with; GCC 12 compiles
// them differently). From the repository root, as one line:
//   mkdir -p build && clang -O3 -mavx512f -mavx512bw -mavx512vnni -I Sources/SqueezeBERTInt8/include
//       -I Sources/AVX512Math/include -o build/int8_tile_probe experiments/int8_tile_probe.c
//       Sources/SqueezeBERTInt8/int8_kernels.c Sources/AVX512Math/avx512_math.c -lm
//   build/int8_tile_probe 384 48 0 && build/int8_tile_probe 384 48 1 && build/int8_tile_probe 1536 12 0
// (KP, panels, activation: 0 none, 1 GELU: the feed-forward's first product is 384 x 48 with GELU.)
#include "int8_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s KP PANELS ACTIVATION\n", argv[0]);
        return 2;
    }
    const int KP = atoi(argv[1]), P = atoi(argv[2]), act = atoi(argv[3]), M = 64, N = P * 32, repeats = 20;
    uint8_t *q = malloc((size_t)M * KP);
    int8_t *w = malloc((size_t)KP * N);
    float *scale = malloc(4 * M), *wscale = malloc(4 * N), *bias = calloc(N, 4), *out = malloc(4 * (size_t)M * N);
    int32_t *zero = calloc(M, 4), *colsum = calloc(N, 4);
    for (int i = 0; i < M * KP; i++) q[i] = (uint8_t)rand();
    for (long i = 0; i < (long)KP * N; i++) w[i] = (int8_t)rand();
    for (int i = 0; i < M; i++) scale[i] = 1e-3f;
    for (int i = 0; i < N; i++) wscale[i] = 1e-3f;
    double single = 1e9, pair = 1e9, peak = 1e9;
    long sink = 0;
    for (int round = 0; round < 15; round++) {  // best of 15, the two tiles interleaved
        double t = now();
        for (int r = 0; r < repeats; r++)
            for (int p = 0; p < P; p++)
                int8_panel_product(q, KP, scale, zero, M, w + (size_t)p * KP * 32, KP, colsum + p * 32,
                                   wscale + p * 32, bias + p * 32, out + p * 32, N, 32, NULL, NULL, act);
        t = now() - t;
        if (t < single) single = t;
        t = now();
        for (int r = 0; r < repeats; r++)
            for (int p = 0; p + 1 < P; p += 2)
                int8_panel_pair_product(q, KP, scale, zero, M, w + (size_t)p * KP * 32, KP, colsum + p * 32,
                                        wscale + p * 32, bias + p * 32, out + p * 32, N, 32, NULL, act);
        t = now() - t;
        if (t < pair) pair = t;
        t = now();
        sink += int8_peak_loop(2000000);
        t = now() - t;
        if (t < peak) peak = t;
    }
    // An odd panel count leaves the last panel out of the pairs.
    const double macs = (double)repeats * M * KP * N, pairMacs = (double)repeats * M * KP * (P / 2 * 2 * 32);
    printf("KP %d, %d panels, activation %d: single %.1f, pair %.1f, vpdpbusd loop %.1f G multiply-adds/s (%ld)\n",
           KP, P, act, macs / single * 1e-9, pairMacs / pair * 1e-9, 2000000.0 * 16 * 64 / peak * 1e-9, sink & 1);
    return 0;
}
