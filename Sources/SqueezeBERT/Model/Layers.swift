import SqueezeBERTMatmul

/// The encoder's parameterised building blocks, each loaded by the checkpoint's own key names.

/// A grouped 1x1 convolution (SqueezeBERT's position-wise layer; a Linear layer when groups = 1).
struct PointwiseConvolution: Sendable {
    let inputs: Int
    let outputs: Int
    let groups: Int
    /// Weight and bias packed into micro-kernel panels (`PackedMatrix`), fp32 or int8.
    let matrix: PackedMatrix

    /// `sharing`: another matrix's smoothing, reused when this one's factors are the same, so that
    /// products of one input (query, key, value) share one quantisation of it.
    init(
        _ names: CheckpointLayout.Projection, inputs: Int, outputs: Int, groups: Int,
        layout: CheckpointLayout, weights: some WeightSource, precision: Precision = .fp32,
        instructionSet: InstructionSet = .fastest, sharing: InputSmoothing? = nil
    ) throws {
        self.inputs = inputs
        self.outputs = outputs
        self.groups = groups
        let shape = layout.projectionShape(inputs: inputs, outputs: outputs, groups: groups)
        // Both layouts store row n = output channel n's K/G inputs: (N, K/G) or (N, K/G, 1).
        let bias = try weights.floatTensor(name: names.bias, expectedShape: [outputs])
        let stored = precision == .int8 ? try weights.quantizedRows(name: names.weight, expectedShape: shape) : nil
        if let factors = stored?.smoothing, factors.count != inputs {
            throw ModelLoadError(.shapeMismatch, file: weights.path,
                                 "smoothing of '\(names.weight)' has \(factors.count) factors for \(inputs) inputs")
        }
        if let stored, stored.smoothing == nil || instructionSet == .avx512vnni {
            // Already int8 per output channel on disk: packed as is, never widened to Float.
            let smoothing = stored.smoothing.map { sharing?.factors == $0 ? sharing! : InputSmoothing(factors: $0) }
            matrix = PackedMatrix(quantized: stored.values, scales: stored.scales, bias: bias, inputs: inputs,
                                  outputs: outputs, groups: groups, smoothing: smoothing, instructionSet: instructionSet)
        } else {
            // Float weights, or smoothed int8 ones on the float kernels: the checkpoint's values
            // (smoothing divided back out), quantised per output channel again for int8.
            let checkpoint = try weights.floatTensor(name: names.weight, expectedShape: shape)
            matrix = PackedMatrix(weight: checkpoint, bias: bias, inputs: inputs, outputs: outputs, groups: groups,
                                  precision: precision, instructionSet: instructionSet)
        }
        weights.release(names.weight)
    }

    /// The independent tasks of one product over `rows` rows (for threads).
    func tasks(rows: Int) -> Int { Kernels.matmulTasks(rows: rows, matrix: matrix) }

    /// Multiply-adds of one product over `rows` rows.
    func flops(rows: Int) -> Int { 2 * rows * inputs * outputs / groups }

    /// out (M, N) = epilogue(conv(inp (M, K))), over the task sub-range `tasks`; `quantized`: inp's
    /// rows quantised for this matrix's integer products, when it has them (else each task quantises).
    func callAsFunction(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, quantized: QuantizedActivations? = nil, rows: Int,
        epilogue: Epilogue = .none, tasks: Range<Int>? = nil
    ) {
        Kernels.matmul(out: out, inp: inp, quantized: quantized, matrix: matrix, rows: rows, epilogue: epilogue,
                       tasks: tasks)
    }

    /// Bytes one input row takes once quantised for the integer products (0 for float products).
    var quantizedRowBytes: Int { matrix.usesIntegerProducts ? matrix.groups * matrix.paddedGroupInputs : 0 }
}

/// LayerNorm parameters over `channels`, with the epsilon the reference uses at that place.
struct LayerNormParameters: Sendable {
    let gamma: [Float]
    let beta: [Float]
    let eps: Float

    init(_ names: CheckpointLayout.Norm, channels: Int, eps: Float, weights: some WeightSource) throws {
        gamma = try weights.floatTensor(name: names.weight, expectedShape: [channels])
        beta = try weights.floatTensor(name: names.bias, expectedShape: [channels])
        self.eps = eps
    }

    /// x (M, C) = LayerNorm(x), in place, for the rows in `rows`.
    func callAsFunction(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                Kernels.layerNorm(x, gamma: g.baseAddress!, beta: b.baseAddress!, rows: rows, channels: g.count, eps: eps)
            }
        }
    }
}

/// Word, position and token-type tables plus their LayerNorm (`SqueezeBertEmbeddings`).
struct Embeddings: Sendable {
    let word: EmbeddingTable
    let position: EmbeddingTable
    let tokenType: EmbeddingTable
    let norm: LayerNormParameters

    init(config: EncoderConfig, layout: CheckpointLayout, weights: some WeightSource) throws {
        let C = config.hiddenSize
        word = try EmbeddingTable(name: layout.wordEmbeddings, expectedShape: [config.vocabSize, C], weights: weights)
        position = try EmbeddingTable(name: layout.positionEmbeddings, expectedShape: [config.maxPositions, C], weights: weights)
        tokenType = try EmbeddingTable(name: layout.tokenTypeEmbeddings, expectedShape: [config.typeVocabSize, C], weights: weights)
        norm = try LayerNormParameters(layout.embeddingsNorm, channels: C, eps: config.layerNormEps, weights: weights)
    }
}
