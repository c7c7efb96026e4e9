import CThreads
import SqueezeBERTInt8

/// Activation rows quantised to bytes for `Int8Matmul`, with a scale and zero point per row and
/// group: row m's byte k in group g's padded slice approximates
/// `scales[g * groupStride + m] * (bytes[m * stride + g * paddedGroupInputs + k] - zeros[g * groupStride + m])`.
/// Laid out for one (groups, padded inputs) shape; a matrix of another shape quantises for itself.
public struct QuantizedActivations {
    public let bytes: UnsafeMutablePointer<UInt8>
    /// Bytes from one row to the next: at least groups x padded inputs.
    public let stride: Int
    /// (groups, groupStride): one per row and group.
    public let scales: UnsafeMutablePointer<Float>
    public let zeros: UnsafeMutablePointer<Int32>
    /// Entries from one group's scales (and zero points) to the next: at least the rows held.
    public let groupStride: Int
    /// The matrix shape the bytes are laid out for.
    public let groups: Int, groupInputs: Int, paddedGroupInputs: Int
    /// The smoothing the inputs were divided by (the matrix's), or nil.
    public let smoothing: InputSmoothing?

    public init(bytes: UnsafeMutablePointer<UInt8>, stride: Int, scales: UnsafeMutablePointer<Float>,
                zeros: UnsafeMutablePointer<Int32>, groupStride: Int, for matrix: PackedMatrix) {
        precondition(stride >= matrix.groups * matrix.paddedGroupInputs)
        self.bytes = bytes; self.stride = stride; self.scales = scales; self.zeros = zeros
        self.groupStride = groupStride
        groups = matrix.groups; groupInputs = matrix.inputs / matrix.groups; paddedGroupInputs = matrix.paddedGroupInputs
        smoothing = matrix.smoothing
    }

    /// Whether `matrix` reads this layout, smoothed as these bytes are.
    public func fits(_ matrix: PackedMatrix) -> Bool {
        matrix.groups == groups && matrix.inputs / matrix.groups == groupInputs && matrix.smoothing === smoothing
    }

    /// Quantises rows `rows` of x (M, K), K = groups x groupInputs, into the same rows here.
    public func quantize(_ x: UnsafePointer<Float>, rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        let K = groups * groupInputs, m = rows.lowerBound
        int8_quantize_rows(x + m * K, K, Int32(rows.count), Int32(groups), Int32(groupInputs), Int32(paddedGroupInputs),
                           smoothing.map { UnsafePointer($0.multipliers) }, bytes + m * stride, stride, scales + m,
                           zeros + m, groupStride)
    }
}

/// The int8 matrix product on AVX-512 VNNI: quantised activation rows (u8, a scale and zero point
/// per row) times a matrix's int8 panels, summed in int32 by vpdpbusd (`SqueezeBERTInt8`), then
/// dequantised with the bias and residual; the kernel applies an activation to each tile while it
/// is still in L1. Same tasks as `Matmul` (row chunk x group x panel); over more rows than the
/// streaming products, two adjacent panels of a group in one range share a register tile.
public enum Int8Matmul {
    /// The number of independent tasks `run` splits into.
    @inlinable public static func tasks(rows M: Int, matrix: PackedMatrix) -> Int { Matmul.tasks(rows: M, matrix: matrix) }

    /// out (M, N) = epilogue(conv(inp (M, K))), as `Matmul.run`, for a matrix with
    /// `usesIntegerProducts`. `quantized` holds inp's rows already quantised for this matrix
    /// (`QuantizedActivations.fits`), which lets several products and threads share one quantisation;
    /// nil quantises each task's rows into the thread's scratch. The integer kernel applies the
    /// epilogue itself (the residual as it dequantises, an activation on each tile while in L1).
    @inlinable
    public static func run(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, quantized: QuantizedActivations?, matrix: PackedMatrix,
        rows M: Int, epilogue: Epilogue, tasks: Range<Int>?
    ) {
        precondition(matrix.usesIntegerProducts, "matrix packed for the float kernels")
        var residual: UnsafePointer<Float>? = nil
        let activation: Int32
        switch epilogue {
        case .none: activation = INT8_ACTIVATION_NONE
        case .gelu: activation = INT8_ACTIVATION_GELU
        case .geluTanh: activation = INT8_ACTIVATION_GELU_TANH
        case .relu: activation = INT8_ACTIVATION_RELU
        case .residual(let r): residual = r; activation = INT8_ACTIVATION_NONE
        }
        let N = matrix.outputs, G = matrix.groups, P = matrix.panels
        let KP = matrix.paddedGroupInputs, Ng = N / G, NR = matrix.panelWidth
        let perChunk = G * P
        let range = tasks ?? 0..<self.tasks(rows: M, matrix: matrix)
        let panels = UnsafePointer(matrix.weights.assumingMemoryBound(to: Int8.self))
        let prefetch = M <= Matmul.streamingRows
        var task = range.lowerBound
        while task < range.upperBound {
            let chunk = task / perChunk, slot = task % perChunk  // slot = g * P + p
            let g = slot / P, p = slot % P
            let rowStart = chunk * Matmul.rowChunk, rows = min(M, rowStart + Matmul.rowChunk) - rowStart
            let panel = panels + slot * KP * NR
            let column = g * Ng + p * NR, columns = min(NR, Ng - p * NR)
            // Task + 1 is the next panel of the same group and row chunk, in the range being run:
            // over more rows than the streaming products, both in one two-panel tile (each
            // broadcast feeds twice the products, the rows' bytes are read once per two panels).
            // Panel p is then full; p + 1 may be the group's narrower last one. Streaming products
            // keep single panels: 8-row tiles read each panel fewer times, and they prefetch.
            let paired = !prefetch && p + 1 < P && task + 1 < range.upperBound
            let rowsIn: QuantizedActivations
            if let quantized, quantized.fits(matrix) {
                rowsIn = quantized
            } else {
                // No shared quantisation: this task's rows into the thread's scratch (at most 64 rows,
                // G scales and zero points each).
                let stride = G * KP, chunk = Matmul.rowChunk
                guard let scratch = cthreads_scratch(chunk * (stride + 8 * G)) else {
                    fatalError("out of memory for the int8 product's scratch")
                }
                let bytes = scratch.assumingMemoryBound(to: UInt8.self)
                let scales = (scratch + chunk * stride).assumingMemoryBound(to: Float.self)
                let zeros = (scratch + chunk * (stride + 4 * G)).assumingMemoryBound(to: Int32.self)
                // Indexed as rows rowStart..., so the pointers start rowStart rows early.
                rowsIn = QuantizedActivations(bytes: bytes - rowStart * stride, stride: stride, scales: scales - rowStart,
                                              zeros: zeros - rowStart, groupStride: chunk, for: matrix)
                rowsIn.quantize(inp, rows: rowStart..<(rowStart + rows))
            }
            let o = out + rowStart * N + column
            let q = rowsIn.bytes + rowStart * rowsIn.stride + g * KP
            let scales = rowsIn.scales + g * rowsIn.groupStride + rowStart
            let zeros = rowsIn.zeros + g * rowsIn.groupStride + rowStart
            let r = residual.map { $0 + rowStart * N + column }
            if paired {
                int8_panel_pair_product(
                    q, rowsIn.stride, scales, zeros, Int32(rows), panel, Int32(KP), matrix.columnSums + slot * NR,
                    matrix.scale + slot * NR, matrix.bias + slot * NR, o, N, Int32(min(NR, Ng - (p + 1) * NR)), r,
                    activation)
                task += 2
            } else {
                let next = prefetch && task + 1 < range.upperBound && slot + 1 < perChunk ? panel + KP * NR : nil
                int8_panel_product(
                    q, rowsIn.stride, scales, zeros, Int32(rows), panel, Int32(KP), matrix.columnSums + slot * NR,
                    matrix.scale + slot * NR, matrix.bias + slot * NR, o, N, Int32(columns), r, next, activation)
                task += 1
            }
        }
    }

    /// Times `iterations` rounds of the vpdpbusd peak loop; returns multiply-adds per second.
    public static func peakMultiplyAddsPerSecond(iterations: Int = 20_000_000) -> Double {
        let start = ContinuousClock.now
        let sink = int8_peak_loop(Int64(iterations))
        let elapsed = ContinuousClock.now - start
        withExtendedLifetime(sink) {}
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Double(iterations) * 16 * 64 / seconds
    }
}
