// Multi-head attention on AVX-512F: see attention_avx512.h for what it computes.
//
// Per (sequence, head): the keys are transposed once to (HS, KP), KP = keys rounded up to 16, so
// that a query's scores come sixteen keys per FMA; then queries go ATTENTION_QUERY_ROWS at a time
// through scores, softmax and the weighted sum of values, each pass sharing every key and value
// load among its queries (up to 16 independent FMA chains, which the FMA latency needs). While
// one head runs, the next one's query, key and value rows are prefetched: the three (M, C)
// tensors are larger than L2 at batch sizes where this matters, and each head reads only its
// own HS channels of every row, a stride the hardware prefetcher does not follow.
#include "attention_avx512.h"
#include "avx512_math.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>
#include <math.h>

#define ALWAYS_INLINE static inline __attribute__((always_inline))

int attention_avx512_compiled(void) { return 1; }

size_t attention_avx512_scratch(int tokens, int head_size) {
    const size_t KP = ((size_t)tokens + 15) & ~(size_t)15;
    return (KP + 16) * (size_t)head_size + KP * 16;
}

/// The lanes of the first `count` (0...16) set.
ALWAYS_INLINE __mmask16 first_lanes(int count) {
    return count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
}

/// dst (HS, KP) = the transpose of `keys` rows of src (HS floats each, row stride C), zero up to
/// KP (a multiple of 16) beyond `keys`: sixteen-by-sixteen blocks transposed in registers (64
/// shuffles a block instead of 256 scalar loads and stores).
static void transpose_block(const float *src, int C, int keys, int HS, float *dst, int KP) {
    for (int s0 = 0; s0 < KP; s0 += 16) {
        for (int i0 = 0; i0 < HS; i0 += 16) {
            const __mmask16 columns = first_lanes(HS - i0);
            __m512 r[16], t[16];
            for (int j = 0; j < 16; j++) {
                r[j] = s0 + j < keys ? _mm512_maskz_loadu_ps(columns, src + (size_t)(s0 + j) * C + i0)
                                     : _mm512_setzero_ps();
            }
            // Within each 128-bit lane L: t[4g + e] = column 4L + e of rows 4g ..< 4g + 4.
            for (int j = 0; j < 16; j += 2) {
                const __m512 lo = _mm512_unpacklo_ps(r[j], r[j + 1]), hi = _mm512_unpackhi_ps(r[j], r[j + 1]);
                r[j] = lo;
                r[j + 1] = hi;
            }
            for (int j = 0; j < 16; j += 4) {
                t[j] = _mm512_shuffle_ps(r[j], r[j + 2], 0x44);
                t[j + 1] = _mm512_shuffle_ps(r[j], r[j + 2], 0xEE);
                t[j + 2] = _mm512_shuffle_ps(r[j + 1], r[j + 3], 0x44);
                t[j + 3] = _mm512_shuffle_ps(r[j + 1], r[j + 3], 0xEE);
            }
            // Column 4L + e gathers lane L of t[e], t[4 + e], t[8 + e], t[12 + e].
            for (int e = 0; e < 4; e++) {
                const __m512 x0 = _mm512_shuffle_f32x4(t[e], t[4 + e], 0x44);
                const __m512 x1 = _mm512_shuffle_f32x4(t[e], t[4 + e], 0xEE);
                const __m512 y0 = _mm512_shuffle_f32x4(t[8 + e], t[12 + e], 0x44);
                const __m512 y1 = _mm512_shuffle_f32x4(t[8 + e], t[12 + e], 0xEE);
                r[e] = _mm512_shuffle_f32x4(x0, y0, 0x88);
                r[4 + e] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
                r[8 + e] = _mm512_shuffle_f32x4(x1, y1, 0x88);
                r[12 + e] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
            }
            for (int c = 0; c < 16 && i0 + c < HS; c++) _mm512_storeu_ps(dst + (size_t)(i0 + c) * KP + s0, r[c]);
        }
    }
}

/// scoresT (16 keys, 16 queries) = scale * keysT (HS, 16 of KP)^T . queriesT (HS, 16): one vector
/// of sixteen queries per channel, each key element a broadcast memory operand at a constant
/// offset (so sixteen chains need two address registers and no shuffles).
ALWAYS_INLINE void score_block(const float *keysT, int KP, const float *queriesT, int HS, float scale, float *scoresT) {
    __m512 a[16];
    for (int s = 0; s < 16; s++) a[s] = _mm512_setzero_ps();
    for (int i = 0; i < HS; i++) {
        const __m512 queries = _mm512_loadu_ps(queriesT + (size_t)i * 16);
        const float *key = keysT + (size_t)i * KP;
        for (int s = 0; s < 16; s++) a[s] = _mm512_fmadd_ps(_mm512_set1_ps(key[s]), queries, a[s]);
    }
    const __m512 c = _mm512_set1_ps(scale);
    for (int s = 0; s < 16; s++) _mm512_storeu_ps(scoresT + (size_t)s * 16, _mm512_mul_ps(a[s], c));
}

/// out (R queries, 16 channels `m` of v, stride C) = sum over keys of probabilitiesT[s, r] * v row s
/// (stride C), each probability a broadcast memory operand at a constant offset.
ALWAYS_INLINE void value_block(const float *probabilitiesT, int keys, const float *v, int C, __mmask16 m, int R,
                               float *out) {
    __m512 a[16];
    for (int r = 0; r < 16; r++) a[r] = _mm512_setzero_ps();
    for (int s = 0; s < keys; s++) {
        const __m512 value = _mm512_maskz_loadu_ps(m, v + (size_t)s * C);
        const float *p = probabilitiesT + (size_t)s * 16;
        for (int r = 0; r < 16; r++) a[r] = _mm512_fmadd_ps(_mm512_set1_ps(p[r]), value, a[r]);
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(out + (size_t)r * C, m, a[r]);
}

/// Prefetches rows [t0, t1) of a head's q, k and v (HS floats each, stride C) into L2.
static inline void prefetch_rows(const float *q, const float *k, const float *v, int C, int HS, int t0, int t1) {
    for (int t = t0; t < t1; t++) {
        for (int c = 0; c < HS; c += 16) {
            const size_t at = (size_t)t * C + c;
            _mm_prefetch((const char *)(q + at), _MM_HINT_T1);
            _mm_prefetch((const char *)(k + at), _MM_HINT_T1);
            _mm_prefetch((const char *)(v + at), _MM_HINT_T1);
        }
    }
}

void attention_avx512(float *out, const float *q, const float *k, const float *v, const int64_t *lengths,
                      float *scratch, int B, int T, int C, int NH, int first, int end) {
    (void)B;
    const int HS = C / NH;
    const float scale = 1.0f / sqrtf((float)HS);
    for (int task = first; task < end; task++) {
        const int b = task / NH, h = task % NH;
        const int keys = (int)lengths[b];
        const size_t offset = (size_t)b * T * C + (size_t)h * HS;
        const int has_next = task + 1 < end;
        const size_t next = has_next ? (size_t)((task + 1) / NH) * T * C + (size_t)((task + 1) % NH) * HS : 0;
        if (keys <= 0) {
            for (int t = 0; t < T; t++)
                for (int c = 0; c < HS; c++) out[offset + (size_t)t * C + c] = 0;
            continue;
        }
        // Scratch: keysT (HS, KP), queriesT (HS, 16), scoresT (KP, 16).
        const int KP = (keys + 15) & ~15;
        float *keysT = scratch, *queriesT = keysT + (size_t)HS * KP, *scoresT = queriesT + (size_t)HS * 16;
        transpose_block(k + offset, C, keys, HS, keysT, KP);
        for (int t = 0; t < T; t += 16) {
            const int R = T - t < 16 ? T - t : 16;
            if (has_next) prefetch_rows(q + next, k + next, v + next, C, HS, t, t + R);
            // Sixteen queries (the missing ones zero) as the lanes of every vector below.
            transpose_block(q + offset + (size_t)t * C, C, R, HS, queriesT, 16);
            for (int s0 = 0; s0 < KP; s0 += 16) score_block(keysT + s0, KP, queriesT, HS, scale, scoresT + (size_t)s0 * 16);
            // Softmax down the keys, sixteen queries at once: no horizontal reductions, and padding
            // keys are simply not visited.
            __m512 maximum = _mm512_loadu_ps(scoresT);
            for (int s = 1; s < keys; s++) maximum = _mm512_max_ps(maximum, _mm512_loadu_ps(scoresT + (size_t)s * 16));
            __m512 sum = _mm512_setzero_ps();
            for (int s = 0; s < keys; s++) {
                const __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(scoresT + (size_t)s * 16), maximum));
                _mm512_storeu_ps(scoresT + (size_t)s * 16, e);
                sum = _mm512_add_ps(sum, e);
            }
            const __m512 inverse = _mm512_div_ps(_mm512_set1_ps(1.0f), sum);
            for (int s = 0; s < keys; s++)
                _mm512_storeu_ps(scoresT + (size_t)s * 16, _mm512_mul_ps(_mm512_loadu_ps(scoresT + (size_t)s * 16), inverse));
            float *o = out + offset + (size_t)t * C;
            for (int c0 = 0; c0 < HS; c0 += 16) value_block(scoresT, keys, v + offset + c0, C, first_lanes(HS - c0), R, o + c0);
        }
    }
}

#else
// Built without AVX-512 (another architecture): the engine never calls this there.
#include <stdlib.h>

int attention_avx512_compiled(void) { return 0; }
size_t attention_avx512_scratch(int tokens, int head_size) { (void)tokens; (void)head_size; return 0; }
void attention_avx512(float *out, const float *q, const float *k, const float *v, const int64_t *lengths,
                      float *scratch, int batch, int tokens, int channels, int heads, int first, int end) {
    abort();
}
#endif
