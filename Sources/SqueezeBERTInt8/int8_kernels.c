// The int8 matrix product on AVX-512 VNNI: see int8_kernels.h for what each function computes.
#include "int8_kernels.h"
#include "avx512_math.h"

#if defined(__x86_64__) && defined(__AVX512VNNI__)
#include <immintrin.h>

int int8_kernels_compiled(void) { return 1; }
#include <math.h>
#include <string.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/// src[k .. k + 16) times multipliers[k ..] when there are multipliers (a smoothed matrix's
/// 1 / factors); `mask` selects the lanes read (the others are 0).
ALWAYS_INLINE __m512 load_inputs(const float *src, const float *multipliers, int k, __mmask16 mask) {
    const __m512 v = _mm512_maskz_loadu_ps(mask, src + k);
    return multipliers ? _mm512_mul_ps(v, _mm512_maskz_loadu_ps(mask, multipliers + k)) : v;
}

/// One group's range: lo/hi updated with the kg inputs at src (masked-off lanes read 0, inside
/// any range that holds 0).
ALWAYS_INLINE void range_of(const float *src, const float *multipliers, int kg, __m512 *lo, __m512 *hi) {
    int k = 0;
    for (; k + 16 <= kg; k += 16) {
        const __m512 v = load_inputs(src, multipliers, k, (__mmask16)0xFFFF);
        *lo = _mm512_min_ps(*lo, v);
        *hi = _mm512_max_ps(*hi, v);
    }
    if (k < kg) {
        const __m512 v = load_inputs(src, multipliers, k, (__mmask16)((1u << (kg - k)) - 1));
        *lo = _mm512_min_ps(*lo, v);
        *hi = _mm512_max_ps(*hi, v);
    }
}

/// One group's bytes: dst[k] = clamp(round(input[k] / s) + z, 0, 255), padding to kp with 0.
ALWAYS_INLINE void quantize_group(const float *src, const float *multipliers, int kg, int kp, float s, int32_t z,
                                  uint8_t *dst) {
    const __m512 inverse = _mm512_set1_ps(1.0f / s);
    const __m512i zv = _mm512_set1_epi32(z), floor = _mm512_setzero_si512();
    int k = 0;
    for (; k + 16 <= kg; k += 16) {
        const __m512 x = load_inputs(src, multipliers, k, (__mmask16)0xFFFF);
        __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x, inverse)), zv);
        _mm_storeu_si128((__m128i *)(dst + k), _mm512_cvtusepi32_epi8(_mm512_max_epi32(v, floor)));
    }
    if (k < kg) {
        __mmask16 tail = (__mmask16)((1u << (kg - k)) - 1);
        __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(load_inputs(src, multipliers, k, tail), inverse)), zv);
        _mm512_mask_cvtusepi32_storeu_epi8(dst + k, tail, _mm512_max_epi32(v, floor));
    }
    for (k = kg; k < kp; k++) dst[k] = 0;  // meets zero weights: any value would do
}

/// `int8_quantize_rows`, inlined twice: with multipliers NULL every multiply folds away.
ALWAYS_INLINE void quantize_rows(const float *x, size_t ldx, int rows, int groups, int kg, int kp,
                                 const float *multipliers, uint8_t *q, size_t ldq, float *scale, int32_t *zero,
                                 size_t lds) {
    for (int m = 0; m < rows; m++) {
        const float *row = x + (size_t)m * ldx;
        for (int g = 0; g < groups; g++) {
            // The group's range, 0 included: each group is a product of its own, so its inputs
            // get their own scale (one scale over all groups lets one group's range coarsen
            // another's steps).
            const float *src = row + (size_t)g * kg, *mul = multipliers ? multipliers + (size_t)g * kg : NULL;
            __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
            range_of(src, mul, kg, &lo, &hi);
            const float low = _mm512_reduce_min_ps(lo), high = _mm512_reduce_max_ps(hi);
            float s = (high - low) / 255.0f;
            if (!(s > 0)) s = 1.0f;  // an all-zero group (or NaN): every byte is the zero point
            int32_t z = (int32_t)nearbyintf(-low / s);
            z = z < 0 ? 0 : (z > 255 ? 255 : z);
            scale[(size_t)g * lds + m] = s;
            zero[(size_t)g * lds + m] = z;
            quantize_group(src, mul, kg, kp, s, z, q + (size_t)m * ldq + (size_t)g * kp);
        }
    }
}

void int8_quantize_rows(const float *x, size_t ldx, int rows, int groups, int kg, int kp,
                        const float *multipliers, uint8_t *q, size_t ldq, float *scale, int32_t *zero, size_t lds) {
    if (multipliers)
        quantize_rows(x, ldx, rows, groups, kg, kp, multipliers, q, ldq, scale, zero, lds);
    else
        quantize_rows(x, ldx, rows, groups, kg, kp, NULL, q, ldq, scale, zero, lds);
}

/// erf per lane: the engine's erf8 (a rational approximation on [-4, 4], Eigen's / XLA's float
/// erf) on sixteen lanes.
ALWAYS_INLINE __m512 erf16(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(4.0f)), _mm512_set1_ps(-4.0f));
    const __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
    p = _mm512_mul_ps(p, x);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
    return _mm512_div_ps(p, q);
}

/// Exact GELU per lane, as the engine's gelu8: x/2 (1 + erf(x / sqrt 2)).
ALWAYS_INLINE __m512 gelu16(__m512 x) {
    const __m512 half = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
    return _mm512_fmadd_ps(half, erf16(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f))), half);
}

/// The activation `act` (INT8_ACTIVATION_*) per lane, as the engine's gelu8, geluTanh8 and relu.
ALWAYS_INLINE __m512 activation16(__m512 x, int act) {
    switch (act) {
    case INT8_ACTIVATION_GELU: return gelu16(x);
    case INT8_ACTIVATION_GELU_TANH: {
        const __m512 c = _mm512_set1_ps(0.79788456080286536f);
        const __m512 inner = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(x, x), x),
                                             _mm512_set1_ps(0.79788456080286536f * 0.044715f), _mm512_mul_ps(x, c));
        // tanh(z) = 1 - 2 / (e^{2z} + 1)
        const __m512 z2 = _mm512_max_ps(_mm512_min_ps(_mm512_add_ps(inner, inner), _mm512_set1_ps(40.0f)),
                                        _mm512_set1_ps(-40.0f));
        const __m512 one = _mm512_set1_ps(1.0f);
        const __m512 t = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(exp16(z2), one)));
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(one, t));
    }
    case INT8_ACTIVATION_RELU:
        return _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), _mm512_setzero_ps());
    default:
        return x;
    }
}

/// out (rows, columns, stride ldo) = activation(out) in place: a tile just stored, still in L1.
/// Not inlined, so that the tile's accumulators are dead before it runs and nothing spills. Only
/// the rarer activations come here; GELU is applied in registers before the store (`finish_row`).
static __attribute__((noinline)) void activate_rows(float *out, size_t ldo, int rows, int columns, int act) {
    for (int r = 0; r < rows; r++) {
        float *row = out + (size_t)r * ldo;
        for (int j = 0; j < columns; j += 16) {
            const __mmask16 m = columns - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - j)) - 1);
            _mm512_mask_storeu_ps(row + j, m, activation16(_mm512_maskz_loadu_ps(m, row + j), act));
        }
    }
}

/// Row r of a tile: dequantise, add the bias (and the residual), apply GELU when `act` says so
/// (in registers: reloading stored outputs would wait for their cache lines), store `columns` values.
ALWAYS_INLINE void finish_row(__m512i sum0, __m512i sum1, float row_scale, int32_t row_zero,
                              const int32_t *colsum, const float *wscale, const float *bias,
                              float *out, const float *residual, int columns, int act) {
    const __m512i z = _mm512_set1_epi32(row_zero);
    sum0 = _mm512_sub_epi32(sum0, _mm512_mullo_epi32(z, _mm512_loadu_si512(colsum)));
    sum1 = _mm512_sub_epi32(sum1, _mm512_mullo_epi32(z, _mm512_loadu_si512(colsum + 16)));
    const __m512 s = _mm512_set1_ps(row_scale);
    __m512 v0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum0), _mm512_mul_ps(s, _mm512_loadu_ps(wscale)),
                                _mm512_loadu_ps(bias));
    __m512 v1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum1), _mm512_mul_ps(s, _mm512_loadu_ps(wscale + 16)),
                                _mm512_loadu_ps(bias + 16));
    if (act == INT8_ACTIVATION_GELU) {
        v0 = gelu16(v0);
        v1 = gelu16(v1);
    }
    if (columns == INT8_PANEL_WIDTH) {
        if (residual) {
            v0 = _mm512_add_ps(v0, _mm512_loadu_ps(residual));
            v1 = _mm512_add_ps(v1, _mm512_loadu_ps(residual + 16));
        }
        _mm512_storeu_ps(out, v0);
        _mm512_storeu_ps(out + 16, v1);
    } else {
        // The group's last, narrower panel: only `columns` outputs (and residuals) exist.
        __mmask16 m0 = columns >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << columns) - 1);
        __mmask16 m1 = columns > 16 ? (__mmask16)((1u << (columns - 16)) - 1) : 0;
        if (residual) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, residual));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, residual + 16));
        }
        _mm512_mask_storeu_ps(out, m0, v0);
        _mm512_mask_storeu_ps(out + 16, m1, v1);
    }
}

/// Four activation bytes of row r at step s, broadcast to every lane.
ALWAYS_INLINE __m512i broadcast4(const uint8_t *q, size_t ldq, int r, int s) {
    int32_t word;
    memcpy(&word, q + (size_t)r * ldq + 4 * (size_t)s, 4);
    return _mm512_set1_epi32(word);
}

/// R (1...8) rows x 32 columns: 16 int32 accumulators, one vpdpbusd per row and half-panel per
/// four inputs. R and prefetch are constants at every call site, so the loop is unrolled per row
/// and carries no tests.
ALWAYS_INLINE void tile(const int R, const int prefetch, const uint8_t *q, size_t ldq, const float *scale,
                        const int32_t *zero, const int8_t *panel, int kp, const int32_t *colsum,
                        const float *wscale, const float *bias, float *out, size_t ldo, int columns,
                        const float *residual, const int8_t *next, int act) {
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
            c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    const int steps = kp / 4;
    const int8_t *w = panel;
    for (int s = 0; s < steps; s++, w += 4 * INT8_PANEL_WIDTH) {
        if (prefetch) {
            // The next panel, as fast as this one is read: two lines per step.
            _mm_prefetch((const char *)(next + (size_t)s * 128), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + (size_t)s * 128 + 64), _MM_HINT_T0);
        }
        const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 64);
        __m512i a = broadcast4(q, ldq, 0, s);
        c00 = _mm512_dpbusd_epi32(c00, a, w0); c01 = _mm512_dpbusd_epi32(c01, a, w1);
        if (R > 1) { a = broadcast4(q, ldq, 1, s); c10 = _mm512_dpbusd_epi32(c10, a, w0); c11 = _mm512_dpbusd_epi32(c11, a, w1); }
        if (R > 2) { a = broadcast4(q, ldq, 2, s); c20 = _mm512_dpbusd_epi32(c20, a, w0); c21 = _mm512_dpbusd_epi32(c21, a, w1); }
        if (R > 3) { a = broadcast4(q, ldq, 3, s); c30 = _mm512_dpbusd_epi32(c30, a, w0); c31 = _mm512_dpbusd_epi32(c31, a, w1); }
        if (R > 4) { a = broadcast4(q, ldq, 4, s); c40 = _mm512_dpbusd_epi32(c40, a, w0); c41 = _mm512_dpbusd_epi32(c41, a, w1); }
        if (R > 5) { a = broadcast4(q, ldq, 5, s); c50 = _mm512_dpbusd_epi32(c50, a, w0); c51 = _mm512_dpbusd_epi32(c51, a, w1); }
        if (R > 6) { a = broadcast4(q, ldq, 6, s); c60 = _mm512_dpbusd_epi32(c60, a, w0); c61 = _mm512_dpbusd_epi32(c61, a, w1); }
        if (R > 7) { a = broadcast4(q, ldq, 7, s); c70 = _mm512_dpbusd_epi32(c70, a, w0); c71 = _mm512_dpbusd_epi32(c71, a, w1); }
    }
#define FINISH(r, s0, s1)                                                                                   \
    finish_row(s0, s1, scale[r], zero[r], colsum, wscale, bias, out + (size_t)(r) * ldo,                  \
               residual ? residual + (size_t)(r) * ldo : NULL, columns, act)
    FINISH(0, c00, c01);
    if (R > 1) FINISH(1, c10, c11);
    if (R > 2) FINISH(2, c20, c21);
    if (R > 3) FINISH(3, c30, c31);
    if (R > 4) FINISH(4, c40, c41);
    if (R > 5) FINISH(5, c50, c51);
    if (R > 6) FINISH(6, c60, c61);
    if (R > 7) FINISH(7, c70, c71);
#undef FINISH
    if (act != INT8_ACTIVATION_NONE && act != INT8_ACTIVATION_GELU) activate_rows(out, ldo, R, columns, act);
}

/// Moves a product's row pointers past the R rows a tile has just finished.
ALWAYS_INLINE void next_rows(int R, const uint8_t **q, size_t ldq, const float **scale, const int32_t **zero,
                             float **out, size_t ldo, const float **residual, int *rows) {
    *q += (size_t)R * ldq;
    *scale += R;
    *zero += R;
    *out += (size_t)R * ldo;
    if (*residual) *residual += (size_t)R * ldo;
    *rows -= R;
}

#define TILE(R, P) tile(R, P, q, ldq, scale, zero, panel, kp, colsum, wscale, bias, out, ldo, columns, residual, next, act)

void int8_panel_product(const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero, int rows,
                        const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                        const float *bias, float *out, size_t ldo, int columns, const float *residual,
                        const int8_t *next, int act) {
    int first = 1;
    while (rows > 0) {
        const int R = rows < INT8_TILE_ROWS ? rows : INT8_TILE_ROWS;
        if (first && next) {
            switch (R) {
            case 8: TILE(8, 1); break;
            case 7: TILE(7, 1); break;
            case 6: TILE(6, 1); break;
            case 5: TILE(5, 1); break;
            case 4: TILE(4, 1); break;
            case 3: TILE(3, 1); break;
            case 2: TILE(2, 1); break;
            default: TILE(1, 1); break;
            }
        } else {
            switch (R) {
            case 8: TILE(8, 0); break;
            case 7: TILE(7, 0); break;
            case 6: TILE(6, 0); break;
            case 5: TILE(5, 0); break;
            case 4: TILE(4, 0); break;
            case 3: TILE(3, 0); break;
            case 2: TILE(2, 0); break;
            default: TILE(1, 0); break;
            }
        }
        first = 0;
        next_rows(R, &q, ldq, &scale, &zero, &out, ldo, &residual, &rows);
    }
}

/// R (1...6) rows x two adjacent panels (64 columns): 24 int32 accumulators, four weight loads and
/// R broadcasts per four inputs, so each broadcast feeds four vpdpbusd instead of the single-panel
/// tile's two, and a row chunk's activation bytes are read once per two panels. The second panel
/// has `columns` outputs; the first is full. No prefetch: pairs serve products over enough rows
/// that each panel is reused, not streamed.
ALWAYS_INLINE void pair_tile(const int R, const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero,
                             const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                             const float *bias, float *out, size_t ldo, int columns, const float *residual,
                             int act) {
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00,
            c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00,
            c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
    const int steps = kp / 4;
    const int8_t *w = panel, *v = panel + (size_t)kp * INT8_PANEL_WIDTH;
    for (int s = 0; s < steps; s++, w += 4 * INT8_PANEL_WIDTH, v += 4 * INT8_PANEL_WIDTH) {
        const __m512i w0 = _mm512_loadu_si512(w), w1 = _mm512_loadu_si512(w + 64);
        const __m512i w2 = _mm512_loadu_si512(v), w3 = _mm512_loadu_si512(v + 64);
        __m512i a;
#define ROW(r)                                                                                              \
        a = broadcast4(q, ldq, r, s);                                                                       \
        c##r##0 = _mm512_dpbusd_epi32(c##r##0, a, w0); c##r##1 = _mm512_dpbusd_epi32(c##r##1, a, w1);       \
        c##r##2 = _mm512_dpbusd_epi32(c##r##2, a, w2); c##r##3 = _mm512_dpbusd_epi32(c##r##3, a, w3);
        ROW(0)
        if (R > 1) { ROW(1) }
        if (R > 2) { ROW(2) }
        if (R > 3) { ROW(3) }
        if (R > 4) { ROW(4) }
        if (R > 5) { ROW(5) }
#undef ROW
    }
#define FINISH(r)                                                                                           \
    do {                                                                                                    \
        finish_row(c##r##0, c##r##1, scale[r], zero[r], colsum, wscale, bias, out + (size_t)(r) * ldo,    \
                   residual ? residual + (size_t)(r) * ldo : NULL, INT8_PANEL_WIDTH, act);                \
        finish_row(c##r##2, c##r##3, scale[r], zero[r], colsum + INT8_PANEL_WIDTH,                        \
                   wscale + INT8_PANEL_WIDTH, bias + INT8_PANEL_WIDTH,                                    \
                   out + (size_t)(r) * ldo + INT8_PANEL_WIDTH,                                            \
                   residual ? residual + (size_t)(r) * ldo + INT8_PANEL_WIDTH : NULL, columns, act);      \
    } while (0)
    FINISH(0);
    if (R > 1) FINISH(1);
    if (R > 2) FINISH(2);
    if (R > 3) FINISH(3);
    if (R > 4) FINISH(4);
    if (R > 5) FINISH(5);
#undef FINISH
    if (act != INT8_ACTIVATION_NONE && act != INT8_ACTIVATION_GELU)
        activate_rows(out, ldo, R, INT8_PANEL_WIDTH + columns, act);
}

#define PAIR(R) pair_tile(R, q, ldq, scale, zero, panel, kp, colsum, wscale, bias, out, ldo, columns, residual, act)

void int8_panel_pair_product(const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero, int rows,
                             const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                             const float *bias, float *out, size_t ldo, int columns, const float *residual,
                             int act) {
    while (rows > 0) {
        const int R = rows < INT8_PAIR_TILE_ROWS ? rows : INT8_PAIR_TILE_ROWS;
        switch (R) {
        case 6: PAIR(6); break;
        case 5: PAIR(5); break;
        case 4: PAIR(4); break;
        case 3: PAIR(3); break;
        case 2: PAIR(2); break;
        default: PAIR(1); break;
        }
        next_rows(R, &q, ldq, &scale, &zero, &out, ldo, &residual, &rows);
    }
}

int64_t int8_peak_loop(int64_t iterations) {
    __m512i a = _mm512_set1_epi32(0x01010101), b = _mm512_set1_epi32(0x01010101);
    __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
            c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
    for (int64_t i = 0; i < iterations; i++) {
        __asm__ volatile("" : "+v"(a), "+v"(b));  // opaque operands: the loop cannot be folded
        c0 = _mm512_dpbusd_epi32(c0, a, b); c1 = _mm512_dpbusd_epi32(c1, a, b);
        c2 = _mm512_dpbusd_epi32(c2, a, b); c3 = _mm512_dpbusd_epi32(c3, a, b);
        c4 = _mm512_dpbusd_epi32(c4, a, b); c5 = _mm512_dpbusd_epi32(c5, a, b);
        c6 = _mm512_dpbusd_epi32(c6, a, b); c7 = _mm512_dpbusd_epi32(c7, a, b);
        c8 = _mm512_dpbusd_epi32(c8, a, b); c9 = _mm512_dpbusd_epi32(c9, a, b);
        c10 = _mm512_dpbusd_epi32(c10, a, b); c11 = _mm512_dpbusd_epi32(c11, a, b);
        c12 = _mm512_dpbusd_epi32(c12, a, b); c13 = _mm512_dpbusd_epi32(c13, a, b);
        c14 = _mm512_dpbusd_epi32(c14, a, b); c15 = _mm512_dpbusd_epi32(c15, a, b);
    }
    __m512i s = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c0, c1), _mm512_add_epi32(c2, c3)),
                                 _mm512_add_epi32(_mm512_add_epi32(c4, c5), _mm512_add_epi32(c6, c7)));
    s = _mm512_add_epi32(s, _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(c8, c9), _mm512_add_epi32(c10, c11)),
                                             _mm512_add_epi32(_mm512_add_epi32(c12, c13), _mm512_add_epi32(c14, c15))));
    return _mm512_reduce_add_epi32(s);
}

#else
// Built without AVX-512 VNNI (another architecture, or a compiler without the flags): the engine
// never calls these there (cpu_has_avx512vnni is 0 or the kernels are not chosen), so reaching one
// is a bug.
#include <stdlib.h>

int int8_kernels_compiled(void) { return 0; }

void int8_quantize_rows(const float *x, size_t ldx, int rows, int groups, int kg, int kp,
                        const float *multipliers, uint8_t *q, size_t ldq, float *scale, int32_t *zero, size_t lds) {
    abort();
}

void int8_panel_product(const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero, int rows,
                        const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                        const float *bias, float *out, size_t ldo, int columns, const float *residual,
                        const int8_t *next, int act) { abort(); }

void int8_panel_pair_product(const uint8_t *q, size_t ldq, const float *scale, const int32_t *zero, int rows,
                             const int8_t *panel, int kp, const int32_t *colsum, const float *wscale,
                             const float *bias, float *out, size_t ldo, int columns, const float *residual,
                             int act) { abort(); }

int64_t int8_peak_loop(int64_t iterations) { abort(); }
#endif
