/// The SqueezeBERT encoder: embeddings, N grouped-convolution transformer layers, pooler and an
/// optional sequence-classification head, mirroring `SqueezeBertModel` /
/// `SqueezeBertForSequenceClassification` in transformers' `modeling_squeezebert.py`.
///
/// It is deliberately not a general graph runtime: one architecture, read straight from a
/// checkpoint, with every numeric step delegated to `Kernels`. BERT-family checkpoints load into the
/// same type with every group count 1.
public final class SqueezeBertEncoder: Sendable {
    public let config: EncoderConfig
    /// How the projection weights are stored.
    public let precision: Precision
    /// Worker threads a forward pass uses unless the call says otherwise.
    public let threads: Int
    let embeddings: Embeddings
    let layers: [EncoderLayer]
    /// `pooler.dense`: absent in some sentence-embedding checkpoints.
    let pooler: PointwiseConvolution?
    /// `classifier`: present only in sequence-classification checkpoints.
    let classifier: PointwiseConvolution?

    /// Loads every tensor the configuration calls for, by the checkpoint's own key names.
    ///
    /// - Parameters:
    ///   - precision: fp32 keeps the checkpoint's values; int8 quantises every projection per output channel.
    ///   - threads: default worker threads of a forward pass; nil means the active cores.
    ///   - maxTokens: the longest sequence expected; sizes the reused workspace (longer inputs still work).
    public init(
        config: EncoderConfig, weights: some WeightSource, precision: Precision = .fp32, threads: Int? = nil,
        maxTokens: Int = 128
    ) throws {
        self.config = config
        self.precision = precision
        self.threads = max(1, threads ?? ComputePool.activeCores)
        let layout = try CheckpointLayout(architecture: config.architecture, weights: weights)
        embeddings = try Embeddings(config: config, layout: layout, weights: weights)
        layers = try (0..<config.layerCount).map {
            try EncoderLayer(index: $0, config: config, layout: layout, weights: weights)
        }
        let C = config.hiddenSize
        pooler = weights.contains(layout.pooler.weight)
            ? try PointwiseConvolution(layout.pooler, inputs: C, outputs: C, groups: 1,
                                       layout: CheckpointLayout.dense, weights: weights)
            : nil
        if weights.contains(layout.classifier.weight) {
            guard pooler != nil else {
                throw ModelLoadError(.missingTensor, file: weights.path,
                                     "missing tensor \"\(layout.pooler.weight)\" (the classifier reads the pooled output)")
            }
            guard !config.labels.isEmpty else {
                throw ModelLoadError(.invalidConfig, file: weights.path,
                                     "has a classifier but its config.json has no \"id2label\"")
            }
            classifier = try PointwiseConvolution(layout.classifier, inputs: C, outputs: config.labels.count,
                                                  groups: 1, layout: CheckpointLayout.dense, weights: weights)
        } else {
            classifier = nil
        }
    }

    /// Whether the checkpoint has a sequence-classification head (then `logits` are computed).
    public var hasClassifier: Bool { classifier != nil }

    /// Runs the encoder on a right-padded batch.
    ///
    /// - Parameters:
    ///   - ids: (B, T) token ids, row-major; positions at or past `lengths[b]` are padding.
    ///   - tokenTypes: (B, T) segment ids, or nil for all zeros.
    ///   - lengths: real tokens per sequence, each in 1...T.
    ///   - keepHiddenStates: also return the embeddings output and every layer's output.
    public func forward(
        ids: [Int32], tokenTypes: [Int32]? = nil, lengths: [Int], sequenceLength T: Int,
        keepHiddenStates: Bool = false, threads: Int? = nil
    ) -> EncoderOutput {
        let B = lengths.count, C = config.hiddenSize, I = config.intermediateSize, M = B * T
        precondition(ids.count == M, "ids must be (B, T)")
        precondition(T <= config.maxPositions, "sequence longer than max_position_embeddings")
        precondition(lengths.allSatisfy { $0 >= 1 && $0 <= T }, "lengths must be in 1...T")
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < config.vocabSize }, "token id outside the vocabulary")
        let types = tokenTypes ?? [Int32](repeating: 0, count: M)
        precondition(types.count == M && types.allSatisfy { $0 >= 0 && Int($0) < config.typeVocabSize })

        // One workspace per call: x is the running hidden state, y the post-attention state.
        let workspace = Workspace(rows: M, channels: C, intermediate: I, tokens: T)
        defer { workspace.deallocate() }
        let x = workspace.x, y = workspace.y, q = workspace.q, k = workspace.k, v = workspace.v
        let context = workspace.context, inner = workspace.inner

        var hiddenStates: [[Float]] = []
        ids.withUnsafeBufferPointer { idp in
            types.withUnsafeBufferPointer { tp in
                embeddings.word.withUnsafeBufferPointer { word in
                    embeddings.position.withUnsafeBufferPointer { position in
                        embeddings.tokenType.withUnsafeBufferPointer { tokenType in
                            Kernels.embeddings(
                                out: x, ids: idp.baseAddress!, types: tp.baseAddress!,
                                word: word.baseAddress!, position: position.baseAddress!,
                                tokenType: tokenType.baseAddress!, batch: B, tokens: T, channels: C)
                        }
                    }
                }
            }
        }
        embeddings.norm(x, rows: M)
        if keepHiddenStates { hiddenStates.append(Array(UnsafeBufferPointer(start: x, count: M * C))) }

        let current = x, next = y
        lengths.withUnsafeBufferPointer { lengthPointer in
            for layer in layers {
                layer.query(q, current, rows: M)
                layer.key(k, current, rows: M)
                layer.value(v, current, rows: M)
                Kernels.attention(
                    out: context, q: q, k: k, v: v, lengths: lengthPointer.baseAddress!,
                    scores: workspace.scores, batch: B, tokens: T, channels: C, heads: config.headCount)
                // post-attention: next = LN(conv(context) + current)
                layer.postAttention(next, context, rows: M)
                layer.postAttentionNorm(next, residual: current, rows: M)
                layer.intermediate(inner, next, rows: M)
                activate(inner, count: M * I)
                // output: current = LN(conv(inner) + next); `current` is free once Q/K/V are made.
                layer.output(current, inner, rows: M)
                layer.outputNorm(current, residual: next, rows: M)
                if keepHiddenStates {
                    hiddenStates.append(Array(UnsafeBufferPointer(start: current, count: M * C)))
                }
            }
        }

        let last = Array(UnsafeBufferPointer(start: current, count: M * C))
        var pooled: [Float]? = nil
        var logits: [Float]? = nil
        if let pooler {
            // The first token ([CLS]) of each sequence through dense + tanh.
            let first = workspace.q  // free now; holds B rows
            for b in 0..<B { (first + b * C).update(from: current + b * T * C, count: C) }
            pooler(workspace.k, first, rows: B)
            Kernels.tanhInPlace(workspace.k, count: B * C)
            pooled = Array(UnsafeBufferPointer(start: workspace.k, count: B * C))
            if let classifier {
                let L = classifier.outputs
                classifier(workspace.v, workspace.k, rows: B)
                logits = Array(UnsafeBufferPointer(start: workspace.v, count: B * L))
            }
        }
        return EncoderOutput(
            batchSize: B, sequenceLength: T, hiddenSize: C, lengths: lengths,
            lastHiddenState: last, hiddenStates: hiddenStates, pooled: pooled, logits: logits,
            labels: classifier == nil ? [] : config.labels)
    }

    private func activate(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch config.activation {
        case .gelu: Kernels.gelu(x, count: count)
        case .geluTanh: Kernels.geluTanh(x, count: count)
        case .relu: Kernels.relu(x, count: count)
        }
    }
}

extension CheckpointLayout {
    /// Pooler and classifier are Linear layers (out, in) in both families.
    static let dense = CheckpointLayout(denseHeads: ())

    private init(denseHeads: Void) {
        architecture = .bert
        prefix = ""
    }
}

/// The activation buffers of one forward pass.
private struct Workspace {
    let x, y, q, k, v, context, inner, scores: UnsafeMutablePointer<Float>

    init(rows M: Int, channels C: Int, intermediate I: Int, tokens T: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        x = buffer(M * C); y = buffer(M * C); q = buffer(M * C); k = buffer(M * C); v = buffer(M * C)
        context = buffer(M * C); inner = buffer(M * I); scores = buffer(T)
    }

    func deallocate() {
        for pointer in [x, y, q, k, v, context, inner, scores] { pointer.deallocate() }
    }
}
