import Foundation
import Yams

/// The conversational keys of intent files (`title`, `explanation`, `follow_ups`, `slots` on an
/// intent; `follow_ups` at the top level), read and checked apart from the rest of the format.
///
///     intents:
///       - name: joke
///         title: a joke                       # how "Did you mean ...?" names it
///         explanation: ["Because ..."]        # the reply to "why?" right after it
///         follow_ups:                         # turns that match only right after it
///           - examples: [another one, one more]
///             answer: previous                # or: explanation, an intent's name, or responses: [...]
///             lifespan: 1                     # optional: turns the context stays open (1 to 5)
///       - name: user_name
///         slots:
///           name: ["call me {name}", "my name is {name}"]   # filled from turns answered as user_name
///         responses: ["Nice to meet you, {name}!", "Nice to meet you!"]
///     follow_ups:                             # after any intent
///       - examples: [why?, how come]
///         answer: explanation
///     clarify: {gap: 0.05, band: 0.1}         # optional: when to ask "Did you mean ...?" (else calibrated)
extension NodeReader {
    /// Keys an intent may hold besides its examples and replies.
    static let dialogueIntentKeys: Set<String> = ["title", "explanation", "follow_ups", "slots"]
    /// Keys a file may hold besides `intents` and `out_of_scope`.
    static let dialogueFileKeys: Set<String> = ["follow_ups", "clarify"]
    /// Words `answer` gives a meaning of its own; any other word names an intent.
    static let answerWords: Set<String> = ["previous", "explanation"]
    static let lifespans = 1...5

    /// The file's top-level `follow_ups` and `clarify`.
    func dialogueSections(_ top: Node.Mapping, into set: inout IntentSet) throws {
        if let node = top["follow_ups"] { set.followUps = try followUps(node, owner: "") }
        if let node = top["clarify"] {
            guard let mapping = node.mapping else { throw fail(node, "\"clarify\" must be a mapping with \"gap\" and \"band\"") }
            try allowOnly(["gap", "band"], in: mapping, at: node)
            func number(_ key: String) throws -> Float {
                guard let value = mapping[key] else { throw fail(node, "\"clarify\" needs \"\(key)\"") }
                guard let number = value.float, number >= 0, number <= 1 else {
                    throw fail(value, "\"clarify\" \"\(key)\" must be a number from 0 to 1")
                }
                return Float(number)
            }
            set.clarify = ClarifyPolicy(gap: try number("gap"), band: try number("band"))
        }
    }

    /// The conversational keys of the intent at `node`.
    func dialogue(_ mapping: Node.Mapping, at node: Node, owner: String) throws -> DialogueSpec {
        var spec = DialogueSpec()
        if let title = mapping["title"] {
            guard case .scalar(let scalar) = title, !scalar.string.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail(title, "\(owner)\"title\" must be a non-empty string")
            }
            spec.title = scalar.string.trimmingCharacters(in: .whitespaces)
        }
        if let explanation = mapping["explanation"] {
            if case .scalar(let scalar) = explanation {
                let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw fail(explanation, "\(owner)\"explanation\" is empty") }
                spec.explanation = [text]
            } else {
                spec.explanation = try strings(explanation, "explanation", required: true, owner: owner)
            }
        }
        if let followUps = mapping["follow_ups"] { spec.followUps = try self.followUps(followUps, owner: owner) }
        if let slots = mapping["slots"] { spec.slots = try self.slots(slots, owner: owner) }
        // A reply that names a slot is said only once the slot is filled, so each list needs one that names none.
        for key in ["responses", "when_negative", "when_positive", "explanation"] {
            guard let list = mapping[key], let items = list.sequence else { continue }
            let texts = items.compactMap(\.string)
            if texts.contains(where: { !ReplyTemplate.slots(in: $0).isEmpty }),
               !texts.contains(where: { ReplyTemplate.slots(in: $0).isEmpty }) {
                throw fail(list, "\(owner)every reply in \"\(key)\" names a slot; add one that names none, for before the slot is filled")
            }
        }
        return spec
    }

    /// A list of follow-ups: each `examples` and one of `answer` or `responses`, and maybe `lifespan`.
    func followUps(_ node: Node, owner: String) throws -> [FollowUp] {
        guard let items = node.sequence, !items.isEmpty else {
            throw fail(node, "\(owner)\"follow_ups\" must be a non-empty list of mappings")
        }
        return try items.map { item in
            guard let mapping = item.mapping else {
                throw fail(item, "\(owner)each follow-up must be a mapping with \"examples\" and \"answer\" or \"responses\"")
            }
            try allowOnly(["examples", "answer", "responses", "lifespan"], in: mapping, at: item)
            guard let examplesNode = mapping["examples"] else { throw fail(item, "\(owner)follow-up without \"examples\"") }
            let examples = try strings(examplesNode, "examples", required: true, owner: owner)
            let answer: FollowUp.Answer
            switch (mapping["answer"], mapping["responses"]) {
            case (let node?, nil):
                guard case .scalar(let scalar) = node, !scalar.string.isEmpty,
                      scalar.string.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                    throw fail(node, "\(owner)follow-up \"answer\" must be previous, explanation or an intent's name")
                }
                switch scalar.string {
                case "previous": answer = .previous
                case "explanation": answer = .explanation
                default: answer = .intent(scalar.string)
                }
            case (nil, let node?):
                answer = .responses(try strings(node, "responses", required: true, owner: owner))
            default:
                throw fail(item, "\(owner)a follow-up needs exactly one of \"answer\" or \"responses\"")
            }
            var lifespan = 1
            if let node = mapping["lifespan"] {
                guard let value = node.int, Self.lifespans.contains(value) else {
                    throw fail(node, "\(owner)follow-up \"lifespan\" must be a whole number of turns from 1 to 5")
                }
                lifespan = value
            }
            return FollowUp(examples: examples, answer: answer, lifespan: lifespan, source: "\(file):\(item.mark?.line ?? 0)")
        }
    }

    /// A mapping of slot names to their capture patterns.
    func slots(_ node: Node, owner: String) throws -> [SlotFilling] {
        guard let mapping = node.mapping, !mapping.isEmpty else {
            throw fail(node, "\(owner)\"slots\" must be a mapping of slot names to patterns")
        }
        return try mapping.map { key, value in
            guard let name = key.string, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw fail(key, "\(owner)slot names are words of letters, digits and _")
            }
            guard let items = value.sequence, !items.isEmpty else {
                throw fail(value, "\(owner)slot \"\(name)\" needs a list of patterns such as \"call me {\(name)}\"")
            }
            let patterns = try items.map { item in
                guard let text = item.string, let pattern = SlotPattern(text, slot: name) else {
                    throw fail(item, "\(owner)slot \"\(name)\": a pattern is words with {\(name)} once, as a word of its own, "
                                + "such as \"call me {\(name)}\"")
                }
                return pattern
            }
            return SlotFilling(name: name, patterns: patterns, source: "\(file):\(key.mark?.line ?? 0)")
        }
    }
}

extension IntentLoader {
    /// Names that must resolve across all files: the intents follow-ups answer as, and the slots replies use.
    static func checkDialogueReferences(_ set: IntentSet) throws {
        let names = Set(set.intents.map(\.name))
        let slots = Set(set.intents.flatMap { $0.dialogue.slots.map(\.name) })
        for followUp in set.followUps + set.intents.flatMap(\.dialogue.followUps) {
            if case .intent(let target) = followUp.answer, !names.contains(target) {
                throw IntentFileError(file: file(of: followUp.source), line: line(of: followUp.source),
                                      "follow-up answers as \"\(target)\", which no intent is called "
                                      + "(answer is previous, explanation or an intent's name)")
            }
        }
        for intent in set.intents {
            var replies = intent.responses + intent.negativeResponses + intent.positiveResponses + intent.dialogue.explanation
            for followUp in intent.dialogue.followUps { if case .responses(let texts) = followUp.answer { replies += texts } }
            for reply in replies {
                for slot in ReplyTemplate.slots(in: reply) where !slots.contains(slot) {
                    throw IntentFileError(file: file(of: intent.source), line: line(of: intent.source),
                                          "intent \"\(intent.name)\": a reply uses {\(slot)}, a slot no intent fills")
                }
            }
        }
    }

    static func file(of source: String) -> String {
        guard let colon = source.lastIndex(of: ":") else { return source }
        return String(source[..<colon])
    }
}
