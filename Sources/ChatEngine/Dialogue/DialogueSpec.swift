import Foundation

/// What an intent file says about the conversation, beside the intent's examples and replies: a
/// title for questions, an explanation for "why?", follow-ups that only mean something right after
/// the intent (Dialogflow's follow-up intents, Rasa's contexts), and slots filled from its turns.
/// The format is in `intents/README.md`.

/// An intent's conversational keys, all optional.
public struct DialogueSpec: Sendable, Equatable {
    /// How the bot names the intent when it asks "Did you mean ...?" (else the name made readable).
    public var title: String?
    /// Replies to "why?" right after the intent.
    public var explanation: [String]
    /// Turns that mean something only right after this intent.
    public var followUps: [FollowUp]
    /// Slots filled from the turns answered as this intent.
    public var slots: [SlotFilling]

    public init(title: String? = nil, explanation: [String] = [], followUps: [FollowUp] = [], slots: [SlotFilling] = []) {
        self.title = title
        self.explanation = explanation
        self.followUps = followUps
        self.slots = slots
    }
}

/// Examples that match only while a context is open, and how to answer them.
public struct FollowUp: Sendable, Equatable {
    /// How a matched follow-up is answered.
    public enum Answer: Sendable, Equatable {
        /// Its own replies.
        case responses([String])
        /// The intent whose context is open, again, with a different reply ("another one").
        case previous
        /// The open intent's explanation; the follow-up does not match when it has none ("why?").
        case explanation
        /// Another intent, by name ("thanks" after help is thanks).
        case intent(String)
    }

    public var examples: [String]
    public var answer: Answer
    /// Turns the context stays open after its intent is answered: 1 means only the very next turn.
    public var lifespan: Int
    /// `file:line`, for messages.
    public var source: String

    public init(examples: [String], answer: Answer, lifespan: Int = 1, source: String = "") {
        self.examples = examples
        self.answer = answer
        self.lifespan = lifespan
        self.source = source
    }
}

/// A slot and the patterns that capture it, such as `name` from "call me {name}".
public struct SlotFilling: Sendable, Equatable {
    public var name: String
    public var patterns: [SlotPattern]
    public var source: String

    public init(name: String, patterns: [SlotPattern], source: String = "") {
        self.name = name
        self.patterns = patterns
        self.source = source
    }

    /// The value the first matching pattern captures from `text`, if any.
    public func capture(from text: String) -> String? {
        let words = SlotPattern.words(text)
        for pattern in patterns { if let value = pattern.capture(in: words) { return value } }
        return nil
    }
}

/// Literal words with one placeholder, matched word by word (case-insensitive) anywhere in a turn;
/// the placeholder takes one word, as the user wrote it.
public struct SlotPattern: Sendable, Equatable {
    /// The pattern as written, e.g. "my name is {name}".
    public let text: String
    /// Lower-cased words, with nil at the placeholder.
    let parts: [String?]

    /// nil unless `text` has exactly one placeholder `{slot}`, as a whole word, and a literal word.
    public init?(_ text: String, slot: String) {
        var parts: [String?] = []
        for word in SlotPattern.words(text).map(\.lower) {
            if word == "{\(slot)}" { parts.append(nil) } else if word.contains("{") || word.contains("}") { return nil } else { parts.append(word) }
        }
        guard parts.filter({ $0 == nil }).count == 1, parts.count > 1 else { return nil }
        self.text = text
        self.parts = parts
    }

    /// Words a captured value is never taken to be ("they call me the boss" captures nothing).
    static let notValues: Set<String> = ["a", "an", "the", "not", "so", "very", "just", "really", "here", "back", "please",
                                         "and", "but", "or", "you", "me", "it", "that", "this"]

    func capture(in words: [(original: String, lower: String)]) -> String? {
        guard words.count >= parts.count else { return nil }
        for start in 0...(words.count - parts.count) {
            var value: String?
            var matched = true
            for (offset, part) in parts.enumerated() {
                let word = words[start + offset]
                if let part {
                    if word.lower != part { matched = false; break }
                } else if word.original.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "'" }),
                          word.original.first?.isLetter == true, !Self.notValues.contains(word.lower) {
                    value = word.original
                } else {
                    matched = false; break
                }
            }
            if matched, let value { return value }
        }
        return nil
    }

    /// Words split on white space, with the punctuation around them removed (inner apostrophes kept).
    static func words(_ text: String) -> [(original: String, lower: String)] {
        text.split(whereSeparator: { $0.isWhitespace }).compactMap { raw in
            let word = raw.trimmingCharacters(in: CharacterSet.punctuationCharacters.union(.symbols).subtracting(CharacterSet(charactersIn: "{}")))
            return word.isEmpty ? nil : (word, word.lowercased())
        }
    }
}

/// The `{slot}` placeholders in a reply.
enum ReplyTemplate {
    /// Slot names used in `text`, in order.
    static func slots(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { names.append(String(name)) }
            rest = after[after.index(after: close)...]
        }
        return names
    }

    /// `text` with each `{slot}` replaced by its value.
    static func fill(_ text: String, _ slots: [String: String]) -> String {
        var filled = text
        for (name, value) in slots { filled = filled.replacingOccurrences(of: "{\(name)}", with: value) }
        return filled
    }
}

extension Intent {
    /// The title the bot uses for the intent in questions: the file's, else the name with spaces.
    public var title: String {
        dialogue.title ?? name.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
    }
}
