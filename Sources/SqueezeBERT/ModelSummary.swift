import Foundation

/// What a loaded model is and what it costs, as its config and checkpoint imply: the facts behind
/// the chat's `/model`, its start-up banner and `bench --compare`. Parameters are counted here
/// and nowhere else.
public struct ModelSummary: Sendable {
    /// The model folder's name, e.g. "squeezechat-sentiment".
    public let name: String
    /// The model folder.
    public let folder: URL
    /// The encoder's shape, groups and labels, from `config.json`.
    public let config: EncoderConfig
    /// Whether the checkpoint has `pooler.dense` (sentence-embedding checkpoints may not).
    public let hasPooler: Bool
    /// Whether the checkpoint has a classification head.
    public let hasClassifier: Bool
    /// The precision the weights are held in.
    public let precision: Precision
    /// Bytes of `model.safetensors`.
    public let fileBytes: Int

    /// The summary of a loaded model.
    public init(_ model: EncoderModel) {
        name = model.name
        folder = model.folder
        config = model.config
        hasPooler = model.encoder.pooler != nil
        hasClassifier = model.encoder.hasClassifier
        precision = model.encoder.precision
        let weights = model.folder.appendingPathComponent("model.safetensors").path
        fileBytes = (try? FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int) ?? 0
    }

    // MARK: parameters, as PyTorch counts them

    /// Word, position and token-type tables plus the embeddings LayerNorm.
    public var embeddingParameters: Int {
        let C = config.hiddenSize
        return (config.vocabSize + config.maxPositions + config.typeVocabSize) * C + 2 * C
    }

    /// One encoder layer: six (grouped) projections with biases, two LayerNorms.
    public var layerParameters: Int {
        let C = config.hiddenSize, I = config.intermediateSize
        let biases = 4 * C + I + C
        return projectionWeightsPerLayer + biases + 2 * 2 * C
    }

    /// Every encoder layer.
    public var encoderParameters: Int { config.layerCount * layerParameters }

    /// Pooler (dense C -> C) when the checkpoint has one.
    public var poolerParameters: Int { hasPooler ? config.hiddenSize * config.hiddenSize + config.hiddenSize : 0 }

    /// Classifier (C -> labels) when the checkpoint has one.
    public var classifierParameters: Int { hasClassifier ? (config.hiddenSize + 1) * config.labels.count : 0 }

    /// Every parameter of the model.
    public var totalParameters: Int {
        embeddingParameters + encoderParameters + poolerParameters + classifierParameters
    }

    // MARK: FLOPs

    /// FLOPs per token of the six projections of every layer: 2 * K * N / G each (a multiply and
    /// an add per kept weight). Independent of the sequence length.
    public var projectionFlopsPerToken: Int { 2 * config.layerCount * projectionWeightsPerLayer }

    /// FLOPs per token of attention at `tokens` tokens: per layer, Q K^T is 2 * T * C per query
    /// token (T keys, head size C/H, H heads) and probabilities x V the same, so 4 * T * C.
    public func attentionFlopsPerToken(tokens T: Int) -> Int {
        4 * config.layerCount * T * config.hiddenSize
    }

    /// Projection and attention FLOPs per token at `tokens` tokens.
    public func flopsPerToken(tokens: Int) -> Int { projectionFlopsPerToken + attentionFlopsPerToken(tokens: tokens) }

    /// The weights of one layer's six projections, each K * N / G.
    private var projectionWeightsPerLayer: Int {
        let C = config.hiddenSize, I = config.intermediateSize, g = config.groups
        return C * C / g.query + C * C / g.key + C * C / g.value + C * C / g.postAttention
            + C * I / g.intermediate + I * C / g.output
    }
}
