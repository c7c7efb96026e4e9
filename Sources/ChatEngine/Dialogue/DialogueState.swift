/// The conversation's short memory, as Rasa's tracker and Dialogflow's contexts keep it: the
/// intents just answered (each an open context for its lifespan in turns), the slots filled so far,
/// the question the bot just asked, and its previous reply. A plain value: a `ChatSession` holds
/// one, and `ChatEngine.respond(to:state:)` reads it and leaves the next one in its place.
public struct DialogueState: Sendable, Equatable {
    /// An intent answered recently, whose follow-ups may match while it is open.
    public struct Context: Sendable, Equatable {
        /// The intent's index in the engine's set.
        public var intent: Int
        /// 0 when the intent answered the previous turn, 1 the one before, and so on.
        public var turnsAgo: Int
        /// Turns the context stays open: the longest lifespan of the follow-ups that may match in it.
        public var lifespan: Int
    }

    /// Open contexts, the most recent first.
    public var contexts: [Context] = []
    /// Slot values, by slot name, kept for the whole conversation.
    public var slots: [String: String] = [:]
    /// The question the bot asked last turn, which the next turn may answer.
    public var question: Clarification?
    /// The bot's previous reply, never repeated back to back.
    public var previousReply: String?

    public init(previousReply: String? = nil) { self.previousReply = previousReply }

    /// Ages every context by one turn, dropping those whose lifespan is over.
    mutating func age() {
        contexts = contexts.compactMap { context in
            var older = context
            older.turnsAgo += 1
            return older.turnsAgo < older.lifespan ? older : nil
        }
    }

    /// Opens `intent`'s context, as the most recent, for `lifespan` turns.
    mutating func open(_ intent: Int, lifespan: Int) {
        contexts.removeAll { $0.intent == intent }
        contexts.insert(Context(intent: intent, turnsAgo: 0, lifespan: lifespan), at: 0)
    }
}

/// A "Did you mean ...?" question the bot asked, kept until the next turn.
public struct Clarification: Sendable, Equatable {
    /// The intents offered, in the order they were numbered.
    public var options: [Int]
    /// The asked turn, its embedding and sentiment, so a picked intent is answered as if that turn had been.
    var text: String
    var embedding: [Float]
    var sentiment: String?
}

/// How the memory shaped a turn, for `ask --json` and the screen.
public struct TurnContext: Sendable, Equatable {
    /// What decided the answer.
    public enum Route: String, Sendable, Equatable {
        /// The classifier alone, as without memory.
        case classifier
        /// A follow-up of an open context matched.
        case followUp = "follow_up"
        /// The turn picked one of the intents the bot asked about.
        case pick
        /// The turn said none of the intents the bot asked about was meant.
        case declined
        /// The bot asked which intent was meant instead of answering.
        case clarify
    }

    /// The contexts open when the turn came in (intent names, the most recent first).
    public var open: [String] = []
    /// The intents of the question this turn replied to, if the bot had asked one.
    public var asked: [String] = []
    public var route: Route = .classifier
    /// With `.followUp`: the open intent it followed, and the follow-up example it matched best.
    public var followed: String?
    public var matched: String?
    /// Slot values known after the turn.
    public var slots: [String: String] = [:]

    public init() {}
}
