import CThreads

// The encoder's matrix product (grouped 1x1 convolution + bias + epilogue), written once over the
// vector type and compiled twice: by the SqueezeBERT module (AVX2 + FMA, SIMD8<Float>) and by
// SqueezeBERTMatmulAVX512 (AVX-512F, SIMD16<Float>). Everything here is @inlinable so that each
// of those modules specialises and compiles it with its own instruction set; this module itself
// is built without vector flags and never runs it. (Debug builds: SwiftPM's incremental build
// does not recompile those modules when only an @inlinable body here changes; touch a file in each,
// or build clean, before trusting a test run.)
//
// Shapes: M rows (tokens), K inputs, N outputs, G groups; inp (M, K) and out (M, N) row-major.

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

/// The vector a micro-kernel is built from: SIMD8<Float> (AVX2) or SIMD16<Float> (AVX-512).
/// Spelled out as requirements so that each conformance uses the concrete vector operations
/// (generic `SIMD` arithmetic goes lane by lane).
public protocol MatmulVector {
    static var lanes: Int { get }
    /// Rows per tile over int8 panels: widening bytes to Floats needs registers, and with 6 rows
    /// on AVX2's 16 registers LLVM spills three accumulators.
    static var int8TileRows: Int { get }
    init(broadcast: Float)
    static func load(_ p: UnsafeRawPointer) -> Self
    /// `lanes` int8 values, widened to Float.
    static func loadWidening(_ p: UnsafeRawPointer) -> Self
    /// self + a * b, fused.
    func adding(_ a: Self, times b: Self) -> Self
    func store(_ p: UnsafeMutablePointer<Float>)
    /// Lanes 8i ..< 8i + 8, for the epilogues (written on SIMD8).
    func octet(_ i: Int) -> SIMD8<Float>
}

extension SIMD8<Float>: MatmulVector {
    @inlinable public static var lanes: Int { 8 }
    @inlinable public static var int8TileRows: Int { 4 }
    @inlinable @inline(__always) public init(broadcast x: Float) { self.init(repeating: x) }
    @inlinable @inline(__always) public static func load(_ p: UnsafeRawPointer) -> Self { p.loadUnaligned(as: Self.self) }
    @inlinable @inline(__always) public static func loadWidening(_ p: UnsafeRawPointer) -> Self {
        Self(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<Int8>.self)))
    }
    @inlinable @inline(__always) public func adding(_ a: Self, times b: Self) -> Self { addingProduct(a, b) }
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>) { store8(self, p) }
    @inlinable @inline(__always) public func octet(_ i: Int) -> SIMD8<Float> { self }
}

extension SIMD16<Float>: MatmulVector {
    @inlinable public static var lanes: Int { 16 }
    @inlinable public static var int8TileRows: Int { 6 }
    @inlinable @inline(__always) public init(broadcast x: Float) { self.init(repeating: x) }
    @inlinable @inline(__always) public static func load(_ p: UnsafeRawPointer) -> Self { p.loadUnaligned(as: Self.self) }
    /// In two halves: the standard library's 16-lane conversions are not inlined (a call per
    /// half panel row), its 8-lane ones are.
    @inlinable @inline(__always) public static func loadWidening(_ p: UnsafeRawPointer) -> Self {
        Self(lowHalf: .loadWidening(p), highHalf: .loadWidening(p + 8))
    }
    @inlinable @inline(__always) public func adding(_ a: Self, times b: Self) -> Self { addingProduct(a, b) }
    @inlinable @inline(__always) public func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
    @inlinable @inline(__always) public func octet(_ i: Int) -> SIMD8<Float> { i == 0 ? lowHalf : highHalf }
}

/// An `Epilogue` as a type, so that the micro-kernel is specialised for it. Epilogues work on
/// eight values at a time whatever the tile's vector.
public protocol TileEpilogue {
    /// Whether it leaves values as they are (the tile then stores whole vectors).
    static var isIdentity: Bool { get }
    /// Applies the epilogue to 8 values; `at` is the first one's offset in (M, N).
    func apply(_ v: inout SIMD8<Float>, at: Int)
    /// The same for the first `columns` values at `values` (which holds a whole panel row).
    func applyPartial(_ values: UnsafeMutablePointer<Float>, _ columns: Int, width: Int, at: Int)
}

extension TileEpilogue {
    @inlinable public static var isIdentity: Bool { false }
    /// Element-wise epilogues: the partial row goes through the full-width path.
    @inlinable @inline(__always)
    public func applyPartial(_ values: UnsafeMutablePointer<Float>, _ columns: Int, width: Int, at: Int) {
        var j = 0
        while j < width {
            var v = load8(values + j)
            apply(&v, at: at + j)
            store8(v, values + j)
            j += 8
        }
    }
}

public struct NoEpilogue: TileEpilogue {
    @inlinable public init() {}
    @inlinable public static var isIdentity: Bool { true }
    @inlinable @inline(__always) public func apply(_ v: inout SIMD8<Float>, at: Int) {}
}

public struct GeluEpilogue: TileEpilogue {
    @inlinable public init() {}
    @inlinable @inline(__always) public func apply(_ v: inout SIMD8<Float>, at: Int) { v = gelu8(v) }
}

public struct GeluTanhEpilogue: TileEpilogue {
    @inlinable public init() {}
    @inlinable @inline(__always) public func apply(_ v: inout SIMD8<Float>, at: Int) { v = geluTanh8(v) }
}

public struct ReluEpilogue: TileEpilogue {
    @inlinable public init() {}
    @inlinable @inline(__always) public func apply(_ v: inout SIMD8<Float>, at: Int) {
        let zero = SIMD8<Float>()
        v = v.replacing(with: zero, where: v .< zero)
    }
}

public struct ResidualEpilogue: TileEpilogue {
    @usableFromInline let residual: UnsafePointer<Float>
    @inlinable public init(residual: UnsafePointer<Float>) { self.residual = residual }
    @inlinable @inline(__always) public func apply(_ v: inout SIMD8<Float>, at: Int) { v += load8(residual + at) }
    /// Only `columns` residual values exist past `at` at the end of a row.
    @inlinable @inline(__always)
    public func applyPartial(_ values: UnsafeMutablePointer<Float>, _ columns: Int, width: Int, at: Int) {
        for j in 0..<columns { values[j] += residual[at + j] }
    }
}

/// How a panel's weights become Float vectors in the micro-kernel.
public protocol PanelFormat {
    static var bytes: Int { get }
    /// Whether the sums still need the per-output-channel scale (int8 weights).
    static var scaled: Bool { get }
    /// Whether loads widen bytes to Floats (which needs registers: see `MatmulVector.int8TileRows`).
    static var widens: Bool { get }
    static func load<V: MatmulVector>(_ p: UnsafeRawPointer, as: V.Type) -> V
}

public enum Float32Panel: PanelFormat {
    @inlinable public static var bytes: Int { 4 }
    @inlinable public static var scaled: Bool { false }
    @inlinable public static var widens: Bool { false }
    @inlinable @inline(__always) public static func load<V: MatmulVector>(_ p: UnsafeRawPointer, as: V.Type) -> V {
        V.load(p)
    }
}

public enum Int8Panel: PanelFormat {
    @inlinable public static var bytes: Int { 1 }
    @inlinable public static var scaled: Bool { true }
    @inlinable public static var widens: Bool { true }
    @inlinable @inline(__always) public static func load<V: MatmulVector>(_ p: UnsafeRawPointer, as: V.Type) -> V {
        V.loadWidening(p)
    }
}

/// An int8 panel already converted to Floats (unscaled), in a thread's scratch.
public enum ConvertedInt8Panel: PanelFormat {
    @inlinable public static var bytes: Int { 4 }
    @inlinable public static var scaled: Bool { true }
    @inlinable public static var widens: Bool { false }
    @inlinable @inline(__always) public static func load<V: MatmulVector>(_ p: UnsafeRawPointer, as: V.Type) -> V {
        V.load(p)
    }
}

/// A tile's row count as a type, so that every specialisation of `Matmul.tile` has it as a
/// constant (its per-row code folds away) even where the optimiser does not inline the tile.
public protocol TileRows { static var count: Int { get } }
public enum Rows1: TileRows { @inlinable public static var count: Int { 1 } }
public enum Rows2: TileRows { @inlinable public static var count: Int { 2 } }
public enum Rows3: TileRows { @inlinable public static var count: Int { 3 } }
public enum Rows4: TileRows { @inlinable public static var count: Int { 4 } }
public enum Rows5: TileRows { @inlinable public static var count: Int { 5 } }
public enum Rows6: TileRows { @inlinable public static var count: Int { 6 } }

/// Whether a tile also fetches the next weight panel, as a type (like `TileRows`), so that the
/// check is not made at every step of the tile's loop.
public protocol PanelPrefetch {
    static var enabled: Bool { get }
    /// Prefetches the next panel's byte `offset`.
    func fetch(_ offset: Int)
}

public struct NoPrefetch: PanelPrefetch {
    @inlinable public init() {}
    @inlinable public static var enabled: Bool { false }
    @inlinable @inline(__always) public func fetch(_ offset: Int) {}
}

public struct PrefetchNextPanel: PanelPrefetch {
    @usableFromInline let next: UnsafeRawPointer
    @inlinable public init(next: UnsafeRawPointer) { self.next = next }
    @inlinable public static var enabled: Bool { true }
    @inlinable @inline(__always) public func fetch(_ offset: Int) { cthreads_prefetch(next + offset) }
}

/// The matrix product, generic over the vector; see the file comment.
public enum Matmul {
    /// Rows of one task: row blocks this tall keep their inputs in L1/L2 while every panel of
    /// the group streams past them.
    public static let rowChunk = 64
    /// Up to this many rows, the weights' memory traffic is the cost: products this short prefetch
    /// each next panel, and int8 panels are widened inside the tile. Row chunks over more rows
    /// reuse each panel enough to convert an int8 one to floats once (see `run`).
    public static let streamingRows = 24

    /// The number of independent tasks `run` splits into (row chunks x groups x panels).
    @inlinable public static func tasks(rows M: Int, matrix: PackedMatrix) -> Int {
        (M + rowChunk - 1) / rowChunk * matrix.groups * matrix.panels
    }

    /// Grouped 1x1 convolution (a grouped matrix product) plus bias and an epilogue, on vectors V
    /// (whose width `matrix` must have been packed for).
    ///
    /// out is (M, N), inp is (M, K), `matrix` packs weight (N, K/G) and bias (N);
    /// out[m, g*N/G + n] = epilogue(bias[g*N/G + n] + sum_k inp[m, g*K/G + k] * weight[g*N/G + n, k]).
    /// With G = 1 this is a dense Linear layer. `tasks` selects a sub-range of
    /// `tasks(rows:matrix:)` (row chunk major, then group, then panel), so that threads can share
    /// one product; each output element belongs to exactly one task.
    @inlinable
    public static func run<V: MatmulVector>(
        _ vector: V.Type, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, matrix: PackedMatrix,
        rows M: Int, epilogue: Epilogue, tasks: Range<Int>?
    ) {
        precondition(matrix.panelWidth == 2 * V.lanes, "matrix packed for other kernels")
        switch matrix.precision {
        case .fp32: run(V.self, Float32Panel.self, out, inp, matrix, M, epilogue, tasks)
        case .int8: run(V.self, Int8Panel.self, out, inp, matrix, M, epilogue, tasks)
        }
    }

    /// Picks the epilogue's type once per product, so that every tile's store path is
    /// specialised and inlined (a per-row switch and an out-of-line store cost ~20% at 1,024 rows).
    @inlinable @inline(__always)
    static func run<V: MatmulVector, W: PanelFormat>(
        _ vector: V.Type, _ format: W.Type, _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
        _ matrix: PackedMatrix, _ M: Int, _ epilogue: Epilogue, _ tasks: Range<Int>?
    ) {
        switch epilogue {
        case .none: run(V.self, W.self, out, inp, matrix, M, NoEpilogue(), tasks)
        case .gelu: run(V.self, W.self, out, inp, matrix, M, GeluEpilogue(), tasks)
        case .geluTanh: run(V.self, W.self, out, inp, matrix, M, GeluTanhEpilogue(), tasks)
        case .relu: run(V.self, W.self, out, inp, matrix, M, ReluEpilogue(), tasks)
        case .residual(let residual): run(V.self, W.self, out, inp, matrix, M, ResidualEpilogue(residual: residual), tasks)
        }
    }

    @inlinable
    static func run<V: MatmulVector, W: PanelFormat, E: TileEpilogue>(
        _ vector: V.Type, _ format: W.Type, _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
        _ matrix: PackedMatrix, _ M: Int, _ epilogue: E, _ tasks: Range<Int>?
    ) {
        let K = matrix.inputs, N = matrix.outputs, G = matrix.groups, P = matrix.panels
        let Kg = K / G, Ng = N / G, NR = 2 * V.lanes
        let perChunk = G * P
        let range = tasks ?? 0..<self.tasks(rows: M, matrix: matrix)
        let prefetch = M <= streamingRows
        for task in range {
            let chunk = task / perChunk, slot = task % perChunk  // slot = g * P + p
            let g = slot / P, p = slot % P
            let rowStart = chunk * rowChunk, rowEnd = min(M, rowStart + rowChunk)
            let panel = UnsafeRawPointer(matrix.weights) + slot * Kg * NR * W.bytes
            let bias = matrix.bias + slot * NR, scale = matrix.scale + slot * NR
            let column = g * Ng + p * NR
            let columns = min(NR, Ng - p * NR)
            // int8 over many rows: widening the panel's bytes in every row tile costs more than
            // the bytes save, so the panel is converted to floats once, into this thread's
            // scratch, and the tiles read that (32 x 32 tokens, AVX-512: int8 11% slower than
            // fp32 before). With few rows the weights' memory traffic dominates: they stream.
            if W.self == Int8Panel.self && rowEnd - rowStart > streamingRows,
               let converted = cthreads_scratch(Kg * NR * 4) {
                let floats = converted.assumingMemoryBound(to: Float.self)
                var i = 0
                while i < Kg * NR { V.loadWidening(panel + i).store(floats + i); i += V.lanes }
                rowTiles(V.self, ConvertedInt8Panel.self, inp, out, K, N, g, Kg, column, columns, UnsafeRawPointer(converted),
                         bias, scale, rowStart, rowEnd, epilogue, next: nil)
            } else {
                let next = prefetch && task + 1 < range.upperBound ? panel + Kg * NR * W.bytes : nil
                rowTiles(V.self, W.self, inp, out, K, N, g, Kg, column, columns, panel, bias, scale, rowStart, rowEnd,
                         epilogue, next: next)
            }
        }
    }

    /// The tiles of one task: rows rowStart..<rowEnd of one panel; the first also prefetches `next`.
    @inlinable @inline(__always)
    static func rowTiles<V: MatmulVector, W: PanelFormat, E: TileEpilogue>(
        _ vector: V.Type, _ format: W.Type, _ inp: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ K: Int, _ N: Int, _ g: Int, _ Kg: Int, _ column: Int, _ columns: Int, _ panel: UnsafeRawPointer,
        _ bias: UnsafePointer<Float>, _ scale: UnsafePointer<Float>, _ rowStart: Int, _ rowEnd: Int, _ epilogue: E,
        next: UnsafeRawPointer?
    ) {
        let tileRows = W.widens ? V.int8TileRows : 6
        var m = rowStart
        while m < rowEnd {
            let a = inp + m * K + g * Kg
            let o = out + m * N + column
            let offset = m * N + column
            // With few rows, streaming the weights is the cost: the first tile over a panel
            // also fetches the next panel, one line per k step, so it arrives from L3 ahead
            // of its use (1 x 16 tokens: -8%; with many rows it measured slower).
            let rows = min(rowEnd - m, tileRows)
            if let next, m == rowStart {
                tile(V.self, W.self, rows, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset,
                     PrefetchNextPanel(next: next))
            } else {
                tile(V.self, W.self, rows, a, K, panel, Kg, bias, scale, o, N, columns, epilogue, offset, NoPrefetch())
            }
            m += rows
        }
    }

    /// `tile` with `rows` (1...6) as a type.
    @inlinable @inline(__always)
    static func tile<V: MatmulVector, W: PanelFormat, E: TileEpilogue, P: PanelPrefetch>(
        _ vector: V.Type, _ format: W.Type, _ rows: Int, _ a: UnsafePointer<Float>, _ lda: Int,
        _ panel: UnsafeRawPointer, _ Kg: Int, _ bias: UnsafePointer<Float>, _ scale: UnsafePointer<Float>,
        _ o: UnsafeMutablePointer<Float>, _ ldo: Int, _ columns: Int, _ epilogue: E, _ offset: Int, _ prefetch: P
    ) {
        switch rows {
        case 6: tile(V.self, W.self, Rows6.self, a, lda, panel, Kg, bias, scale, o, ldo, columns, epilogue, offset, prefetch)
        case 5: tile(V.self, W.self, Rows5.self, a, lda, panel, Kg, bias, scale, o, ldo, columns, epilogue, offset, prefetch)
        case 4: tile(V.self, W.self, Rows4.self, a, lda, panel, Kg, bias, scale, o, ldo, columns, epilogue, offset, prefetch)
        case 3: tile(V.self, W.self, Rows3.self, a, lda, panel, Kg, bias, scale, o, ldo, columns, epilogue, offset, prefetch)
        case 2: tile(V.self, W.self, Rows2.self, a, lda, panel, Kg, bias, scale, o, ldo, columns, epilogue, offset, prefetch)
        default: tile(V.self, W.self, Rows1.self, a, lda, panel, Kg, bias, scale, o, ldo, columns, epilogue, offset, prefetch)
        }
    }

    /// The register-blocked micro-kernel: R = Rows.count (1...6) rows x 2 vectors, 12 accumulators (6 x 16 on
    /// AVX2 rather than 4 x 24: with 4 x 24 LLVM spills one accumulator, and 6 x 16 measured 5-10%
    /// faster at 16 tokens). a is R rows of Kg inputs with row stride lda; panel is (Kg, 2 x lanes);
    /// o is R rows of `columns` outputs with row stride ldo; `offset` is o's element offset in the
    /// (M, N) output (for the residual epilogue).
    @inlinable @inline(__always)
    static func tile<V: MatmulVector, W: PanelFormat, Rows: TileRows, E: TileEpilogue, P: PanelPrefetch>(
        _ vector: V.Type, _ format: W.Type, _ rows: Rows.Type, _ a: UnsafePointer<Float>, _ lda: Int,
        _ panel: UnsafeRawPointer, _ Kg: Int, _ bias: UnsafePointer<Float>, _ scale: UnsafePointer<Float>,
        _ o: UnsafeMutablePointer<Float>, _ ldo: Int, _ columns: Int, _ epilogue: E, _ offset: Int, _ prefetch: P
    ) {
        let L = V.lanes, R = Rows.count
        // Float32 accumulators start at the bias; int8 ones at 0 (the scale applies to the sum).
        let start0 = W.scaled ? V(broadcast: 0) : V.load(bias), start1 = W.scaled ? V(broadcast: 0) : V.load(bias + L)
        var c00 = start0, c01 = start1, c10 = start0, c11 = start1, c20 = start0, c21 = start1
        var c30 = start0, c31 = start1, c40 = start0, c41 = start1, c50 = start0, c51 = start1
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var b = panel
        let step = 2 * L * W.bytes
        // The next panel, 64-byte line by line, as fast as this one is read (fp32: one or two
        // lines per k step; int8: one every 4 or 2 steps). Constant conditions fold away.
        let linesPerStep = max(1, step / 64), stepsPerLine = max(1, 64 / step)
        for k in 0..<Kg {
            if P.enabled && k % stepsPerLine == 0 {
                for line in 0..<linesPerStep { prefetch.fetch(k &* step &+ line &* 64) }
            }
            let b0 = W.load(b, as: V.self), b1 = W.load(b + L * W.bytes, as: V.self)
            var x = V(broadcast: a0[k])
            c00 = c00.adding(x, times: b0); c01 = c01.adding(x, times: b1)
            if R > 1 { x = V(broadcast: a1[k]); c10 = c10.adding(x, times: b0); c11 = c11.adding(x, times: b1) }
            if R > 2 { x = V(broadcast: a2[k]); c20 = c20.adding(x, times: b0); c21 = c21.adding(x, times: b1) }
            if R > 3 { x = V(broadcast: a3[k]); c30 = c30.adding(x, times: b0); c31 = c31.adding(x, times: b1) }
            if R > 4 { x = V(broadcast: a4[k]); c40 = c40.adding(x, times: b0); c41 = c41.adding(x, times: b1) }
            if R > 5 { x = V(broadcast: a5[k]); c50 = c50.adding(x, times: b0); c51 = c51.adding(x, times: b1) }
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
    @inlinable @inline(__always)
    static func finish<V: MatmulVector, W: PanelFormat, E: TileEpilogue>(
        _ format: W.Type, _ r: Int, _ v0: V, _ v1: V, _ bias: UnsafePointer<Float>, _ scale: UnsafePointer<Float>,
        _ o: UnsafeMutablePointer<Float>, _ ldo: Int, _ columns: Int, _ epilogue: E, _ offset: Int
    ) {
        let L = V.lanes
        var v0 = v0, v1 = v1
        if W.scaled {
            v0 = V.load(bias).adding(v0, times: V.load(scale))
            v1 = V.load(bias + L).adding(v1, times: V.load(scale + L))
        }
        let row = o + r * ldo, at = offset + r * ldo
        if columns < 2 * L {
            storePartial(v0, v1, row, columns, epilogue, at)
        } else if E.isIdentity {
            v0.store(row); v1.store(row + L)
        } else {
            for i in 0..<(L / 8) {
                var x = v0.octet(i), y = v1.octet(i)
                epilogue.apply(&x, at: at + 8 * i); epilogue.apply(&y, at: at + L + 8 * i)
                store8(x, row + 8 * i); store8(y, row + L + 8 * i)
            }
        }
    }

    /// The last panel's narrower rows: through memory, lane by lane.
    @inlinable @inline(never)
    static func storePartial<V: MatmulVector, E: TileEpilogue>(
        _ v0: V, _ v1: V, _ o: UnsafeMutablePointer<Float>, _ columns: Int, _ epilogue: E, _ offset: Int
    ) {
        var row = (v0, v1)
        withUnsafeMutableBytes(of: &row) { raw in
            let values = raw.bindMemory(to: Float.self)
            epilogue.applyPartial(values.baseAddress!, columns, width: 2 * V.lanes, at: offset)
            for j in 0..<columns { o[j] = values[j] }
        }
    }
}
