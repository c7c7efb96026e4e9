/// How one forward pass runs its parallel regions: on the warm pool when the pass holds it and a
/// region has enough work, else on the calling thread.
struct ParallelRegions {
    /// The pool, when this pass holds it; nil runs every region on the calling thread.
    let pool: ComputePool?
    /// Threads a region may use (the caller's included).
    let threads: Int

    /// Regions with fewer multiply-adds than this run on the calling thread alone: below it the
    /// hand-off to another core costs more than it saves (measured with `squeezechat bench`).
    static let minParallelFlops = 400_000

    /// Runs body over 0..<tasks, split over the pool's threads when it pays.
    func run(_ tasks: Int, flops: Int, _ body: (Range<Int>) -> Void) {
        if let pool, threads > 1, flops >= Self.minParallelFlops {
            pool.parallel(tasks: tasks, threads: threads, body)
        } else {
            body(0..<tasks)
        }
    }

    /// out = epilogue(conv(inp)) over `rows` rows, as one region (after one that quantises inp,
    /// when the product runs on the integer unit).
    func product(
        _ convolution: PointwiseConvolution, out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, rows: Int,
        epilogue: Epilogue = .none, work: Workspace
    ) {
        let quantized = quantize(inp, for: convolution, rows: rows, work: work)
        run(convolution.tasks(rows: rows), flops: convolution.flops(rows: rows)) { range in
            convolution(out, inp, quantized: quantized, rows: rows, epilogue: epilogue, tasks: range)
        }
    }

    /// inp's rows quantised for `convolution`'s integer products into the workspace (one region
    /// over rows); nil when it multiplies floats.
    func quantize(
        _ inp: UnsafePointer<Float>, for convolution: PointwiseConvolution, rows: Int, work: Workspace
    ) -> QuantizedActivations? {
        guard convolution.quantizedRowBytes > 0 else { return nil }
        let quantized = work.quantizedActivations(for: convolution.matrix)
        // About four operations per value (range, scale, round, pack).
        run(rows, flops: 4 * rows * convolution.inputs) { range in quantized.quantize(inp, rows: range) }
        return quantized
    }

    /// x (rows, C) = LayerNorm(x) in place, as one region over rows.
    func norm(_ norm: LayerNormParameters, _ x: UnsafeMutablePointer<Float>, rows: Int) {
        run(rows, flops: 8 * rows * norm.gamma.count) { range in norm(x, rows: range) }
    }
}
