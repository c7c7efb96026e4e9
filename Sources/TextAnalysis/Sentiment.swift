import Foundation
import SqueezeBERT

/// The sentiment of one text, as `SentimentAnalyzer` reports it.
public struct Sentiment: Sendable, Equatable {
    /// The text that was scored.
    public var text: String
    /// The decided label: one of the head's labels, or `neutral` (from the neutral head or the
    /// uncertainty band).
    public var label: String
    /// The head's top probability, in 0...1: the confidence behind `label` (for `neutral`, the
    /// probability of the leaning that was not strong enough).
    public var score: Float
    /// The head's labels, in logit order (e.g. ["negative", "positive"]).
    public var labels: [String]
    /// The probability of each of `labels`.
    public var probabilities: [Float]
    /// The head's raw logits (averaged over windows for long texts).
    public var logits: [Float]
    /// How many model windows the text was scored over: 1, or more when it was longer than the
    /// model's window and its windows' results were combined.
    public var windows: Int

    public init(text: String, label: String, score: Float, labels: [String], probabilities: [Float],
                logits: [Float], windows: Int = 1) {
        self.text = text
        self.label = label
        self.score = score
        self.labels = labels
        self.probabilities = probabilities
        self.logits = logits
        self.windows = windows
    }
}

/// When a binary head's result counts as neutral.
public struct NeutralBand: Sendable, Equatable {
    /// A text is neutral when its top probability is below this.
    public var below: Float
    /// The label to report.
    public var label: String

    public init(below: Float, label: String = "neutral") {
        self.below = below
        self.label = label
    }
}

/// When a binary head's result counts as neutral, asked directly: a logistic regression over the
/// normalised mean-pooled sentence embedding and the binary head's margin m (logit of the second
/// label minus the first), P(neutral) = sigmoid(weights . embedding + absMargin |m| + margin m + bias).
/// A text is neutral when P(neutral) > `above`; otherwise the binary head gives the direction.
/// Fitted by training/neutral_head.py; it replaces the band where a model folder stores one.
public struct NeutralHead: Sendable, Equatable {
    /// One weight per embedding dimension.
    public var weights: [Float]
    /// The weight of |m|.
    public var absMargin: Float
    /// The weight of m.
    public var margin: Float
    public var bias: Float
    /// Neutral when P(neutral) is above this.
    public var above: Float
    /// The label to report.
    public var label: String

    public init(weights: [Float], absMargin: Float, margin: Float, bias: Float, above: Float, label: String = "neutral") {
        self.weights = weights
        self.absMargin = absMargin
        self.margin = margin
        self.bias = bias
        self.above = above
        self.label = label
    }

    /// P(neutral) for one text (or window): its normalised mean-pooled embedding and the binary
    /// head's logits.
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        let m = logits.count == 2 ? logits[1] - logits[0] : 0
        let z = bias + absMargin * abs(m) + margin * m
            + Kernels.dot(weights, embedding, count: min(weights.count, embedding.count))
        return 1 / (1 + Foundation.exp(-z))
    }
}
