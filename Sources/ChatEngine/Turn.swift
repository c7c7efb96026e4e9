import TextAnalysis

/// What the engine made of one user turn, and how long each stage took.

/// Milliseconds spent in each stage of a turn, measured with a monotonic clock.
public struct TurnTimings: Sendable, Equatable {
    public var tokenize: Double = 0
    public var encode: Double = 0
    /// Intent classification and sentiment.
    public var classify: Double = 0
    /// Choosing the reply.
    public var retrieve: Double = 0
    public var total: Double = 0

    public init() {}
}

/// One answered turn.
public struct Turn: Sendable, Equatable {
    public var text: String
    public var reply: String
    /// The recognised intent's name, or `Turn.outOfScope`.
    public var intent: String
    /// Confidence of the best intent (even when it fell under the threshold).
    public var confidence: Float
    /// The best intent when the turn was judged out of scope.
    public var nearestIntent: String?
    /// The out-of-scope topic whose refusal answered the turn (nil: an intent, or the general fallback).
    public var topic: String? = nil
    public var sentiment: Sentiment?
    public var timings: TurnTimings

    /// The intent name reported for turns the bot does not handle.
    public static let outOfScope = "out_of_scope"
    public var isOutOfScope: Bool { intent == Turn.outOfScope }
    /// The intent as badges and status bars show it: `out_of_scope/cooking` when a topic answered.
    public var intentLabel: String { topic.map { "\(intent)/\($0)" } ?? intent }
}
