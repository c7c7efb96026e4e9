import Foundation
import SqueezeBERT

/// Replies of one list with their embeddings and the slots each names.
struct ReplyList: Sendable {
    var texts: [String]
    var embeddings: [[Float]]
    var slots: [[String]]

    init(_ texts: [String], _ embeddings: [[Float]]) {
        self.texts = texts
        self.embeddings = embeddings
        slots = texts.map(ReplyTemplate.slots(in:))
    }

    var isEmpty: Bool { texts.isEmpty }

    /// The reply most similar to the turn among those whose slots are all filled, preferring the
    /// ones that use a slot (they say more), never `avoiding` when another exists; slots filled in.
    func choose(similarTo embedding: [Float], slots values: [String: String], avoiding: String?) -> String {
        var usable = texts.indices.filter { slots[$0].allSatisfy { values[$0] != nil } }
        if usable.contains(where: { !slots[$0].isEmpty }) { usable = usable.filter { !slots[$0].isEmpty } }
        if usable.isEmpty { usable = Array(texts.indices) }
        var best = -1
        var bestSimilarity = -Float.infinity
        for index in usable {
            let text = slots[index].isEmpty ? texts[index] : ReplyTemplate.fill(texts[index], values)
            if text == avoiding && usable.count > 1 { continue }
            let vector = embeddings[index]
            let dot = Kernels.dot(vector, embedding, count: min(vector.count, embedding.count))
            if dot > bestSimilarity { bestSimilarity = dot; best = index }
        }
        let chosen = best >= 0 ? best : usable[0]
        return slots[chosen].isEmpty ? texts[chosen] : ReplyTemplate.fill(texts[chosen], values)
    }
}

/// The intent set's conversational parts, embedded once at start-up.
struct DialogueModel: Sendable {
    /// Measured on the bundled model (`squeezechat embed --pooling mean --normalize`): rewordings
    /// of the built-in follow-ups ("one more please", "and another", "how so", "tell me my name")
    /// come 0.63 to 0.90 from their nearest follow-up example, while unrelated short turns ("ok",
    /// "cool", "hello", "bye", "help") come at most 0.56.
    static let defaultFollowUpSimilarity: Float = 0.6

    /// A follow-up with its examples' embeddings and, when it has its own, its replies.
    struct Entry: Sendable {
        var followUp: FollowUp
        var examples: [[Float]]
        var replies: ReplyList?
    }

    /// Per intent: neutral, negative and positive replies, explanation, and follow-ups.
    let responses: [(neutral: ReplyList, negative: ReplyList, positive: ReplyList)]
    let explanations: [ReplyList]
    let followUps: [[Entry]]
    /// Follow-ups that may come after any intent.
    let global: [Entry]
    /// Per out-of-scope topic, its refusals.
    let topics: [ReplyList]
    let fallback: ReplyList
    /// Per intent: turns its context stays open once it is answered (0: it opens none, no follow-up could match).
    let lifespans: [Int]
    let followUpSimilarity: Float

    /// Every text the model embeds beyond the intents' examples and replies.
    static func texts(_ set: IntentSet) -> [String] {
        func texts(_ followUp: FollowUp) -> [String] {
            if case .responses(let replies) = followUp.answer { return followUp.examples + replies }
            return followUp.examples
        }
        return set.intents.flatMap { $0.dialogue.explanation + $0.dialogue.followUps.flatMap(texts) } + set.followUps.flatMap(texts)
            + set.topics.flatMap(\.responses)
    }

    init(_ set: IntentSet, vectors: ([String]) -> [[Float]], followUpSimilarity: Float) {
        func list(_ texts: [String]) -> ReplyList { ReplyList(texts, vectors(texts)) }
        func entry(_ followUp: FollowUp) -> Entry {
            var replies: ReplyList?
            if case .responses(let texts) = followUp.answer { replies = list(texts) }
            return Entry(followUp: followUp, examples: vectors(followUp.examples), replies: replies)
        }
        responses = set.intents.map { (list($0.responses), list($0.negativeResponses), list($0.positiveResponses)) }
        explanations = set.intents.map { list($0.dialogue.explanation) }
        followUps = set.intents.map { $0.dialogue.followUps.map(entry) }
        global = set.followUps.map(entry)
        topics = set.topics.map { list($0.responses) }
        fallback = list(set.fallbackResponses)
        lifespans = set.intents.map { intent in
            let own = intent.dialogue.followUps.map(\.lifespan)
            let shared = set.followUps.filter { $0.answer != .explanation || !intent.dialogue.explanation.isEmpty }.map(\.lifespan)
            return (own + shared).max() ?? 0
        }
        self.followUpSimilarity = followUpSimilarity
    }

    /// The follow-up of an open context most similar to the turn, if it is similar enough and at
    /// least as close as the nearest intent example (`nearest`), so a follow-up never steals a turn
    /// that an intent's own examples describe better.
    func match(_ embedding: [Float], nearest: Float, contexts: [DialogueState.Context])
        -> (intent: Int, entry: Entry, similarity: Float, example: String)? {
        var best: (intent: Int, entry: Entry, similarity: Float, example: String)?
        func consider(_ entry: Entry, after intent: Int) {
            for (index, vector) in entry.examples.enumerated() {
                let similarity = Kernels.dot(vector, embedding, count: min(vector.count, embedding.count))
                if similarity > (best?.similarity ?? -.infinity) { best = (intent, entry, similarity, entry.followUp.examples[index]) }
            }
        }
        for context in contexts {
            for entry in followUps[context.intent] where context.turnsAgo < entry.followUp.lifespan { consider(entry, after: context.intent) }
        }
        if let recent = contexts.first {
            for entry in global where recent.turnsAgo < entry.followUp.lifespan {
                if entry.followUp.answer == .explanation && explanations[recent.intent].isEmpty { continue }
                consider(entry, after: recent.intent)
            }
        }
        guard let best, best.similarity >= followUpSimilarity, best.similarity >= nearest else { return nil }
        return best
    }
}

/// What the engine decided to do with a turn, before the reply is chosen.
struct TurnPlan {
    enum Action: Equatable {
        /// Answer as this intent.
        case intent(Int)
        /// A follow-up of this intent with replies of its own (index into its follow-ups, or the global ones).
        case followUpReplies(Int, ReplyListID)
        /// This intent's explanation.
        case explanation(Int)
        /// Ask which of these intents was meant.
        case ask([Int])
        /// Out of scope on a named topic: its refusal.
        case topic(Int)
        /// Out of scope: a fallback reply.
        case fallback
        /// The user said none of the intents asked about was meant.
        case declined
    }

    /// Where a follow-up's own replies are: `global` or the intent's follow-up at `index`.
    struct ReplyListID: Equatable {
        var global: Bool
        var index: Int
    }

    var action: Action
    var context = TurnContext()
    /// Replaces the classifier's confidence (a follow-up's similarity, a pick's 1).
    var confidence: Float?
    /// The question a pick answered: its turn's embedding and sentiment choose the reply.
    var question: Clarification?

    /// The intent the turn is answered as, if any.
    var intent: Int? {
        switch action {
        case .intent(let i), .followUpReplies(let i, _), .explanation(let i): i
        case .ask, .topic, .fallback, .declined: nil
        }
    }

    /// The out-of-scope topic whose refusal answers the turn, if any.
    var topic: Int? {
        switch action {
        case .topic(let topic): topic
        case .intent, .followUpReplies, .explanation, .ask, .fallback, .declined: nil
        }
    }

    /// Whether the turn is refused as out of scope (with a topic's refusal or the general fallback).
    var isRefusal: Bool {
        switch action {
        case .topic, .fallback: true
        case .intent, .followUpReplies, .explanation, .ask, .declined: false
        }
    }

    func intentName(_ set: IntentSet) -> String {
        if let intent { return set.intents[intent].name }
        if case .ask = action { return Turn.asking }
        return Turn.outOfScope
    }
}

extension ChatEngine {
    /// Replies when the user says none of the offered intents was meant.
    static let declinedReply = "Sorry, I misread you. Could you put it another way?"

    /// Decides what the turn means given the memory (a pending question, open contexts), and
    /// updates the memory: contexts age and the answered intent's opens, slots fill, a question is kept.
    func understand(_ text: String, embedding: [Float], sentiment: String?, prediction: IntentClassifier.Prediction,
                    state: inout DialogueState, conversation: Bool) -> TurnPlan {
        var context = TurnContext()
        context.open = state.contexts.map { intents.intents[$0.intent].name }
        var plan: TurnPlan?
        if let question = state.question {
            state.question = nil
            context.asked = question.options.map { intents.intents[$0].name }
            switch ClarifyAnswer.parse(text, options: question.options.count) {
            case .option(let index)?:
                plan = TurnPlan(action: .intent(question.options[index]), confidence: 1, question: question)
                plan?.context.route = .pick
            case .neither?:
                plan = TurnPlan(action: .declined)
                plan?.context.route = .declined
            case nil:
                break
            }
        }
        if plan == nil, conversation,
           let match = dialogue.match(embedding, nearest: prediction.nearestSimilarity, contexts: state.contexts) {
            let action: TurnPlan.Action?
            switch match.entry.followUp.answer {
            case .responses:
                let global = dialogue.global.contains { $0.followUp == match.entry.followUp }
                let list = global ? dialogue.global : dialogue.followUps[match.intent]
                action = .followUpReplies(match.intent, .init(global: global, index: list.firstIndex { $0.followUp == match.entry.followUp }!))
            case .previous: action = .intent(match.intent)
            case .explanation: action = .explanation(match.intent)
            case .intent(let name): action = intents.intents.firstIndex { $0.name == name }.map { .intent($0) }
            }
            if let action {
                plan = TurnPlan(action: action, confidence: match.similarity)
                plan?.context.route = .followUp
                plan?.context.followed = intents.intents[match.intent].name
                plan?.context.matched = match.example
            }
        }
        if plan == nil {
            // A rejected turn that sits on an out-of-scope topic gets that topic's refusal, not a question.
            let topic = prediction.label == nil ? topicMatcher.topic(of: embedding) : nil
            if topic == nil, conversation, let options = clarifyPolicy.options(prediction, threshold: classifier.threshold) {
                plan = TurnPlan(action: .ask(options))
                plan?.context.route = .clarify
                state.question = Clarification(options: options, text: text, embedding: embedding, sentiment: sentiment)
            } else {
                plan = TurnPlan(action: prediction.label.map { .intent($0) } ?? topic.map { .topic($0) } ?? .fallback)
            }
        }
        var result = plan!
        context.route = result.context.route
        context.followed = result.context.followed
        context.matched = result.context.matched
        result.context = context
        guard conversation else { return result }
        state.age()
        if let intent = result.intent {
            // Slots fill only from a turn understood as the intent itself (or the one a pick answered), not a follow-up.
            if context.route == .classifier || context.route == .pick {
                let source = result.question?.text ?? text
                for slot in intents.intents[intent].dialogue.slots {
                    if let value = slot.capture(from: source) { state.slots[slot.name] = value }
                }
            }
            if dialogue.lifespans[intent] > 0 { state.open(intent, lifespan: dialogue.lifespans[intent]) }
        }
        return result
    }

    /// The reply for `plan`, never the previous one when another exists; remembered as the previous.
    func compose(_ plan: TurnPlan, embedding: [Float], sentiment: String?, state: inout DialogueState) -> String {
        let embedding = plan.question?.embedding ?? embedding
        let mood = plan.question.map(\.sentiment) ?? sentiment
        var list: ReplyList?
        var reply: String?
        switch plan.action {
        case .intent(let intent):
            let lists = dialogue.responses[intent]
            list = lists.neutral
            if mood == "negative", !lists.negative.isEmpty { list = lists.negative }
            else if mood == "positive", !lists.positive.isEmpty { list = lists.positive }
        case .followUpReplies(let intent, let id):
            list = (id.global ? dialogue.global[id.index] : dialogue.followUps[intent][id.index]).replies
        case .explanation(let intent):
            list = dialogue.explanations[intent]
        case .ask(let options):
            reply = options.count == 1 ? "Did you mean \(intents.intents[options[0]].title)?"
                : "Did you mean: " + options.enumerated().map { "\($0.offset + 1)) \(intents.intents[$0.element].title)" }
                    .joined(separator: ", ") + "?"
        case .declined:
            reply = Self.declinedReply
        case .topic(let topic):
            list = dialogue.topics[topic]
        case .fallback:
            if dialogue.fallback.isEmpty { reply = "I'm not sure I can help with that." } else { list = dialogue.fallback }
        }
        let chosen = reply ?? list!.choose(similarTo: embedding, slots: state.slots, avoiding: state.previousReply)
        state.previousReply = chosen
        return chosen
    }
}

/// The calibrated policy, kept on disk beside the classifier so a warm start skips the held-out pass.
enum ClarifyCache {
    static let magic: UInt64 = 0x3146_4C43_5A51_5153  // "SQZCLF1"
    static let version = 1

    /// The cached policy for this training and threshold, else the one `held` calibrates (then cached).
    static func policy(directory: URL?, key trainingKey: UInt64, threshold: Float,
                       held: @autoclosure () -> IntentClassifier.HeldOutConfidences) -> ClarifyPolicy {
        let key = Hashing.fnv1a("clarify|v\(version)|\(threshold.bitPattern)".utf8, seed: trainingKey)
        let file = directory?.appendingPathComponent(String(format: "clarify-%016llx.bin", key))
        if let file, let data = try? Data(contentsOf: file), let payload = CacheFile.read(data, key: key, magic: magic),
           payload.count == 2, payload.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) {
            return ClarifyPolicy(gap: payload[0], band: payload[1])
        }
        let policy = ClarifyPolicy.calibrate(held(), threshold: threshold)
        // Not saving only costs the held-out pass on the next start.
        if let file { try? CacheFile.write([policy.gap, policy.band], key: key, magic: magic, to: file) }
        return policy
    }
}
