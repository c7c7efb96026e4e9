import Foundation

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
    /// P(neutral) from the analyzer's neutral head (averaged over windows like the probabilities);
    /// nil when it has none.
    public var neutralProbability: Float?

    public init(text: String, label: String, score: Float, labels: [String], probabilities: [Float],
                logits: [Float], windows: Int = 1, neutralProbability: Float? = nil) {
        self.text = text
        self.label = label
        self.score = score
        self.labels = labels
        self.probabilities = probabilities
        self.logits = logits
        self.windows = windows
        self.neutralProbability = neutralProbability
    }

    /// How strongly this result supports `label`: the probability of one of `labels`; for any
    /// other (the neutral label), P(neutral) from the neutral head, else how unsure the head is
    /// (1 minus its top probability, which the neutral band compares).
    public func support(for label: String) -> Float {
        if let index = labels.firstIndex(of: label) { return probabilities[index] }
        if let neutralProbability { return neutralProbability }
        return 1 - (probabilities.max() ?? 0)
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
