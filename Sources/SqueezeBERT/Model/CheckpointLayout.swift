/// The one place that knows how each checkpoint family names and shapes its tensors.
///
/// SqueezeBERT (`modeling_squeezebert.py`) stores every position-wise layer as a Conv1d weight
/// (out, in/groups, 1); BERT (`modeling_bert.py`) stores Linear weights (out, in). Both are the
/// same grouped 1x1 convolution, so the model asks this type for names and shapes and never
/// branches on the architecture itself.
struct CheckpointLayout {
    let architecture: EncoderConfig.Architecture
    /// "" for a bare encoder, "transformer." (SqueezeBERT) or "bert." (BERT) under a task head,
    /// "sentiment_branch." for the branch of a forked model.
    var prefix: String
    /// Where the classifier sits: beside the encoder ("") or inside the sentiment branch.
    var headPrefix = ""

    /// The key prefix of a forked model's sentiment branch: its layers, pooler and classifier.
    static let branchPrefix = "sentiment_branch."

    /// Names of a convolution's (or Linear layer's) weight and bias.
    struct Projection {
        let weight: String
        let bias: String
    }

    /// Names of a LayerNorm's scale and shift.
    struct Norm {
        let weight: String
        let bias: String
    }

    /// Names of one encoder layer's tensors, in the order the forward pass uses them.
    struct Layer {
        let query, key, value, postAttention, intermediate, output: Projection
        let postAttentionNorm, outputNorm: Norm
    }

    /// Finds the key prefix by looking for the word embeddings under each known one.
    init(architecture: EncoderConfig.Architecture, weights: some WeightSource) throws {
        self.architecture = architecture
        let candidates = architecture == .squeezebert ? ["", "transformer.", "squeezebert."] : ["", "bert."]
        let anchor = "embeddings.word_embeddings.weight"
        guard let found = candidates.first(where: { weights.contains($0 + anchor) }) else {
            let tried = candidates.map { "\"\($0 + anchor)\"" }.joined(separator: " or ")
            throw ModelLoadError(.missingTensor, file: weights.path, "missing tensor \(tried)")
        }
        prefix = found
    }

    /// The sentiment branch's names: the same per-layer names under `branchPrefix` (branch layer j
    /// copies trunk layer fromLayer + j), plus its own pooler and classifier.
    var sentimentBranch: CheckpointLayout {
        var branch = self
        branch.prefix = Self.branchPrefix
        branch.headPrefix = Self.branchPrefix
        return branch
    }

    var wordEmbeddings: String { prefix + "embeddings.word_embeddings.weight" }
    var positionEmbeddings: String { prefix + "embeddings.position_embeddings.weight" }
    var tokenTypeEmbeddings: String { prefix + "embeddings.token_type_embeddings.weight" }
    var embeddingsNorm: Norm { norm(prefix + "embeddings.LayerNorm") }
    var pooler: Projection { projection(prefix + "pooler.dense") }
    /// The sequence-classification head sits beside the encoder, outside the prefix.
    var classifier: Projection { projection(headPrefix + "classifier") }

    func layer(_ index: Int) -> Layer {
        switch architecture {
        case .squeezebert:
            let base = prefix + "encoder.layers.\(index)."
            return Layer(
                query: projection(base + "attention.query"), key: projection(base + "attention.key"),
                value: projection(base + "attention.value"),
                postAttention: projection(base + "post_attention.conv1d"),
                intermediate: projection(base + "intermediate.conv1d"),
                output: projection(base + "output.conv1d"),
                postAttentionNorm: norm(base + "post_attention.layernorm"),
                outputNorm: norm(base + "output.layernorm"))
        case .bert:
            let base = prefix + "encoder.layer.\(index)."
            return Layer(
                query: projection(base + "attention.self.query"), key: projection(base + "attention.self.key"),
                value: projection(base + "attention.self.value"),
                postAttention: projection(base + "attention.output.dense"),
                intermediate: projection(base + "intermediate.dense"),
                output: projection(base + "output.dense"),
                postAttentionNorm: norm(base + "attention.output.LayerNorm"),
                outputNorm: norm(base + "output.LayerNorm"))
        }
    }

    /// The checkpoint shape of a projection from `inputs` to `outputs` channels in `groups` groups.
    func projectionShape(inputs: Int, outputs: Int, groups: Int) -> [Int] {
        switch architecture {
        case .squeezebert: [outputs, inputs / groups, 1]
        case .bert: [outputs, inputs]
        }
    }

    private func projection(_ base: String) -> Projection {
        Projection(weight: base + ".weight", bias: base + ".bias")
    }

    private func norm(_ base: String) -> Norm {
        Norm(weight: base + ".weight", bias: base + ".bias")
    }
}
