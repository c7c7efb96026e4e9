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
    /// Whether the checkpoint has `pooler.dense` (sentence-embedding checkpoints may not); a
    /// forked model's pooler is its sentiment branch's.
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
    public var layerParameters: Int { parameters(of: config.groups) }

    /// One layer of the sentiment branch (its own groups); 0 for a plain model.
    public var branchLayerParameters: Int { config.sentimentBranch.map { parameters(of: $0.groups) } ?? 0 }

    /// The sentiment branch's layers (not its pooler and classifier); 0 for a plain model.
    public var branchParameters: Int { config.branchLayerCount * branchLayerParameters }

    /// Every encoder layer, the sentiment branch's included.
    public var encoderParameters: Int { config.layerCount * layerParameters + branchParameters }

    /// Pooler (dense C -> C) when the checkpoint has one.
    public var poolerParameters: Int { hasPooler ? config.hiddenSize * config.hiddenSize + config.hiddenSize : 0 }

    /// Classifier (C -> labels) when the checkpoint has one.
    public var classifierParameters: Int { hasClassifier ? (config.hiddenSize + 1) * config.labels.count : 0 }

    /// Every parameter of the model.
    public var totalParameters: Int {
        embeddingParameters + encoderParameters + poolerParameters + classifierParameters
    }

    // MARK: FLOPs

    /// FLOPs per token of the six projections of every layer (the sentiment branch's included):
    /// 2 * K * N / G each (a multiply and an add per kept weight). Independent of the sequence length.
    public var projectionFlopsPerToken: Int {
        let branch = config.sentimentBranch.map { config.branchLayerCount * projectionWeights($0.groups) } ?? 0
        return 2 * (config.layerCount * projectionWeights(config.groups) + branch)
    }

    /// FLOPs per token of attention at `tokens` tokens: per layer (the branch's included), Q K^T is
    /// 2 * T * C per query token (T keys, head size C/H, H heads) and probabilities x V the same, so 4 * T * C.
    public func attentionFlopsPerToken(tokens T: Int) -> Int {
        4 * (config.layerCount + config.branchLayerCount) * T * config.hiddenSize
    }

    /// Projection and attention FLOPs per token at `tokens` tokens.
    public func flopsPerToken(tokens: Int) -> Int { projectionFlopsPerToken + attentionFlopsPerToken(tokens: tokens) }

    /// The parameters of one layer cut into `groups`: projections, their biases, two LayerNorms.
    private func parameters(of groups: EncoderConfig.Groups) -> Int {
        let C = config.hiddenSize, I = config.intermediateSize
        let biases = 4 * C + I + C
        return projectionWeights(groups) + biases + 2 * 2 * C
    }

    /// The weights of one layer's six projections, each K * N / G.
    private func projectionWeights(_ g: EncoderConfig.Groups) -> Int {
        let C = config.hiddenSize, I = config.intermediateSize
        return C * C / g.query + C * C / g.key + C * C / g.value + C * C / g.postAttention
            + C * I / g.intermediate + I * C / g.output
    }

    // MARK: description

    /// The sentiment branch in one line, for model descriptions; nil for a plain model. E.g.
    /// "layers 4-5 duplicated from layer 4's input, groups 4/4/4/1/4/4 (q/k/v/post/int/out)".
    public var sentimentBranchText: String? {
        guard let branch = config.sentimentBranch else { return nil }
        let g = branch.groups
        let groups = [g.query, g.key, g.value, g.postAttention, g.intermediate, g.output].map(String.init)
            .joined(separator: "/")
        let last = config.layerCount - 1
        let span = branch.fromLayer == last ? "layer \(last)" : "layers \(branch.fromLayer)-\(last)"
        return "\(span) duplicated for the sentiment head, groups \(groups) (q/k/v/post/int/out)"
    }
}
