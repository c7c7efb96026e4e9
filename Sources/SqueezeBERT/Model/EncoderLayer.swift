import SqueezeBERTMatmul

/// One transformer block, `SqueezeBertModule` in transformers' `modeling_squeezebert.py`: grouped
/// Q/K/V convolutions and attention (`SqueezeBertSelfAttention`), then post-attention convolution
/// + add & norm, intermediate convolution + activation, and output convolution + add & norm (two
/// `ConvDropoutLayerNorm`s around a `ConvActivation`).
///
/// Shapes (the legend in Kernels.swift): x, y, q, k, v and context are (M, C); inner is (M, I).
struct EncoderLayer: Sendable {
    let query, key, value, postAttention, intermediate, output: PointwiseConvolution
    let postAttentionNorm, outputNorm: LayerNormParameters
    /// Bytes one row of any of its product inputs takes once quantised (0: all float products).
    var quantizedRowBytes: Int {
        [query, key, value, postAttention, intermediate, output].map(\.quantizedRowBytes).max()!
    }
    /// The intermediate activation, fused into the intermediate product as its epilogue.
    let activation: EncoderConfig.Activation

    init(
        index: Int, config: EncoderConfig, layout: CheckpointLayout, weights: some WeightSource, precision: Precision,
        instructionSet: InstructionSet
    ) throws {
        let names = layout.layer(index)
        let C = config.hiddenSize, I = config.intermediateSize, groups = config.groups
        func convolution(_ projection: CheckpointLayout.Projection, _ K: Int, _ N: Int, _ G: Int,
                         sharing: InputSmoothing? = nil) throws -> PointwiseConvolution {
            try PointwiseConvolution(projection, inputs: K, outputs: N, groups: G, layout: layout, weights: weights,
                                     precision: precision, instructionSet: instructionSet, sharing: sharing)
        }
        query = try convolution(names.query, C, C, groups.query)
        key = try convolution(names.key, C, C, groups.key, sharing: query.matrix.smoothing)
        value = try convolution(names.value, C, C, groups.value, sharing: query.matrix.smoothing)
        postAttention = try convolution(names.postAttention, C, C, groups.postAttention)
        intermediate = try convolution(names.intermediate, C, I, groups.intermediate)
        output = try convolution(names.output, I, C, groups.output)
        let eps = config.encoderLayerNormEps
        postAttentionNorm = try LayerNormParameters(names.postAttentionNorm, channels: C, eps: eps, weights: weights)
        outputNorm = try LayerNormParameters(names.outputNorm, channels: C, eps: eps, weights: weights)
        activation = config.activation
    }

    /// The block over a (B, T) batch: x (M, C) is the layer's input and receives its output.
    func forward(_ x: UnsafeMutablePointer<Float>, _ work: Workspace, _ batch: BatchShape, _ regions: ParallelRegions) {
        let M = batch.rows
        // context (M, C) = attention(q, k, v), with q, k, v (M, C) = conv(x)
        selfAttention(x, work, batch, regions)
        // y (M, C) = LayerNorm(conv(context) + x)
        regions.product(postAttention, out: work.y, inp: work.context, rows: M, epilogue: .residual(x), work: work)
        regions.norm(postAttentionNorm, work.y, rows: M)
        // inner (M, I) = activation(conv(y))
        regions.product(intermediate, out: work.inner, inp: work.y, rows: M, epilogue: activationEpilogue, work: work)
        // x (M, C) = LayerNorm(conv(inner) + y); x is free once q, k, v and the residual above are made
        regions.product(output, out: x, inp: work.inner, rows: M, epilogue: .residual(work.y), work: work)
        regions.norm(outputNorm, x, rows: M)
    }

    /// The block for each sequence's first token only: x (M, C) is the layer's input, and its first
    /// B rows receive the first-token rows of `forward`'s output, (B, C).
    ///
    /// For the sentiment branch's last layer, whose output the pooler reads only at [CLS], and which
    /// every chat turn pays for: keys and values still take every row, but the query, attention,
    /// post-attention product and feed-forward run on B rows. Those are 10 of the layer's 12 C^2
    /// multiply-adds per token (I = 4C), so at 16 tokens a two-layer branch costs about 1.2 layers
    /// instead of 2, a three-layer one 2.2.
    func forwardFirstTokens(
        _ x: UnsafeMutablePointer<Float>, _ work: Workspace, _ batch: BatchShape, _ regions: ParallelRegions
    ) {
        let M = batch.rows, B = batch.sequences, T = batch.tokens, C = query.outputs, heads = batch.heads
        // k, v (M, C) = conv(x): every real token is a key
        let xq = regions.quantize(x, for: key, rows: M, work: work)
        let tk = key.tasks(rows: M), tv = value.tasks(rows: M)
        regions.run(tk + tv, flops: 2 * key.flops(rows: M)) { range in
            let rk = range.clamped(to: 0..<tk), rv = range.clamped(to: tk..<(tk + tv))
            if !rk.isEmpty { key(work.k, x, quantized: xq, rows: M, tasks: rk) }
            if !rv.isEmpty { value(work.v, x, quantized: xq, rows: M, tasks: (rv.lowerBound - tk)..<(rv.upperBound - tk)) }
        }
        // x (B, C) = x's first-token rows moved to the front: row b*T to row b, never onto one still to be read
        for b in 0..<B where b * T != b { (x + b * C).update(from: x + b * T * C, count: C) }
        // q (B, C) = conv(x)
        regions.product(query, out: work.q, inp: x, rows: B, work: work)
        // context (B, C) = attention of each first token over its sequence's keys
        let scratch = Kernels.attentionScratch(tokens: T, headSize: C / heads)
        batch.lengths.withUnsafeBufferPointer { lengths in
            regions.run(Kernels.attentionTasks(batch: B, heads: heads), flops: 4 * B * T * C) { range in
                Kernels.firstTokenAttention(
                    out: work.context, q: work.q, k: work.k, v: work.v, lengths: lengths.baseAddress!,
                    scores: work.scores + range.lowerBound * scratch,
                    batch: B, tokens: T, channels: C, heads: heads, tasks: range)
            }
        }
        // y (B, C) = LayerNorm(conv(context) + x)
        regions.product(postAttention, out: work.y, inp: work.context, rows: B, epilogue: .residual(x), work: work)
        regions.norm(postAttentionNorm, work.y, rows: B)
        // inner (B, I) = activation(conv(y))
        regions.product(intermediate, out: work.inner, inp: work.y, rows: B, epilogue: activationEpilogue, work: work)
        // x (B, C) = LayerNorm(conv(inner) + y)
        regions.product(output, out: x, inp: work.inner, rows: B, epilogue: .residual(work.y), work: work)
        regions.norm(outputNorm, x, rows: B)
    }

    private var activationEpilogue: Epilogue {
        switch activation {
        case .gelu: .gelu
        case .geluTanh: .geluTanh
        case .relu: .relu
        }
    }

    /// context (M, C) = multi-head attention over q, k, v (M, C) = conv(x): the three products as
    /// one parallel region, then one task per (sequence, head).
    private func selfAttention(
        _ x: UnsafeMutablePointer<Float>, _ work: Workspace, _ batch: BatchShape, _ regions: ParallelRegions
    ) {
        let M = batch.rows, C = query.outputs
        // x quantised once for the three (a key or value of another grouping quantises for itself).
        let xq = regions.quantize(x, for: query, rows: M, work: work)
        let tq = query.tasks(rows: M), tk = key.tasks(rows: M), tv = value.tasks(rows: M)
        regions.run(tq + tk + tv, flops: 3 * query.flops(rows: M)) { range in
            let rq = range.clamped(to: 0..<tq), rk = range.clamped(to: tq..<(tq + tk))
            let rv = range.clamped(to: (tq + tk)..<(tq + tk + tv))
            if !rq.isEmpty { query(work.q, x, quantized: xq, rows: M, tasks: rq) }
            if !rk.isEmpty {
                key(work.k, x, quantized: xq, rows: M, tasks: (rk.lowerBound - tq)..<(rk.upperBound - tq))
            }
            if !rv.isEmpty {
                value(work.v, x, quantized: xq, rows: M, tasks: (rv.lowerBound - tq - tk)..<(rv.upperBound - tq - tk))
            }
        }
        let heads = batch.heads, B = batch.sequences, T = batch.tokens
        let scratch = Kernels.attentionScratch(tokens: T, headSize: C / heads)
        batch.lengths.withUnsafeBufferPointer { lengths in
            regions.run(Kernels.attentionTasks(batch: B, heads: heads), flops: 4 * B * T * T * C) { range in
                Kernels.attention(
                    out: work.context, q: work.q, k: work.k, v: work.v, lengths: lengths.baseAddress!,
                    scores: work.scores + range.lowerBound * scratch,
                    batch: B, tokens: T, channels: C, heads: heads, tasks: range,
                    instructionSet: query.matrix.instructionSet)
            }
        }
    }
}

/// A forward pass's batch: B sequences of T (padded) tokens, M = B * T rows.
struct BatchShape {
    let sequences: Int
    let tokens: Int
    /// Attention heads.
    let heads: Int
    /// Real tokens per sequence.
    let lengths: [Int]
    var rows: Int { sequences * tokens }
}
