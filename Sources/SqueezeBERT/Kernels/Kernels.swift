import Foundation

// Every numeric kernel of the encoder lives in this file, so speed work has a single home.
//
// Shape legend (as in llm.c): B batch, T tokens per sequence, M = B*T rows, C channels (hidden),
// K input channels, N output channels, G groups, NH heads, HS head size = C/NH.
// Activations are token-major: a (M, C) buffer holds token m's C channels contiguously. This is
// the transpose of the reference's NCW layout, which makes every 1x1 convolution a row-wise
// matrix product over contiguous memory.
//
// The kernels take raw pointers: callers own the buffers (allocated once per forward pass) and
// guarantee the sizes in the shape comments. No kernel allocates.

/// Kernels are plain functions in a namespace; the model's forward pass is a flat list of calls.
public enum Kernels {}

extension Kernels {
    /// Grouped 1x1 convolution (a grouped matrix product) plus bias.
    ///
    /// out is (M, N), inp is (M, K), weight is packed (G, K/G, N/G) — group g's block transposed so
    /// that one input channel's weights for all of the group's outputs are contiguous — bias is (N).
    /// out[m, g*N/G + n] = bias[g*N/G + n] + sum_k inp[m, g*K/G + k] * weight[g, k, n].
    /// With G = 1 this is a dense Linear layer (weight (K, N), the transpose of PyTorch's).
    @inlinable
    public static func groupedMatmul(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows M: Int, inputs K: Int, outputs N: Int, groups G: Int
    ) {
        let Kg = K / G, Ng = N / G
        for g in 0..<G {
            let groupWeight = weight + g * Kg * Ng
            let groupBias = bias + g * Ng
            var m = 0
            // Four rows at a time: each weight row loaded once feeds four accumulating output rows.
            while m + 4 <= M {
                let o0 = out + m * N + g * Ng, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N
                let i0 = inp + m * K + g * Kg, i1 = i0 + K, i2 = i1 + K, i3 = i2 + K
                for n in 0..<Ng { let b = groupBias[n]; o0[n] = b; o1[n] = b; o2[n] = b; o3[n] = b }
                for k in 0..<Kg {
                    let w = groupWeight + k * Ng
                    let a0 = i0[k], a1 = i1[k], a2 = i2[k], a3 = i3[k]
                    for n in 0..<Ng {
                        let wn = w[n]
                        o0[n] += a0 * wn
                        o1[n] += a1 * wn
                        o2[n] += a2 * wn
                        o3[n] += a3 * wn
                    }
                }
                m += 4
            }
            while m < M {
                let o = out + m * N + g * Ng
                let i = inp + m * K + g * Kg
                for n in 0..<Ng { o[n] = groupBias[n] }
                for k in 0..<Kg {
                    let w = groupWeight + k * Ng
                    let a = i[k]
                    for n in 0..<Ng { o[n] += a * w[n] }
                }
                m += 1
            }
        }
    }

    /// LayerNorm over the channels of each row, in place: x is (M, C), gamma and beta are (C).
    /// With `residual` (M, C), normalises x + residual (the reference's "add & norm").
    @inlinable
    public static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows M: Int, channels C: Int, eps: Float
    ) {
        for m in 0..<M {
            let row = x + m * C
            if let residual {
                let r = residual + m * C
                for c in 0..<C { row[c] += r[c] }
            }
            var sum: Float = 0
            for c in 0..<C { sum += row[c] }
            let mean = sum / Float(C)
            var squares: Float = 0
            for c in 0..<C { let d = row[c] - mean; squares += d * d }
            let rstd = 1 / (squares / Float(C) + eps).squareRoot()
            for c in 0..<C { row[c] = (row[c] - mean) * rstd * gamma[c] + beta[c] }
        }
    }

    /// Exact GELU in place, x * Φ(x) = 0.5 x (1 + erf(x / √2)); x has `count` elements.
    @inlinable
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invSqrt2: Float = 0.70710678118654752
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erf(v * invSqrt2))
        }
    }

    /// The tanh approximation of GELU in place (transformers' "gelu_new").
    @inlinable
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let c: Float = 0.79788456080286536  // √(2/π)
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + tanh(c * (v + 0.044715 * v * v * v)))
        }
    }

    /// ReLU in place.
    @inlinable
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = max(x[i], 0) }
    }

    /// tanh in place.
    @inlinable
    public static func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = tanh(x[i]) }
    }

    /// Softmax over each row in place: x is (M, N).
    @inlinable
    public static func softmax(_ x: UnsafeMutablePointer<Float>, rows M: Int, columns N: Int) {
        for m in 0..<M {
            let row = x + m * N
            var maximum = -Float.infinity
            for n in 0..<N { maximum = max(maximum, row[n]) }
            var sum: Float = 0
            for n in 0..<N { let e = exp(row[n] - maximum); row[n] = e; sum += e }
            let inverse = 1 / sum
            for n in 0..<N { row[n] *= inverse }
        }
    }

    /// Embeddings: out[b, t] = word[ids[b, t]] + position[t] + tokenType[types[b, t]].
    /// out is (B*T, C); word is (V, C), position is (P, C) with P >= T, tokenType is (TV, C);
    /// ids and types are (B*T). Ids are validated by the caller.
    @inlinable
    public static func embeddings(
        out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>,
        word: UnsafePointer<Float>, position: UnsafePointer<Float>, tokenType: UnsafePointer<Float>,
        batch B: Int, tokens T: Int, channels C: Int
    ) {
        for b in 0..<B {
            for t in 0..<T {
                let m = b * T + t
                let o = out + m * C
                let w = word + Int(ids[m]) * C
                let p = position + t * C
                let y = tokenType + Int(types[m]) * C
                for c in 0..<C { o[c] = w[c] + p[c] + y[c] }
            }
        }
    }

    /// Multi-head scaled dot-product attention with a key padding mask.
    ///
    /// q, k, v and out are (B, T, C) with head h in channels h*HS ..< (h+1)*HS; `lengths[b]` keys of
    /// sequence b are real, the rest padding. Padding keys get probability exactly 0 (the reference
    /// adds the dtype's minimum, whose exponential underflows to 0); padding queries are computed
    /// like real ones, as the reference does. scores is scratch of at least T floats.
    @inlinable
    public static func attention(
        out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
        v: UnsafePointer<Float>, lengths: UnsafePointer<Int>, scores: UnsafeMutablePointer<Float>,
        batch B: Int, tokens T: Int, channels C: Int, heads NH: Int
    ) {
        let HS = C / NH
        let scale = 1 / Float(HS).squareRoot()
        for b in 0..<B {
            let keys = lengths[b]
            let base = b * T * C
            for h in 0..<NH {
                let offset = base + h * HS
                for t in 0..<T {
                    let query = q + offset + t * C
                    var maximum = -Float.infinity
                    for s in 0..<keys {
                        let key = k + offset + s * C
                        var dot: Float = 0
                        for i in 0..<HS { dot += query[i] * key[i] }
                        let score = dot * scale
                        scores[s] = score
                        maximum = max(maximum, score)
                    }
                    var sum: Float = 0
                    for s in 0..<keys { let e = exp(scores[s] - maximum); scores[s] = e; sum += e }
                    let inverse = 1 / sum
                    let o = out + offset + t * C
                    for i in 0..<HS { o[i] = 0 }
                    for s in 0..<keys {
                        let p = scores[s] * inverse
                        let value = v + offset + s * C
                        for i in 0..<HS { o[i] += p * value[i] }
                    }
                }
            }
        }
    }
}
