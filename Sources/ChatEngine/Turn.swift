import TextAnalysis

/// What the engine made of one user turn, and how long each stage took.

/// Milliseconds spent in each stage of a turn, measured with a monotonic clock.
public struct TurnTimings: Sendable, Equatable {
    public var tokenize: Double = 0
    public var encode: Double = 0
    /// Intent classification and sentiment.
    public var classify: Double = 0
    /// The conversation's memory: a pending question, follow-ups, slots, whether to ask.
    public var memory: Double = 0
    /// Choosing the reply.
    public var retrieve: Double = 0
    public var total: Double = 0

    public init() {}
}

/// One answered turn.
public struct Turn: Sendable, Equatable {
    public var text: String
    public var reply: String
    /// The recognised intent's name, `Turn.outOfScope`, or `Turn.asking` when the bot asked back.
    public var intent: String
    /// Confidence of the best intent (even when it fell under the threshold); for a follow-up, its
    /// similarity to the turn; 1 for an intent picked from a question.
    public var confidence: Float
    /// The best intent when the turn was judged out of scope.
    public var nearestIntent: String?
    /// The out-of-scope topic whose refusal answered the turn (nil: an intent, or the general fallback).
    public var topic: String? = nil
    public var sentiment: Sentiment?
    public var timings: TurnTimings
    /// The intents the bot asked about instead of answering ("Did you mean ...?"), best first; empty when it answered.
    public var clarify: [ClarifyOption] = []
    /// How the conversation's memory shaped the turn.
    public var context = TurnContext()

    /// The intent name reported for turns the bot does not handle.
    public static let outOfScope = "out_of_scope"
    /// The intent name reported for turns the bot asked about instead of answering.
    public static let asking = "clarify"
    public var isOutOfScope: Bool { intent == Turn.outOfScope }
    /// Whether the bot asked which intent was meant instead of answering.
    public var isQuestion: Bool { !clarify.isEmpty }
    /// The intent as badges and status bars show it: `out_of_scope/cooking` when a topic answered.
    public var intentLabel: String { topic.map { "\(intent)/\($0)" } ?? intent }
}

/// One intent offered in a "Did you mean ...?" question.
public struct ClarifyOption: Sendable, Equatable {
    public var intent: String
    public var title: String
    /// Its mixed probability for the asked turn.
    public var confidence: Float

    public init(intent: String, title: String, confidence: Float) {
        self.intent = intent
        self.title = title
        self.confidence = confidence
    }
}
