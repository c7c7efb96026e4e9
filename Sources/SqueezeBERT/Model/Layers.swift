/// The encoder's parameterised building blocks, each loaded by the checkpoint's own key names.

/// A grouped 1x1 convolution (SqueezeBERT's position-wise layer; a Linear layer when groups = 1).
struct PointwiseConvolution: Sendable {
    let inputs: Int
    let outputs: Int
    let groups: Int
    /// Packed (G, K/G, N/G) for `Kernels.groupedMatmul`.
    let weight: [Float]
    let bias: [Float]

    init(
        _ names: CheckpointLayout.Projection, inputs: Int, outputs: Int, groups: Int,
        layout: CheckpointLayout, weights: some WeightSource
    ) throws {
        self.inputs = inputs
        self.outputs = outputs
        self.groups = groups
        let shape = layout.projectionShape(inputs: inputs, outputs: outputs, groups: groups)
        let checkpoint = try weights.floatTensor(name: names.weight, expectedShape: shape)
        bias = try weights.floatTensor(name: names.bias, expectedShape: [outputs])
        weight = Self.pack(checkpoint, inputs: inputs, outputs: outputs, groups: groups)
    }

    /// Reorders the checkpoint's (N, K/G) rows into per-group transposed blocks (G, K/G, N/G), so
    /// the kernel streams contiguous weights for one input channel across a group's outputs.
    static func pack(_ checkpoint: [Float], inputs K: Int, outputs N: Int, groups G: Int) -> [Float] {
        let Kg = K / G, Ng = N / G
        var packed = [Float](repeating: 0, count: N * Kg)
        for g in 0..<G {
            for n in 0..<Ng {
                let row = (g * Ng + n) * Kg
                for k in 0..<Kg {
                    packed[(g * Kg + k) * Ng + n] = checkpoint[row + k]
                }
            }
        }
        return packed
    }

    /// out (M, N) = conv(inp (M, K)).
    func callAsFunction(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, rows: Int) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Kernels.groupedMatmul(
                    out: out, inp: inp, weight: w.baseAddress!, bias: b.baseAddress!,
                    rows: rows, inputs: inputs, outputs: outputs, groups: groups)
            }
        }
    }
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

    /// x (M, C) = LayerNorm(x + residual), in place.
    func callAsFunction(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>? = nil, rows: Int) {
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                Kernels.layerNorm(
                    x, residual: residual, gamma: g.baseAddress!, beta: b.baseAddress!,
                    rows: rows, channels: g.count, eps: eps)
            }
        }
    }
}

/// Word, position and token-type tables plus their LayerNorm (`SqueezeBertEmbeddings`).
struct Embeddings: Sendable {
    let word: [Float]
    let position: [Float]
    let tokenType: [Float]
    let norm: LayerNormParameters

    init(config: EncoderConfig, layout: CheckpointLayout, weights: some WeightSource) throws {
        let C = config.hiddenSize
        word = try weights.floatTensor(name: layout.wordEmbeddings, expectedShape: [config.vocabSize, C])
        position = try weights.floatTensor(name: layout.positionEmbeddings, expectedShape: [config.maxPositions, C])
        tokenType = try weights.floatTensor(name: layout.tokenTypeEmbeddings, expectedShape: [config.typeVocabSize, C])
        norm = try LayerNormParameters(layout.embeddingsNorm, channels: C, eps: config.layerNormEps, weights: weights)
    }
}

/// One transformer block (`SqueezeBertModule`): grouped Q/K/V, attention, post-attention
/// convolution + add & norm, intermediate convolution + activation, output convolution + add & norm.
struct EncoderLayer: Sendable {
    let query, key, value, postAttention, intermediate, output: PointwiseConvolution
    let postAttentionNorm, outputNorm: LayerNormParameters

    init(index: Int, config: EncoderConfig, layout: CheckpointLayout, weights: some WeightSource) throws {
        let names = layout.layer(index)
        let C = config.hiddenSize, I = config.intermediateSize, groups = config.groups
        func convolution(_ projection: CheckpointLayout.Projection, _ K: Int, _ N: Int, _ G: Int) throws
            -> PointwiseConvolution {
            try PointwiseConvolution(projection, inputs: K, outputs: N, groups: G, layout: layout, weights: weights)
        }
        query = try convolution(names.query, C, C, groups.query)
        key = try convolution(names.key, C, C, groups.key)
        value = try convolution(names.value, C, C, groups.value)
        postAttention = try convolution(names.postAttention, C, C, groups.postAttention)
        intermediate = try convolution(names.intermediate, C, I, groups.intermediate)
        output = try convolution(names.output, I, C, groups.output)
        let eps = config.encoderLayerNormEps
        postAttentionNorm = try LayerNormParameters(names.postAttentionNorm, channels: C, eps: eps, weights: weights)
        outputNorm = try LayerNormParameters(names.outputNorm, channels: C, eps: eps, weights: weights)
    }
}
