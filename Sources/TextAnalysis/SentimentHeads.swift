import Foundation
import SqueezeBERT

/// A logistic regression over what one encoder pass already has for a text: its normalised
/// mean-pooled sentence embedding and the binary head's margin m (logit of the second label minus
/// the first): P = sigmoid(weights . embedding + absMargin |m| + margin m + bias).
/// It costs one dot product per text, so the chat can afford it on every turn.
public struct LogisticHead: Sendable, Equatable {
    /// One weight per embedding dimension.
    public var weights: [Float]
    /// The weight of |m|.
    public var absMargin: Float
    /// The weight of m.
    public var margin: Float
    public var bias: Float

    public init(weights: [Float], absMargin: Float = 0, margin: Float, bias: Float) {
        self.weights = weights
        self.absMargin = absMargin
        self.margin = margin
        self.bias = bias
    }

    /// P for one text (or window): its normalised mean-pooled embedding and the binary head's logits.
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        let m = logits.count == 2 ? logits[1] - logits[0] : 0
        let z = bias + absMargin * abs(m) + margin * m
            + Kernels.dot(weights, embedding, count: min(weights.count, embedding.count))
        return 1 / (1 + Foundation.exp(-z))
    }
}

/// When a binary head's result counts as neutral, asked directly: P(neutral) from a
/// `LogisticHead`; a text is neutral when P(neutral) > `above`. Fitted by
/// training/neutral_head.py; it replaces the band where a model folder stores one.
public struct NeutralHead: Sendable, Equatable {
    public var head: LogisticHead
    /// Neutral when P(neutral) is above this.
    public var above: Float
    /// The label to report.
    public var label: String

    public init(weights: [Float], absMargin: Float, margin: Float, bias: Float, above: Float, label: String = "neutral") {
        head = LogisticHead(weights: weights, absMargin: absMargin, margin: margin, bias: bias)
        self.above = above
        self.label = label
    }

    public var weights: [Float] { head.weights }

    /// P(neutral) for one text (or window).
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        head.probability(embedding: embedding, logits: logits)
    }
}

/// The direction of a binary result, re-read from the same encoder pass: P(second label) from a
/// `LogisticHead` over the embedding and the margin, fitted on tweets and SST-2 phrases together
/// (training/direction_head.py), so that text unlike the classifier's movie-review training data
/// gets a better-calibrated direction. Where a model folder stores one, it gives the binary
/// probabilities instead of the softmax of the logits.
public struct DirectionHead: Sendable, Equatable {
    public var head: LogisticHead

    public init(weights: [Float], margin: Float, bias: Float) {
        head = LogisticHead(weights: weights, margin: margin, bias: bias)
    }

    public var weights: [Float] { head.weights }

    /// P(second label) for one text (or window); the first label's is 1 minus it.
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        head.probability(embedding: embedding, logits: logits)
    }
}
