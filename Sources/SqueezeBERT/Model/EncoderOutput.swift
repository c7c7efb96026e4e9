import Foundation

/// What one forward pass produces for a batch.
public struct EncoderOutput: Sendable {
    public let batchSize: Int
    public let sequenceLength: Int
    public let hiddenSize: Int
    /// Real (unpadded) tokens per sequence.
    public let lengths: [Int]
    /// (B, T, C): the last layer's output (a forked model's ordinary layers, never its branch).
    public let lastHiddenState: [Float]
    /// When requested: the embeddings output, then each layer's output, each (B, T, C).
    public let hiddenStates: [[Float]]
    /// (B, C): dense + tanh on the first token; nil without a pooler. A forked model's is its
    /// sentiment branch's, on the branch's output.
    public let pooled: [Float]?
    /// (B, L): classification logits; nil without a classifier head (a forked model's: the branch's).
    public let logits: [Float]?
    /// Names of the L classes, in logit order.
    public let labels: [String]
}

/// How token vectors become one sentence vector.
public enum Pooling: String, Sendable, CaseIterable {
    /// Masked mean over the real tokens (sentence-transformers' default).
    case mean
    /// The first token's ([CLS]) last hidden state.
    case cls
}

extension EncoderOutput {
    /// The sentence embedding of sequence `b`, optionally L2-normalised.
    public func sentenceEmbedding(_ b: Int, pooling: Pooling = .mean, normalize: Bool = false) -> [Float] {
        let C = hiddenSize, base = b * sequenceLength * C
        var vector = [Float](repeating: 0, count: C)
        switch pooling {
        case .cls:
            for c in 0..<C { vector[c] = lastHiddenState[base + c] }
        case .mean:
            let count = lengths[b]
            for t in 0..<count {
                let row = base + t * C
                for c in 0..<C { vector[c] += lastHiddenState[row + c] }
            }
            let inverse = 1 / Float(max(count, 1))
            for c in 0..<C { vector[c] *= inverse }
        }
        if normalize {
            var squares: Float = 0
            for value in vector { squares += value * value }
            // sentence-transformers' Normalize clamps the norm at 1e-12.
            let inverse = 1 / max(squares.squareRoot(), 1e-12)
            for c in 0..<C { vector[c] *= inverse }
        }
        return vector
    }

    /// Every sequence's sentence embedding.
    public func sentenceEmbeddings(pooling: Pooling = .mean, normalize: Bool = false) -> [[Float]] {
        (0..<batchSize).map { sentenceEmbedding($0, pooling: pooling, normalize: normalize) }
    }

    /// Class probabilities (softmax of the logits) of sequence `b`; nil without a classifier.
    public func probabilities(_ b: Int) -> [Float]? {
        guard let logits else { return nil }
        let L = labels.count
        var row = Array(logits[(b * L)..<((b + 1) * L)])
        row.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, rows: 1, columns: L) }
        return row
    }
}
