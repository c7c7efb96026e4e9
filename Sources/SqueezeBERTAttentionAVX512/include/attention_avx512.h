// Multi-head attention on AVX-512F (C intrinsics), compiled with -mavx512f -mfma (Package.swift)
// and called only where the CPU has them (cpu_has_avx512f), so nothing here is inline in this
// header. The engine's AVX2 attention (Kernels.attention) computes the same thing.
//
// Shapes (the legend in Kernels.swift): B sequences of T tokens, C channels, NH heads of
// HS = C / NH channels; q, k, v and out are (B, T, C), head h in channels h*HS ..< (h+1)*HS.
#ifndef SQUEEZEBERT_ATTENTION_AVX512_H
#define SQUEEZEBERT_ATTENTION_AVX512_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this build holds the AVX-512 kernel (x86-64 with the flags above); 0 when the function
/// below is a stub that must not be called.
int attention_avx512_compiled(void);

/// Scratch floats one call needs: the head's keys transposed, (HS, T padded to 16), and
/// ATTENTION_QUERY_ROWS rows of scores.
size_t attention_avx512_scratch(int tokens, int head_size);

/// Queries per pass: their scores and weighted sums share every key and value load.
#define ATTENTION_QUERY_ROWS 16

/// out = softmax(q k^T / sqrt(HS), keys masked) v for the (sequence, head) tasks b*NH + h in
/// [first, end): lengths[b] keys of sequence b are real, the rest get probability 0; every query
/// (padding too) is computed. A sequence with no real keys gets zeros. scratch holds
/// attention_avx512_scratch(T, HS) floats.
void attention_avx512(float *out, const float *q, const float *k, const float *v, const int64_t *lengths,
                      float *scratch, int batch, int tokens, int channels, int heads, int first, int end);

#endif
