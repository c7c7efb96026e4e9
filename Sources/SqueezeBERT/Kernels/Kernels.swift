import CThreads
import Foundation

// Every numeric kernel of the encoder lives in this file, so speed work has a single home.
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
// other module compiles them without the flags.

/// Kernels are plain functions in a namespace; the model's forward pass is a flat list of calls.
public enum Kernels {}

typealias Vector = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
}

@inline(__always) func store8(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
}

// MARK: - Matrix products

/// A projection's weights packed for `Kernels.matmul`: per group, column panels of NR = 16
/// output channels, each panel (K/G, NR) contiguous, the last one zero-padded. Float32, or
/// int8 with one symmetric scale per output channel.
///
/// weight (G, P, K/G, NR) with P = ceil((N/G) / NR) panels per group; bias and scale (G, P, NR).
public final class PackedMatrix: @unchecked Sendable {
    /// Output channels per micro-kernel panel (two SIMD8 vectors).
    public static let panelWidth = 16
    public let inputs: Int, outputs: Int, groups: Int
    /// Panels per group.
    public let panels: Int
    public let precision: Precision
    /// Float32 or Int8 panels (read-only after init).
    let weights: UnsafeMutableRawPointer
    let bias: UnsafeMutablePointer<Float>
    /// Per output channel dequantisation scale (int8 only; all 1 for fp32).
    let scale: UnsafeMutablePointer<Float>

    /// Packs a PyTorch-layout weight (N, K/G) (row n is output channel n's inputs within its group)
    /// and bias (N); int8 quantises each output channel symmetrically (scale = max |w| / 127).
    public convenience init(weight: [Float], bias: [Float], inputs K: Int, outputs N: Int, groups G: Int, precision: Precision) {
        precondition(K % G == 0 && N % G == 0 && weight.count == N * (K / G) && bias.count == N)
        self.init(inputs: K, outputs: N, groups: G, precision: precision, bias: bias)
        let Kg = K / G
        weight.withUnsafeBufferPointer { weight in
            for n in 0..<N {
                let row = weight.baseAddress! + n * Kg
                switch precision {
                case .fp32:
                    let w = weights.assumingMemoryBound(to: Float.self) + place(n).column
                    for k in 0..<Kg { w[k * Self.panelWidth] = row[k] }
                case .int8:
                    var largest: Float = 0
                    for k in 0..<Kg { largest = max(largest, abs(row[k])) }
                    let s = largest > 0 ? largest / 127 : 1
                    let (slot, column) = place(n)
                    scale[slot] = s
                    let w = weights.assumingMemoryBound(to: Int8.self) + column
                    for k in 0..<Kg { w[k * Self.panelWidth] = Int8(max(-127, min(127, (row[k] / s).rounded()))) }
                }
            }
        }
    }

    /// Packs an already quantised weight (N, K/G) with its per-output-channel scales as int8
    /// panels, unchanged: a checkpoint stored as int8 runs on exactly its own values.
    public convenience init(quantized weight: UnsafePointer<Int8>, scales: [Float], bias: [Float],
                            inputs K: Int, outputs N: Int, groups G: Int) {
        precondition(K % G == 0 && N % G == 0 && scales.count == N && bias.count == N)
        self.init(inputs: K, outputs: N, groups: G, precision: .int8, bias: bias)
        let Kg = K / G
        let w = weights.assumingMemoryBound(to: Int8.self)
        for n in 0..<N {
            let row = weight + n * Kg
            let (slot, column) = place(n)
            scale[slot] = scales[n]
            for k in 0..<Kg { w[column + k * Self.panelWidth] = row[k] }
        }
    }

    /// Zeroed panels of the right size, with the bias in place and every scale 1.
    private init(inputs K: Int, outputs N: Int, groups G: Int, precision: Precision, bias: [Float]) {
        let Kg = K / G, Ng = N / G, NR = Self.panelWidth
        let P = (Ng + NR - 1) / NR
        self.inputs = K; self.outputs = N; self.groups = G; self.panels = P; self.precision = precision
        let slots = G * P * NR
        let byteCount = max(slots * Kg * (precision == .fp32 ? 4 : 1), 1)
        weights = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        weights.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        self.bias = .allocate(capacity: slots)
        self.bias.initialize(repeating: 0, count: slots)
        scale = .allocate(capacity: slots)
        scale.initialize(repeating: 1, count: slots)
        for n in 0..<N { self.bias[slot(of: n)] = bias[n] }
    }

    /// Output channel n's index in the (G, P, NR) bias and scale arrays.
    private func slot(of n: Int) -> Int {
        let Ng = outputs / groups, NR = Self.panelWidth
        let g = n / Ng, within = n % Ng
        return (g * panels + within / NR) * NR + within % NR
    }

    /// Output channel n's (slot in bias/scale, element index of its k = 0 weight in the panels);
    /// its k-th weight is `panelWidth * k` elements further.
    private func place(_ n: Int) -> (slot: Int, column: Int) {
        let slot = slot(of: n), NR = Self.panelWidth
        return (slot, (slot / NR) * (inputs / groups) * NR + slot % NR)
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
        scale.deallocate()
    }

    /// Bytes of packed weights.
    public var weightBytes: Int { groups * panels * Self.panelWidth * (inputs / groups) * (precision == .fp32 ? 4 : 1) }
}

/// What a matrix product does to each output value before storing it.
public enum Epilogue {
    case none
    /// Exact (erf) GELU.
    case gelu
    case geluTanh
    case relu
    /// Adds a (M, N) residual.
    case residual(UnsafePointer<Float>)
}

/// An `Epilogue` as a type, so that the micro-kernel is specialised for it.
protocol TileEpilogue {
    /// Applies the epilogue to one row's 16 values; `at` is their first element's offset in (M, N).
    func apply(_ v0: inout Vector, _ v1: inout Vector, at: Int)
    /// The same for the first `columns` values at `values`.
    func applyPartial(_ values: UnsafeMutablePointer<Float>, _ columns: Int, at: Int)
}

extension TileEpilogue {
    /// Element-wise epilogues: the partial row goes through the full-width path.
    @inline(__always) func applyPartial(_ values: UnsafeMutablePointer<Float>, _ columns: Int, at: Int) {
        var v0 = load8(values), v1 = load8(values + 8)
        apply(&v0, &v1, at: at)
        store8(v0, values); store8(v1, values + 8)
    }
}

struct NoEpilogue: TileEpilogue {
    @inline(__always) func apply(_ v0: inout Vector, _ v1: inout Vector, at: Int) {}
}

struct GeluEpilogue: TileEpilogue {
    @inline(__always) func apply(_ v0: inout Vector, _ v1: inout Vector, at: Int) { v0 = gelu8(v0); v1 = gelu8(v1) }
}

struct GeluTanhEpilogue: TileEpilogue {
    @inline(__always) func apply(_ v0: inout Vector, _ v1: inout Vector, at: Int) {
        v0 = geluTanh8(v0); v1 = geluTanh8(v1)
    }
}

struct ReluEpilogue: TileEpilogue {
    @inline(__always) func apply(_ v0: inout Vector, _ v1: inout Vector, at: Int) {
        let zero = Vector()
        v0 = v0.replacing(with: zero, where: v0 .< zero)
        v1 = v1.replacing(with: zero, where: v1 .< zero)
    }
}

struct ResidualEpilogue: TileEpilogue {
    let residual: UnsafePointer<Float>
    @inline(__always) func apply(_ v0: inout Vector, _ v1: inout Vector, at: Int) {
        v0 += load8(residual + at); v1 += load8(residual + at + 8)
    }
    /// Only `columns` residual values exist past `at` at the end of a row.
    @inline(__always) func applyPartial(_ values: UnsafeMutablePointer<Float>, _ columns: Int, at: Int) {
        for j in 0..<columns { values[j] += residual[at + j] }
    }
}

/// How a panel's weights become Float vectors in the micro-kernel.
protocol PanelFormat {
    static var bytes: Int { get }
    static var scaled: Bool { get }
    static func load(_ p: UnsafeRawPointer) -> Vector
}

enum Float32Panel: PanelFormat {
    static var bytes: Int { 4 }
    static var scaled: Bool { false }
    @inline(__always) static func load(_ p: UnsafeRawPointer) -> Vector { p.loadUnaligned(as: Vector.self) }
}

enum Int8Panel: PanelFormat {
    static var bytes: Int { 1 }
    static var scaled: Bool { true }
    @inline(__always) static func load(_ p: UnsafeRawPointer) -> Vector {
        Vector(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<Int8>.self)))
    }
}

extension Kernels {
    /// Rows of one matmul task: row blocks this tall keep their inputs in L1/L2 while every
    /// panel of the group streams past them.
    static let rowChunk = 64
    /// Products over at most this many rows prefetch each next weight panel.
    static let prefetchRows = 24

    /// The number of independent tasks `matmul` splits into (row chunks x groups x panels).
    public static func matmulTasks(rows M: Int, matrix: PackedMatrix) -> Int {
        (M + rowChunk - 1) / rowChunk * matrix.groups * matrix.panels
    }

    /// Grouped 1x1 convolution (a grouped matrix product) plus bias and an epilogue.
    ///
    /// out is (M, N), inp is (M, K), `matrix` packs weight (N, K/G) and bias (N);
    /// out[m, g*N/G + n] = epilogue(bias[g*N/G + n] + sum_k inp[m, g*K/G + k] * weight[g*N/G + n, k]).
    /// With G = 1 this is a dense Linear layer. `tasks` selects a sub-range of
    /// `matmulTasks(rows:matrix:)` (row chunk major, then group, then panel), so that threads can
    /// share one product; each output element belongs to exactly one task.
    public static func matmul(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, matrix: PackedMatrix, rows M: Int,
        epilogue: Epilogue = .none, tasks: Range<Int>? = nil
    ) {
        switch matrix.precision {
        case .fp32: matmul(Float32Panel.self, out, inp, matrix, M, epilogue, tasks)
        case .int8: matmul(Int8Panel.self, out, inp, matrix, M, epilogue, tasks)
        }
    }

    /// Picks the epilogue's type once per product, so that every tile's store path is
    /// specialised and inlined (a per-row switch and an out-of-line store cost ~20% at 1,024 rows).
    @inline(__always)
    static func matmul<W: PanelFormat>(
        _ format: W.Type, _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ matrix: PackedMatrix,
        _ M: Int, _ epilogue: Epilogue, _ tasks: Range<Int>?
    ) {
        switch epilogue {
        case .none: matmul(W.self, out, inp, matrix, M, NoEpilogue(), tasks)
        case .gelu: matmul(W.self, out, inp, matrix, M, GeluEpilogue(), tasks)
        case .geluTanh: matmul(W.self, out, inp, matrix, M, GeluTanhEpilogue(), tasks)
        case .relu: matmul(W.self, out, inp, matrix, M, ReluEpilogue(), tasks)
        case .residual(let residual): matmul(W.self, out, inp, matrix, M, ResidualEpilogue(residual: residual), tasks)
        }
    }

    static func matmul<W: PanelFormat, E: TileEpilogue>(
        _ format: W.Type, _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ matrix: PackedMatrix,
        _ M: Int, _ epilogue: E, _ tasks: Range<Int>?
    ) {
        let K = matrix.inputs, N = matrix.outputs, G = matrix.groups, P = matrix.panels
        let Kg = K / G, Ng = N / G, NR = PackedMatrix.panelWidth
        let perChunk = G * P
        let range = tasks ?? 0..<matmulTasks(rows: M, matrix: matrix)
        let prefetch = M <= prefetchRows
        for task in range {
            let chunk = task / perChunk, slot = task % perChunk  // slot = g * P + p
            let g = slot / P, p = slot % P
            let rowStart = chunk * rowChunk, rowEnd = min(M, rowStart + rowChunk)
            let panel = UnsafeRawPointer(matrix.weights) + slot * Kg * NR * W.bytes
            let bias = matrix.bias + slot * NR, scale = matrix.scale + slot * NR
            let column = g * Ng + p * NR
            let columns = min(NR, Ng - p * NR)
            var m = rowStart
            while m < rowEnd {
                let a = inp + m * K + g * Kg
                let o = out + m * N + column
                let offset = m * N + column
                // int8 panels use at most 4-row tiles: with 6, LLVM keeps the six broadcasts live
                // across the two widened weight vectors and spills three accumulators.
                // With few rows, streaming the weights is the cost: the first tile over a panel
                // also fetches the next panel, one line per k step, so it arrives from L3 ahead
                // of its use (1 x 16 tokens: -8%; with many rows it measured slower).
                let next = prefetch && m == rowStart && task + 1 < range.upperBound ? panel + Kg * NR * W.bytes : nil
                switch W.scaled ? min(rowEnd - m, 4) : rowEnd - m {
                case 6...: tile(W.self, 6, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, next); m += 6
                case 5: tile(W.self, 5, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, next); m += 5
                case 4: tile(W.self, 4, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, next); m += 4
                case 3: tile(W.self, 3, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, next); m += 3
                case 2: tile(W.self, 2, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, next); m += 2
                default: tile(W.self, 1, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, next); m += 1
                }
            }
        }
    }

    /// The register-blocked micro-kernel: R (1...6) rows x 16 columns, 12 SIMD8 accumulators
    /// (6 x 16 rather than 4 x 24: with 4 x 24 LLVM spills one accumulator, and 6 x 16 measured
    /// 5-10% faster at 16 tokens). a is R rows of Kg inputs with row stride lda; panel is (Kg, 16);
    /// o is R rows of `columns` outputs with row stride ldo; `offset` is o's element offset in the
    /// (M, N) output (for the residual epilogue).
    @inline(__always)
    static func tile<W: PanelFormat, E: TileEpilogue>(
        _ format: W.Type, _ R: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafeRawPointer, _ Kg: Int,
        _ bias: UnsafePointer<Float>, _ scale: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ ldo: Int,
        _ columns: Int, _ epilogue: E, _ offset: Int, _ next: UnsafeRawPointer?
    ) {
        // Float32 accumulators start at the bias; int8 ones at 0 (the scale applies to the sum).
        let start0 = W.scaled ? Vector() : load8(bias), start1 = W.scaled ? Vector() : load8(bias + 8)
        var c00 = start0, c01 = start1, c10 = start0, c11 = start1, c20 = start0, c21 = start1
        var c30 = start0, c31 = start1, c40 = start0, c41 = start1, c50 = start0, c51 = start1
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var b = panel
        let step = 16 * W.bytes
        // One 64-byte line of the next panel per k step (fp32 rows are one line; int8 rows a
        // quarter). The condition is loop-invariant: LLVM unswitches it out of the loop.
        let prefetching = next != nil, ahead = next ?? panel
        for k in 0..<Kg {
            if prefetching && (W.bytes == 4 || k & 3 == 0) { cthreads_prefetch(ahead + k * step) }
            let b0 = W.load(b), b1 = W.load(b + 8 * W.bytes)
            var x = Vector(repeating: a0[k])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            if R > 1 { x = Vector(repeating: a1[k]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1) }
            if R > 2 { x = Vector(repeating: a2[k]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1) }
            if R > 3 { x = Vector(repeating: a3[k]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1) }
            if R > 4 { x = Vector(repeating: a4[k]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1) }
            if R > 5 { x = Vector(repeating: a5[k]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1) }
            b += step
        }
        finish(W.self, 0, c00, c01, bias, scale, o, ldo, columns, epilogue, offset)
        if R > 1 { finish(W.self, 1, c10, c11, bias, scale, o, ldo, columns, epilogue, offset) }
        if R > 2 { finish(W.self, 2, c20, c21, bias, scale, o, ldo, columns, epilogue, offset) }
        if R > 3 { finish(W.self, 3, c30, c31, bias, scale, o, ldo, columns, epilogue, offset) }
        if R > 4 { finish(W.self, 4, c40, c41, bias, scale, o, ldo, columns, epilogue, offset) }
        if R > 5 { finish(W.self, 5, c50, c51, bias, scale, o, ldo, columns, epilogue, offset) }
    }

    /// Row r of a tile: dequantisation scale and bias (int8), the epilogue, and the store.
    @inline(__always)
    static func finish<W: PanelFormat, E: TileEpilogue>(
        _ format: W.Type, _ r: Int, _ v0: Vector, _ v1: Vector, _ bias: UnsafePointer<Float>,
        _ scale: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ ldo: Int, _ columns: Int,
        _ epilogue: E, _ offset: Int
    ) {
        var v0 = v0, v1 = v1
        if W.scaled {
            v0 = load8(bias).addingProduct(v0, load8(scale))
            v1 = load8(bias + 8).addingProduct(v1, load8(scale + 8))
        }
        let row = o + r * ldo, at = offset + r * ldo
        if columns == 16 {
            epilogue.apply(&v0, &v1, at: at)
            store8(v0, row); store8(v1, row + 8)
        } else {
            storePartial(v0, v1, row, columns, epilogue, at)
        }
    }

    /// The last panel's narrower rows: through memory, lane by lane.
    @inline(never)
    static func storePartial<E: TileEpilogue>(
        _ v0: Vector, _ v1: Vector, _ o: UnsafeMutablePointer<Float>, _ columns: Int, _ epilogue: E, _ offset: Int
    ) {
        var row = (v0, v1)
        withUnsafeMutableBytes(of: &row) { raw in
            let values = raw.bindMemory(to: Float.self)
            epilogue.applyPartial(values.baseAddress!, columns, at: offset)
            for j in 0..<columns { o[j] = values[j] }
        }
    }
}

// MARK: - Element-wise functions on SIMD8

/// Lane-wise clamp to [lo, hi] with plain compares and blends (the standard library's generic
/// `clamped` / `pointwiseMin` are not specialised for SIMD8 and cost a call per vector).
@inline(__always) func clamp8(_ x: Vector, _ lo: Float, _ hi: Float) -> Vector {
    let low = Vector(repeating: lo), high = Vector(repeating: hi)
    var y = x.replacing(with: low, where: x .< low)
    y = y.replacing(with: high, where: y .> high)
    return y
}

/// e^x for each lane (Cephes expf: range reduction to [-ln2/2, ln2/2] and a degree-6
/// polynomial; about 1 ulp). Inputs below -87.3 give about 1e-38 rather than 0.
@inline(__always) func exp8(_ x: Vector) -> Vector {
    let x = clamp8(x, -87.3, 88.3)
    // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick: adding it leaves the
    // integer in the low mantissa bits, which are also n's two's-complement bits.
    let magic = Vector(repeating: 12582912)
    let shifted = magic.addingProduct(x, Vector(repeating: 1.44269504088896341))
    let n = shifted - magic
    var r = x.addingProduct(n, Vector(repeating: -0.693359375))
    r = r.addingProduct(n, Vector(repeating: 2.12194440e-4))
    var p = Vector(repeating: 1.9875691500e-4)
    p = Vector(repeating: 1.3981999507e-3).addingProduct(p, r)
    p = Vector(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = Vector(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = Vector(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = Vector(repeating: 5.0000001201e-1).addingProduct(p, r)
    let y = (r + 1).addingProduct(p, r * r)
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let bits = (integer &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: Vector.self)
}

/// erf(x) for each lane: a rational approximation on [-4, 4] (Eigen's / XLA's float erf),
/// within 5e-7 relative of the true erf; outside that range erf is +-1 in float.
@inline(__always) func erf8(_ x: Vector) -> Vector {
    let x = clamp8(x, -4, 4)
    let x2 = x * x
    var p = Vector(repeating: 2.77068142495902e-08).addingProduct(x2, Vector(repeating: -2.72614225801306e-10))
    p = Vector(repeating: -2.10102402082508e-06).addingProduct(x2, p)
    p = Vector(repeating: -5.69250639462346e-05).addingProduct(x2, p)
    p = Vector(repeating: -7.34990630326855e-04).addingProduct(x2, p)
    p = Vector(repeating: -2.95459980854025e-03).addingProduct(x2, p)
    p = Vector(repeating: -1.60960333262415e-02).addingProduct(x2, p)
    p *= x
    var q = Vector(repeating: -2.13374055278905e-04).addingProduct(x2, Vector(repeating: -1.45660718464996e-05))
    q = Vector(repeating: -1.68282697438203e-03).addingProduct(x2, q)
    q = Vector(repeating: -7.37332916720468e-03).addingProduct(x2, q)
    q = Vector(repeating: -1.42647390514189e-02).addingProduct(x2, q)
    return p / q
}

/// Exact GELU x * Φ(x) = 0.5 x (1 + erf(x / √2)), with `erf8`.
@inline(__always) func gelu8(_ x: Vector) -> Vector {
    let half = x * 0.5
    return half.addingProduct(half, erf8(x * 0.70710678118654752))
}

/// tanh(x) = 1 - 2 / (e^{2x} + 1), for each lane.
@inline(__always) func tanh8(_ x: Vector) -> Vector {
    let e = exp8(clamp8(x * 2, -40, 40))
    return 1 - 2 / (e + 1)
}

/// The tanh approximation of GELU ("gelu_new").
@inline(__always) func geluTanh8(_ x: Vector) -> Vector {
    let inner = (x * 0.79788456080286536).addingProduct(x * x * x, Vector(repeating: 0.79788456080286536 * 0.044715))
    return 0.5 * x * (1 + tanh8(inner))
}

extension Kernels {
    /// Applies a SIMD8 function to `count` values in place (the tail through a padded vector).
    @inline(__always)
    static func map(_ x: UnsafeMutablePointer<Float>, count: Int, _ f: (Vector) -> Vector) {
        var i = 0
        while i + 8 <= count { store8(f(load8(x + i)), x + i); i += 8 }
        if i < count {
            var v = Vector()
            for j in 0..<(count - i) { v[j] = x[i + j] }
            v = f(v)
            for j in 0..<(count - i) { x[i + j] = v[j] }
        }
    }

    /// Exact GELU in place, x * Φ(x) = 0.5 x (1 + erf(x / √2)); x has `count` elements.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) { map(x, count: count, gelu8) }

    /// The tanh approximation of GELU in place (transformers' "gelu_new").
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) { map(x, count: count, geluTanh8) }

    /// ReLU in place.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = max(x[i], 0) }
    }

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
    /// With `residual` (M, C), normalises x + residual (the reference's "add & norm").
    /// `rows` may be a sub-range of the M rows (for threads).
    public static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows M: Int, channels C: Int, eps: Float
    ) {
        layerNorm(x, residual: residual, gamma: gamma, beta: beta, rowRange: 0..<M, channels: C, eps: eps)
    }

    /// `layerNorm` over the rows in `rowRange` only.
    public static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rowRange: Range<Int>, channels C: Int, eps: Float
    ) {
        let C8 = C & ~7
        for m in rowRange {
            let row = x + m * C
            if let residual {
                let r = residual + m * C
                var c = 0
                while c < C8 { store8(load8(row + c) + load8(r + c), row + c); c += 8 }
                while c < C { row[c] += r[c]; c += 1 }
            }
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
            let inverse = 1 / sum
            for n in 0..<N { row[n] *= inverse }
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

    /// The scratch floats one `attention` call needs: two rows of T scores (a pair of queries) and
    /// the head's keys transposed, (HS, T), with T rounded up to SIMD8.
    public static func attentionScratch(tokens T: Int, headSize HS: Int) -> Int { ((T + 7) & ~7) * (HS + 2) }

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
        var maximum = -Float.infinity
        for s in 0..<keys { maximum = max(maximum, scores[s]) }
        // Exponentials eight at a time; lanes past `keys` are computed and then ignored.
        let maximumVector = Vector(repeating: maximum)
        var sums = Vector()
        var s = 0
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
    /// floats. `tasks` selects (sequence, head) pairs b*NH + h.
    public static func attention(
        out: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
        v: UnsafePointer<Float>, lengths: UnsafePointer<Int>, scores: UnsafeMutablePointer<Float>,
        batch B: Int, tokens T: Int, channels C: Int, heads NH: Int, tasks: Range<Int>? = nil
    ) {
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
                let row = keysT + i * TP
                for s in 0..<keys { row[s] = k[offset + s * C + i] }
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
