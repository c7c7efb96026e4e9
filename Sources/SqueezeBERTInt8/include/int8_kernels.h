// The int8 matrix product on AVX-512 VNNI's integer dot-product unit (vpdpbusd): activations
// quantised per row to unsigned bytes, weights signed bytes with one scale per output channel,
// sums in int32, dequantised once per output. Compiled with -mavx512f -mavx512bw -mavx512vnni
// (Package.swift) and called only where the CPU has them (cpu_has_avx512vnni), so nothing here
// is inline in this header: no other module compiles these instructions.
//
// Shapes: M rows, K inputs, N outputs, G groups, Kg = K/G inputs per group, padded to KP (a
// multiple of 4: vpdpbusd sums four byte products into each int32 lane).
#ifndef SQUEEZEBERT_INT8_KERNELS_H
#define SQUEEZEBERT_INT8_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this build holds the VNNI kernels (x86-64 with the flags above); 0 when the functions
/// below are stubs that must not be called.
int int8_kernels_compiled(void);

/// Output channels per weight panel: two zmm registers of sixteen int32 sums.
#define INT8_PANEL_WIDTH 32
/// Most rows of one register tile (16 accumulators).
#define INT8_TILE_ROWS 8
/// Most rows of one two-panel register tile (24 accumulators).
#define INT8_PAIR_TILE_ROWS 6

/// Quantises `rows` rows of x (each G groups of Kg floats, row stride ldx) to bytes, with one
/// scale and zero point per row and group: x'[m, g*Kg + k] ~ scale[g*lds + m] * (q[m, g*KP + k] -
/// zero[g*lds + m]) (each group's range always includes 0, so 0 stays exact), where x' = x, or
/// x'[m, c] = x[m, c] * multipliers[c] when `multipliers` (G * Kg of them) is not NULL: a matrix
/// smoothed per input channel takes its inputs divided by its factors. Padding bytes
/// q[m, g*KP + Kg ..< (g+1)*KP] are written 0. q has row stride ldq >= G * KP.
void int8_quantize_rows(const float *x, size_t ldx, int rows, int groups, int kg, int kp,
                        const float *multipliers, uint8_t *q, size_t ldq, float *scale, int32_t *zero, size_t lds);

/// The activations `int8_panel_product` can apply to its outputs.
#define INT8_ACTIVATION_NONE 0
/// Exact GELU, x * Phi(x), with the engine's erf approximation.
#define INT8_ACTIVATION_GELU 1
/// The tanh approximation of GELU.
#define INT8_ACTIVATION_GELU_TANH 2
#define INT8_ACTIVATION_RELU 3

/// One weight panel over `rows` rows (any count; tiles of up to INT8_TILE_ROWS):
/// out[m, n] = act((sum_k q[m, k] * w[k, n] - zero[m] * colsum[n]) * scale[m] * wscale[n] + bias[n]
///             (+ residual[m, n] when residual is not NULL)), for n < columns (<= INT8_PANEL_WIDTH),
/// act one of INT8_ACTIVATION_*, applied to each tile while it is in L1.
/// q: `rows` rows of KP bytes (stride ldq), this group's slice, with its scales and zero points;
/// panel: (KP/4, INT8_PANEL_WIDTH, 4)
/// int8; colsum, wscale, bias: INT8_PANEL_WIDTH each; out and residual: row stride ldo.
/// When `next` is not NULL the first tile also prefetches the next panel (KP * 32 bytes).
void int8_panel_product(const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero, int rows,
                        const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                        const float *bias, float *out, size_t ldo, int columns, const float *residual,
                        const int8_t *next, int act);

/// As `int8_panel_product`, over two adjacent panels of one group at once (tiles of up to
/// INT8_PAIR_TILE_ROWS rows x 64 columns): `panel` holds both (the second KP * INT8_PANEL_WIDTH
/// bytes after the first), colsum, wscale and bias 2 x INT8_PANEL_WIDTH each, out's columns
/// 0..<32 come from the first panel (always full) and 32..<32 + columns from the second
/// (columns <= INT8_PANEL_WIDTH). Nothing is prefetched: meant for products over more rows than
/// the streaming ones that prefetch.
void int8_panel_pair_product(const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero, int rows,
                             const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                             const float *bias, float *out, size_t ldo, int columns, const float *residual,
                             int act);

/// Runs `iterations` rounds of 16 independent vpdpbusd chains on registers (no memory traffic)
/// and returns a value that depends on them: timing it gives this core's vpdpbusd peak
/// (16 x 64 multiply-adds per round).
int64_t int8_peak_loop(int64_t iterations);

#endif
