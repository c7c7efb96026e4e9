import CThreads
import Foundation
import SqueezeBERTAttentionAVX512
import SqueezeBERTMatmul
import SqueezeBERTMatmulAVX512

// Every numeric kernel of the encoder lives in this file, so speed work has a single home, except
// the matrix product and the element-wise functions it fuses, which live in SqueezeBERTMatmul so
// that they can be compiled for AVX-512 too (and are dispatched here).
//
// Shape legend (as in llm.c): B batch, T tokens per sequence, M = B*T rows, C channels (hidden),
// K input channels, N output channels, G groups, NH heads, HS head size = C/NH.
// Activations are token-major: a (M, C) buffer holds token m's C channels contiguously. This is
// the transpose of the reference's NCW layout, which makes every 1x1 convolution a row-wise
// matrix product over contiguous memory.
//
// The kernels take raw pointers: callers own the buffers (allocated once, at load) and
// guarantee the sizes in the shape comments. No kernel allocates.
//
// Vector code uses Swift's SIMD8<Float>, which the package compiles with AVX2 and FMA
// (`-Xcc -mavx2 -Xcc -mfma` in Package.swift): one SIMD8 is one ymm register, and
// `addingProduct` is one vfmadd231ps. Without those flags the same source falls back to SSE and
// calls fmaf per lane, many times slower. Kernels are deliberately not @inlinable, so that no
// other module compiles them without the flags (SqueezeBERTMatmul's are, for the opposite reason:
// they are meant to be compiled by each module that instantiates them, with its own flags).

/// Kernels are plain functions in a namespace; the model's forward pass is a flat list of calls.
public enum Kernels {}

typealias Vector = SIMD8<Float>

// The types the matrix product is built from live in SqueezeBERTMatmul (compiled once per
// instruction set); the engine's API names them as its own.
public typealias PackedMatrix = SqueezeBERTMatmul.PackedMatrix
public typealias Precision = SqueezeBERTMatmul.Precision
public typealias InstructionSet = SqueezeBERTMatmul.InstructionSet
public typealias Epilogue = SqueezeBERTMatmul.Epilogue
public typealias QuantizedActivations = SqueezeBERTMatmul.QuantizedActivations
public typealias InputSmoothing = SqueezeBERTMatmul.InputSmoothing

// MARK: - Matrix products

extension Kernels {
    /// The number of independent tasks `matmul` splits into (row chunks x groups x panels).
    public static func matmulTasks(rows M: Int, matrix: PackedMatrix) -> Int { Matmul.tasks(rows: M, matrix: matrix) }

    /// Grouped 1x1 convolution (a grouped matrix product) plus bias and an epilogue, on the
    /// kernels `matrix` was packed for: see `Matmul.run` for the shapes and `tasks`. For a matrix
    /// on the integer kernels, `quantized` may hold inp's rows already quantised for it
    /// (`quantize`), so that the products and threads that read one input share one quantisation.
    public static func matmul(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, quantized: QuantizedActivations? = nil,
        matrix: PackedMatrix, rows M: Int, epilogue: Epilogue = .none, tasks: Range<Int>? = nil
    ) {
        if matrix.usesIntegerProducts {
            Int8Matmul.run(out: out, inp: inp, quantized: quantized, matrix: matrix, rows: M, epilogue: epilogue,
                           tasks: tasks)
            return
        }
        switch matrix.instructionSet {
        case .avx2: Matmul.run(SIMD8<Float>.self, out: out, inp: inp, matrix: matrix, rows: M, epilogue: epilogue, tasks: tasks)
        case .avx512, .avx512vnni:
            matmulAVX512(out: out, inp: inp, matrix: matrix, rows: M, epilogue: epilogue, tasks: tasks)
        }
    }

    /// This core's int8 multiply-adds per second on the integer unit, timed on a register-only
    /// vpdpbusd loop (AVX-512 VNNI only): the ceiling the int8 products are measured against.
    public static func integerPeakMultiplyAddsPerSecond() -> Double {
        precondition(InstructionSet.avx512vnni.isAvailable, "no AVX-512 VNNI on this CPU")
        return Int8Matmul.peakMultiplyAddsPerSecond()
    }
}

extension Kernels {
    /// tanh in place.
    public static func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = tanh(x[i]) }
    }
}

// MARK: - Dot products (similarity search and small linear heads outside the encoder)

extension Kernels {
    /// sum_i a[i] * b[i] over `count` elements, in four SIMD8 accumulators.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
        var i = 0
        while i + 32 <= n {
            s0 = s0.addingProduct(load8(a + i), load8(b + i))
            s1 = s1.addingProduct(load8(a + i + 8), load8(b + i + 8))
            s2 = s2.addingProduct(load8(a + i + 16), load8(b + i + 16))
            s3 = s3.addingProduct(load8(a + i + 24), load8(b + i + 24))
            i += 32
        }
        while i + 8 <= n {
            s0 = s0.addingProduct(load8(a + i), load8(b + i))
            i += 8
        }
        var total = sum((s0 + s1) + (s2 + s3))
        while i < n {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// out[r] = dot(row r of `matrix`, `vector`) for a row-major (rows, columns) matrix: one
    /// embedding against every stored one (the chat engine's nearest examples, about 1,300 x 384
    /// per turn: 0.3 ms as a scalar loop, a few dozen microseconds here).
    public static func matrixVector(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int, _ vector: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows { out[r] = dot(matrix + r * columns, vector, count: columns) }
    }
}

// MARK: - Normalisation, softmax, embeddings, attention

extension Kernels {
    /// Sum of the lanes of v, pairwise.
    @inline(__always) static func sum(_ v: Vector) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        return q[0] + q[1]
    }

    /// LayerNorm over the channels of each row, in place: x is (M, C), gamma and beta are (C).
    /// `rows` may be a sub-range of the M rows (for threads). The residual add before it ("add &
    /// norm") is fused into the preceding matrix product's epilogue.
    public static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows: Range<Int>, channels C: Int, eps: Float
    ) {
        let C8 = C & ~7
        for m in rows {
            let row = x + m * C
            var acc = Vector()
            var c = 0
            while c < C8 { acc += load8(row + c); c += 8 }
            var sum = Self.sum(acc)
            while c < C { sum += row[c]; c += 1 }
            let mean = sum / Float(C)
            let meanVector = Vector(repeating: mean)
            acc = Vector()
            c = 0
            while c < C8 { let d = load8(row + c) - meanVector; acc = acc.addingProduct(d, d); c += 8 }
            var squares = Self.sum(acc)
            while c < C { let d = row[c] - mean; squares += d * d; c += 1 }
            let rstd = 1 / (squares / Float(C) + eps).squareRoot()
            let rstdVector = Vector(repeating: rstd)
            c = 0
            while c < C8 {
                let normalised = (load8(row + c) - meanVector) * rstdVector
                store8(load8(beta + c).addingProduct(normalised, load8(gamma + c)), row + c)
                c += 8
            }
            while c < C { row[c] = (row[c] - mean) * rstd * gamma[c] + beta[c]; c += 1 }
        }
    }

    /// Softmax over each row in place: x is (M, N).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, rows M: Int, columns N: Int) {
        for m in 0..<M {
            let row = x + m * N
            var maximum = -Float.infinity
            for n in 0..<N { maximum = max(maximum, row[n]) }
            var sum: Float = 0
            for n in 0..<N { let e = exp(row[n] - maximum); row[n] = e; sum += e }
            for n in 0..<N { row[n] /= sum }
        }
    }

    /// An embedding table's rows as the checkpoint stores them.
    public enum TableRows: @unchecked Sendable {
        case float(UnsafePointer<Float>)
        /// Row r is `values[r * C ..< (r + 1) * C] * scales[r]`.
        case int8(UnsafePointer<Int8>, scales: UnsafePointer<Float>)

        /// o[0..<C] += row r.
        @inline(__always) func add(row r: Int, to o: UnsafeMutablePointer<Float>, channels C: Int) {
            switch self {
            case .float(let values):
                let w = values + r * C
                for c in 0..<C { o[c] += w[c] }
            case .int8(let values, let scales):
                let w = values + r * C, s = scales[r]
                for c in 0..<C { o[c] += Float(w[c]) * s }
            }
        }
    }

    /// out (B*T, C) = word[ids] + position[t] + tokenType[types], before the embedding LayerNorm.
    public static func embeddings(
        out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, types: UnsafePointer<Int32>,
        word: TableRows, position: TableRows, tokenType: TableRows,
        batch B: Int, tokens T: Int, channels C: Int
    ) {
        for b in 0..<B {
            for t in 0..<T {
                let m = b * T + t
                let o = out + m * C
                o.update(repeating: 0, count: C)
                word.add(row: Int(ids[m]), to: o, channels: C)
                position.add(row: t, to: o, channels: C)
                tokenType.add(row: Int(types[m]), to: o, channels: C)
            }
        }
    }

    /// The scratch floats one `attention` call needs on either kernel: rows of T scores (two
    /// queries on AVX2, sixteen on AVX-512) and the head's keys transposed, (HS, T), with T rounded
    /// up to the vector width.
    public static func attentionScratch(tokens T: Int, headSize HS: Int) -> Int {
        max(((T + 7) & ~7) * (HS + 2), attention_avx512_scratch(Int32(T), Int32(HS)))
    }

    /// Scores of one query, or of two (`pair`), against `n` blocks of eight keys: keysT is (HS, TP)
    /// from the block's first key; out[0 ..< 8n] = scale * (query . key). A pair shares every key
    /// load and runs eight FMA chains instead of four, which the FMA latency otherwise limits.
    @inline(__always)
    static func scoreBlocks(
        _ n: Int, _ pair: Bool, _ q0: UnsafePointer<Float>, _ q1: UnsafePointer<Float>, _ keysT: UnsafePointer<Float>,
        _ TP: Int, _ HS: Int, _ scale: Float, _ out0: UnsafeMutablePointer<Float>, _ out1: UnsafeMutablePointer<Float>
    ) {
        var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
        var b0 = Vector(), b1 = Vector(), b2 = Vector(), b3 = Vector()
        for i in 0..<HS {
            let row = keysT + i * TP
            let k0 = load8(row), k1 = n > 1 ? load8(row + 8) : Vector()
            let k2 = n > 2 ? load8(row + 16) : Vector(), k3 = n > 3 ? load8(row + 24) : Vector()
            let x = Vector(repeating: q0[i])
            a0 = a0.addingProduct(x, k0)
            if n > 1 { a1 = a1.addingProduct(x, k1) }
            if n > 2 { a2 = a2.addingProduct(x, k2) }
            if n > 3 { a3 = a3.addingProduct(x, k3) }
            if pair {
                let y = Vector(repeating: q1[i])
                b0 = b0.addingProduct(y, k0)
                if n > 1 { b1 = b1.addingProduct(y, k1) }
                if n > 2 { b2 = b2.addingProduct(y, k2) }
                if n > 3 { b3 = b3.addingProduct(y, k3) }
            }
        }
        store8(a0 * scale, out0)
        if n > 1 { store8(a1 * scale, out0 + 8) }
        if n > 2 { store8(a2 * scale, out0 + 16) }
        if n > 3 { store8(a3 * scale, out0 + 24) }
        if pair {
            store8(b0 * scale, out1)
            if n > 1 { store8(b1 * scale, out1 + 8) }
            if n > 2 { store8(b2 * scale, out1 + 16) }
            if n > 3 { store8(b3 * scale, out1 + 24) }
        }
    }

    /// One or two queries' scores against all TP (padded) keys, up to four blocks of eight per pass.
    @inline(__always)
    static func scoreRows(
        _ pair: Bool, _ q0: UnsafePointer<Float>, _ q1: UnsafePointer<Float>, _ keysT: UnsafePointer<Float>,
        _ TP: Int, _ HS: Int, _ scale: Float, _ out0: UnsafeMutablePointer<Float>, _ out1: UnsafeMutablePointer<Float>
    ) {
        var block = 0
        while block < TP {
            let n = min((TP - block) / 8, 4)
            switch n {
            case 4: scoreBlocks(4, pair, q0, q1, keysT + block, TP, HS, scale, out0 + block, out1 + block)
            case 3: scoreBlocks(3, pair, q0, q1, keysT + block, TP, HS, scale, out0 + block, out1 + block)
            case 2: scoreBlocks(2, pair, q0, q1, keysT + block, TP, HS, scale, out0 + block, out1 + block)
            default: scoreBlocks(1, pair, q0, q1, keysT + block, TP, HS, scale, out0 + block, out1 + block)
            }
            block += 8 * n
        }
    }

    /// Softmax numerators of `keys` scores in place (exp(score - max)); returns 1 / their sum.
    @inline(__always)
    static func exponentiate(_ scores: UnsafeMutablePointer<Float>, keys: Int) -> Float {
        // The maximum eight lanes at a time (a scalar max chain cost as much as the exponentials),
        // over real keys only: padding scores are 0, which could exceed every real one.
        var lanes = Vector(repeating: -.infinity)
        var s = 0
        while s + 8 <= keys {
            let v = load8(scores + s)
            lanes = lanes.replacing(with: v, where: v .> lanes)
            s += 8
        }
        var maximum = -Float.infinity
        for j in 0..<8 { maximum = max(maximum, lanes[j]) }
        while s < keys { maximum = max(maximum, scores[s]); s += 1 }
        // Exponentials eight at a time; lanes past `keys` are computed and then ignored.
        let maximumVector = Vector(repeating: maximum)
        var sums = Vector()
        s = 0
        while s + 8 <= keys {
            let e = exp8(load8(scores + s) - maximumVector)
            store8(e, scores + s); sums += e; s += 8
        }
        var total = sum(sums)
        while s < keys { let e = exp(scores[s] - maximum); scores[s] = e; total += e; s += 1 }
        return 1 / total
    }

    /// out[0..<32] (and out1's, for a pair) = inverse * sum over keys of p[s] * value row s, with
    /// the value rows C apart: eight FMA chains for a pair, sharing every value load.
    @inline(__always)
    static func weightedValues32(
        _ pair: Bool, _ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>, _ keys: Int,
        _ value: UnsafePointer<Float>, _ C: Int, _ inverse0: Float, _ inverse1: Float,
        _ out0: UnsafeMutablePointer<Float>, _ out1: UnsafeMutablePointer<Float>
    ) {
        var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
        var b0 = Vector(), b1 = Vector(), b2 = Vector(), b3 = Vector()
        for s in 0..<keys {
            let row = value + s * C
            let v0 = load8(row), v1 = load8(row + 8), v2 = load8(row + 16), v3 = load8(row + 24)
            let x = Vector(repeating: p0[s])
            a0 = a0.addingProduct(x, v0); a1 = a1.addingProduct(x, v1)
            a2 = a2.addingProduct(x, v2); a3 = a3.addingProduct(x, v3)
            if pair {
                let y = Vector(repeating: p1[s])
                b0 = b0.addingProduct(y, v0); b1 = b1.addingProduct(y, v1)
                b2 = b2.addingProduct(y, v2); b3 = b3.addingProduct(y, v3)
            }
        }
        store8(a0 * inverse0, out0); store8(a1 * inverse0, out0 + 8)
        store8(a2 * inverse0, out0 + 16); store8(a3 * inverse0, out0 + 24)
        if pair {
            store8(b0 * inverse1, out1); store8(b1 * inverse1, out1 + 8)
            store8(b2 * inverse1, out1 + 16); store8(b3 * inverse1, out1 + 24)
        }
    }

    /// The independent tasks of `attention`: one per (sequence, head).
    public static func attentionTasks(batch B: Int, heads NH: Int) -> Int { B * NH }

    /// Multi-head scaled dot-product attention with a key padding mask; scale, mask and softmax
    /// are fused into the score loop, and probabilities are never stored beyond one query's row.
    ///
    /// q, k, v and out are (B, T, C) with head h in channels h*HS ..< (h+1)*HS; `lengths[b]` keys of
    /// sequence b are real, the rest padding. Padding keys get probability exactly 0 (the reference
    /// adds the dtype's minimum, whose exponential underflows to 0); padding queries are computed
    /// like real ones, as the reference does. scores is scratch of `attentionScratch(tokens:headSize:)`
    /// floats. `tasks` selects (sequence, head) pairs b*NH + h. `instructionSet` other than avx2
    /// runs the AVX-512 kernel (`SqueezeBERTAttentionAVX512`; the CPU must have it), which computes
    /// the same with sixteen queries per pass.
    public static func attention(
        out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
        v: UnsafePointer<Float>, lengths: UnsafePointer<Int>, scores: UnsafeMutablePointer<Float>,
        batch B: Int, tokens T: Int, channels C: Int, heads NH: Int, tasks: Range<Int>? = nil,
        instructionSet: InstructionSet = .avx2
    ) {
        if instructionSet != .avx2 && attention_avx512_compiled() != 0 {
            precondition(instructionSet.isAvailable, "\(instructionSet) attention on a CPU without it")
            let range = tasks ?? 0..<(B * NH)
            lengths.withMemoryRebound(to: Int64.self, capacity: B) { lengths in
                attention_avx512(out, q, k, v, lengths, scores, Int32(B), Int32(T), Int32(C), Int32(NH),
                                 Int32(range.lowerBound), Int32(range.upperBound))
            }
            return
        }
        let HS = C / NH
        let scale = 1 / Float(HS).squareRoot()
        for task in tasks ?? 0..<(B * NH) {
            let b = task / NH, h = task % NH
            let keys = lengths[b]
            let offset = b * T * C + h * HS
            // Keys transposed to (HS, TP), zero-padded to a multiple of 8 keys, so that one query's
            // scores come eight keys at a time with one FMA per channel and no horizontal sums.
            let TP = (keys + 7) & ~7
            let keysT = scores + 2 * ((T + 7) & ~7)
            for i in 0..<HS {
                // Wrapping arithmetic: the indices are in range by the shapes above, and the
                // overflow checks made this strided copy a tenth of attention's time.
                let row = keysT + i * TP, column = k + offset + i
                for s in 0..<keys { row[s] = column[s &* C] }
                for s in keys..<TP { row[s] = 0 }
            }
            // Queries two at a time (the last alone when T is odd), so that the score and value
            // loops run eight independent FMA chains and load each key and value once per pair.
            let rowStride = (T + 7) & ~7
            var t = 0
            while t < T {
                let pair = t + 1 < T
                let q0 = q + offset + t * C, q1 = pair ? q0 + C : q0
                let p0 = scores, p1 = scores + rowStride
                if pair {
                    scoreRows(true, q0, q1, keysT, TP, HS, scale, p0, p1)
                } else {
                    scoreRows(false, q0, q1, keysT, TP, HS, scale, p0, p1)
                }
                let inverse0 = exponentiate(p0, keys: keys)
                let inverse1 = pair ? exponentiate(p1, keys: keys) : 0
                let o0 = out + offset + t * C, o1 = pair ? o0 + C : o0
                var i = 0
                while i + 32 <= HS {
                    if pair {
                        weightedValues32(true, p0, p1, keys, v + offset + i, C, inverse0, inverse1, o0 + i, o1 + i)
                    } else {
                        weightedValues32(false, p0, p1, keys, v + offset + i, C, inverse0, inverse0, o0 + i, o0 + i)
                    }
                    i += 32
                }
                // Head sizes that are not a multiple of 32: the remaining channels, one query at a time.
                if i < HS {
                    for which in 0..<(pair ? 2 : 1) {
                        let p = which == 0 ? p0 : p1, o = which == 0 ? o0 : o1
                        let inverse = which == 0 ? inverse0 : inverse1
                        for c in i..<HS { o[c] = 0 }
                        for s in 0..<keys {
                            let weight = p[s] * inverse
                            let value = v + offset + s * C
                            for c in i..<HS { o[c] += weight * value[c] }
                        }
                    }
                }
                t += pair ? 2 : 1
            }
        }
    }
}

extension Kernels {
    /// Attention for one query per (sequence, head): each sequence's first token against its real
    /// keys, scaled, masked and normalised as `attention` does. q and out are (B, C), one row per
    /// sequence; k and v are (B, T, C) with head h in channels h*HS ..< (h+1)*HS; `lengths[b]` keys
    /// of sequence b are real. scores is scratch of at least T floats (one query's scores); `tasks`
    /// selects (sequence, head) pairs b*NH + h (`attentionTasks`). Only B*NH*T*HS multiply-adds
    /// twice over, so plain loops on one query at a time are fast enough.
    public static func firstTokenAttention(
        out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
        v: UnsafePointer<Float>, lengths: UnsafePointer<Int>, scores: UnsafeMutablePointer<Float>,
        batch B: Int, tokens T: Int, channels C: Int, heads NH: Int, tasks: Range<Int>? = nil
    ) {
        let HS = C / NH
        let scale = 1 / Float(HS).squareRoot()
        for task in tasks ?? 0..<(B * NH) {
            let b = task / NH, h = task % NH
            let keys = lengths[b]
            let query = q + b * C + h * HS, o = out + b * C + h * HS
            let keyRows = k + b * T * C + h * HS, valueRows = v + b * T * C + h * HS
            let p = scores
            // Padding keys are left out: their probability is exactly 0, as in `attention`.
            for s in 0..<keys { p[s] = dot(query, keyRows + s * C, count: HS) * scale }
            let inverse = exponentiate(p, keys: keys)
            for c in 0..<HS { o[c] = 0 }
            for s in 0..<keys {
                let weight = p[s], value = valueRows + s * C
                for c in 0..<HS { o[c] += weight * value[c] }
            }
            for c in 0..<HS { o[c] *= inverse }
        }
    }
}
