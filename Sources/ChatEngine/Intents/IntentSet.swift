/// What the bot knows: intents with example utterances and responses, loaded from `intents/`.
///
/// The file format (YAML; JSON is accepted too, being YAML's subset) is documented in
/// `intents/README.md`. Several files in one folder merge into one set.

/// One thing a user may want, and what the bot says to it.
public struct Intent: Sendable, Equatable {
    /// Unique across the whole set, e.g. "greeting".
    public var name: String
    /// Utterances that mean this intent; the classifier learns from them.
    public var examples: [String]
    /// Replies; the one most similar to the user's turn is preferred.
    public var responses: [String]
    /// Replies used instead when the user's turn reads negative (optional).
    public var negativeResponses: [String]
    /// Replies used instead when the user's turn reads positive (optional).
    public var positiveResponses: [String]
    /// Where the intent was defined, `file:line`, for messages.
    public var source: String
    /// What the conversation adds: a title, an explanation, follow-ups and slots (see `DialogueSpec`).
    public var dialogue: DialogueSpec

    public init(name: String, examples: [String], responses: [String], negativeResponses: [String] = [],
                positiveResponses: [String] = [], source: String = "", dialogue: DialogueSpec = .init()) {
        self.name = name
        self.examples = examples
        self.responses = responses
        self.negativeResponses = negativeResponses
        self.positiveResponses = positiveResponses
        self.source = source
        self.dialogue = dialogue
    }
}

/// A merged set of intents plus the out-of-scope examples and fallback replies.
public struct IntentSet: Sendable, Equatable {
    public var intents: [Intent]
    /// Things the bot does not handle; they teach the out-of-scope detector. Every topic's
    /// examples are here too, after the general ones.
    public var outOfScopeExamples: [String]
    /// Kinds of out-of-scope request with a refusal of their own (cooking, maths, ...).
    public var topics: [OutOfScopeTopic] = []
    /// Replies when a turn is out of scope; they should say what the bot can do.
    public var fallbackResponses: [String]
    /// Overrides of the calibrated out-of-scope threshold, when a file sets one.
    public var confidenceThreshold: Float?
    /// Follow-ups that may come right after any intent (such as "why?").
    public var followUps: [FollowUp] = []
    /// When to ask "Did you mean ...?", when a file fixes it instead of the calibration.
    public var clarify: ClarifyPolicy?

    public init(intents: [Intent], outOfScopeExamples: [String] = [], fallbackResponses: [String] = [],
                confidenceThreshold: Float? = nil) {
        self.intents = intents
        self.outOfScopeExamples = outOfScopeExamples
        self.fallbackResponses = fallbackResponses
        self.confidenceThreshold = confidenceThreshold
    }

    /// The intent called `name`, if any.
    public func intent(named name: String) -> Intent? { intents.first { $0.name == name } }
}

/// A kind of request the bot does not handle, with replies that say so and what it can do instead.
/// Its examples teach the out-of-scope detector like any other out-of-scope example; a topic is
/// never an intent.
public struct OutOfScopeTopic: Sendable, Equatable {
    /// Unique across the whole set, e.g. "cooking".
    public var name: String
    public var examples: [String]
    public var responses: [String]
    /// Where the topic was defined, `file:line`, for messages.
    public var source: String

    public init(name: String, examples: [String], responses: [String], source: String = "") {
        self.name = name
        self.examples = examples
        self.responses = responses
        self.source = source
    }
}

/// A problem in an intent file: the file, the line when known, and what is wrong.
public struct IntentFileError: Error, Equatable, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let problem: String

    public init(file: String, line: Int?, _ problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { line.map { "\(file):\($0): \(problem)" } ?? "\(file): \(problem)" }
}
