import BuiltInIntents
import ChatEngine
import Foundation
import Testing

/// `squeezechat ask --json` end to end: the bundled model with the built-in intents answers a
/// conversation, recognising what it handles and falling back on what it does not.
struct AskTests {
    /// Each turn, the intent it must get and, for an out-of-scope one, the topic whose refusal answers it.
    static let turns: [(text: String, intent: String, topic: String?)] = [
        ("hello there!", "greeting", nil),
        ("will it rain tomorrow where I live?", "weather", nil),
        ("tell me a funny joke", "joke", nil),
        ("thank you so much, that was helpful", "thanks", nil),
        ("can you explain how squeezechat works internally?", "how_it_works", nil),
        ("what's the best way to cook a lasagna", "out_of_scope", "cooking"),
        ("what is the capital of mongolia", "out_of_scope", "facts"),
        ("write me a python script that sorts a list", "out_of_scope", "coding"),
        ("my card was declined, this is so frustrating", "out_of_scope", "banking"),
        ("see you later, goodbye", "goodbye", nil),
    ]

    func ask(_ texts: [String], _ extra: [String] = []) throws -> [[String: Any]] {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-ask-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let run = try CommandTests().squeezechat(["ask", "--json"] + extra, input: texts.joined(separator: "\n") + "\n",
                                                 environment: ["XDG_CACHE_HOME": cache.path])
        #expect(run.status == 0, "\(run.stderr)")
        return try run.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("each turn gets the intent it means, off-topic turns their topic's refusal, else the fallback or a question, never an answer")
    func intentsAndFallbacks() throws {
        let rows = try ask(Self.turns.map(\.text))
        try #require(rows.count == Self.turns.count)
        let set = try IntentLoader.load(folder: BuiltInIntents.folder)
        let fallbacks = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../intents/out_of_scope.yaml"), encoding: .utf8)
        for (row, turn) in zip(rows, Self.turns) {
            #expect(row["text"] as? String == turn.text)
            let intent = row["intent"] as? String
            let reply = try #require(row["reply"] as? String)
            #expect(!reply.isEmpty)
            // Just under the threshold, with no topic to name, the bot may ask "Did you mean ...?" instead of refusing.
            if turn.intent == "out_of_scope" && turn.topic == nil && intent == Turn.asking {
                #expect(reply.hasPrefix("Did you mean") && row["clarify"] is [[String: Any]], "question: \(reply)")
            } else {
                #expect(intent == turn.intent, "\(turn.text) -> \(intent ?? "nil") (\(row["confidence"] ?? ""))")
                if turn.intent == "out_of_scope" { #expect(fallbacks.contains(reply), "fallback reply: \(reply)") }
                #expect(row["topic"] as? String == turn.topic, "\(turn.text) -> topic \(row["topic"] ?? "none")")
                if let topic = turn.topic {
                    let refusals = try #require(set.topics.first { $0.name == topic }).responses
                    #expect(refusals.contains(reply), "\(turn.text): \(reply) is not one of topic \(topic)'s")
                }
            }
            let confidence = try #require(row["confidence"] as? Double)
            #expect(confidence > 0 && confidence <= 1)
            let sentiment = try #require(row["sentiment"] as? [String: Any])
            #expect(["negative", "neutral", "positive"].contains(sentiment["label"] as? String ?? ""))
            let timings = try #require(row["timings_ms"] as? [String: Double])
            #expect(Set(timings.keys) == ["tokenize", "encode", "classify", "memory", "retrieve", "total"])
            #expect(timings["encode"]! > 0 && timings["total"]! >= timings["encode"]!)
        }
    }

    @Test("a repeated turn never gets the same reply twice in a row")
    func noRepeats() throws {
        let replies = try ask(Array(repeating: "tell me a joke", count: 4)).map { $0["reply"] as? String }
        for index in 1..<replies.count { #expect(replies[index] != replies[index - 1]) }
    }

    /// Which of an intent's reply lists a turn must answer from.
    enum Variant: String { case responses, whenNegative = "when_negative", whenPositive = "when_positive" }

    @Test("the sentiment of the turn picks the reply variant, also when the intent is picked from a question")
    func sentimentVariants() throws {
        let set = try IntentLoader.load(folder: BuiltInIntents.folder)
        let turns: [(text: String, intent: String, sentiment: String, variant: Variant)] = [
            ("hi. honestly today has been awful", "how_are_you", "negative", .whenNegative),
            ("hello!! I'm so happy to see you", "greeting", "positive", .whenPositive),
            ("thanks, you are wonderful", "praise", "positive", .whenPositive),
            ("thanks for nothing, that was useless", "complaint", "neutral", .responses),
            ("bye, this was great fun", "goodbye", "positive", .whenPositive),
            ("bye, this was a waste of time", "complaint", "negative", .whenNegative),
        ]
        let rows = try ask(turns.map(\.text))
        try #require(rows.count == turns.count)
        for (asked, turn) in zip(rows, turns) {
            #expect((asked["sentiment"] as? [String: Any])?["label"] as? String == turn.sentiment, "\(turn.text)")
            // A close call gets "Did you mean ...?" first; picking the intended option must answer
            // with the variant the asked turn's sentiment calls for.
            var row = asked
            if asked["intent"] as? String == Turn.asking {
                let offered = (asked["clarify"] as? [[String: Any]] ?? []).compactMap { $0["intent"] as? String }
                let pick = try #require(offered.firstIndex(of: turn.intent), "\(turn.text): asked about \(offered)")
                row = try #require(try ask([turn.text, "\(pick + 1)"]).last)
            }
            #expect(row["intent"] as? String == turn.intent, "\(turn.text)")
            let intent = try #require(set.intent(named: turn.intent))
            let replies = switch turn.variant {
            case .responses: intent.responses
            case .whenNegative: intent.negativeResponses
            case .whenPositive: intent.positiveResponses
            }
            let reply = row["reply"] as? String ?? ""
            #expect(!replies.isEmpty && replies.contains(reply), "\(turn.text): \(reply) is not one of \(turn.intent).\(turn.variant.rawValue)")
        }
    }

    @Test("a broken intents folder is one line naming the file, exit 1")
    func brokenIntents() throws {
        let (folder, message) = try CommandTests.brokenIntentsFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try CommandTests().squeezechat(["ask", "--intents", folder.path, "hello"])
        #expect(run.status == 1)
        #expect(run.stderr == message)
    }
}
