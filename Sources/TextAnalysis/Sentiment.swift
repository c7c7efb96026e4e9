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
