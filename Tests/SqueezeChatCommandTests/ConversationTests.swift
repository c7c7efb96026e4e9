import BuiltInIntents
import ChatEngine
import Foundation
import Testing

/// `squeezechat ask` reading several lines of standard input as one conversation: follow-ups,
/// explanations, slots and questions back, with the memory each turn used in `--json`.
struct ConversationTests {
    func ask(_ lines: [String], _ extra: [String] = []) throws -> [[String: Any]] {
        try AskTests().ask(lines, extra)
    }

    func context(_ row: [String: Any]) -> [String: Any] { row["context"] as? [String: Any] ?? [:] }

    @Test("the built-in set follows the conversation: another joke, why, thanks after help, the name")
    func builtInConversation() throws {
        let set = try IntentLoader.load(folder: BuiltInIntents.folder)
        let joke = try #require(set.intent(named: "joke")), weather = try #require(set.intent(named: "weather"))
        let rows = try ask(["tell me a joke", "another one", "will it rain tomorrow?", "why?", "help", "thanks",
                            "call me Sam", "what's my name?"])
        try #require(rows.count == 8)
        let replies = rows.map { $0["reply"] as? String ?? "" }
        let intents = rows.map { $0["intent"] as? String ?? "" }
        let routes = rows.map { context($0)["route"] as? String ?? "" }
        #expect(intents[0] == "joke" && routes[0] == "classifier" && (context(rows[0])["open"] as? [String]) == [])
        // "another one" right after the joke: another joke, not the same one.
        #expect(intents[1] == "joke" && routes[1] == "follow_up" && replies[1] != replies[0] && joke.responses.contains(replies[1]),
                "\(rows[1])")
        #expect(context(rows[1])["open"] as? [String] == ["joke"] && context(rows[1])["followed"] as? String == "joke")
        // "why?" after the weather refusal: the explanation the file gives.
        #expect(intents[2] == "weather")
        #expect(intents[3] == "weather" && routes[3] == "follow_up" && weather.dialogue.explanation.contains(replies[3]), "\(rows[3])")
        #expect(intents[4] == "help_commands" && intents[5] == "thanks", "\(rows[5])")
        #expect(intents[6] == "user_name" && replies[6].contains("Sam"), "\(rows[6])")
        #expect((context(rows[6])["slots"] as? [String: String]) == ["name": "Sam"])
        #expect(intents[7] == "memory" && replies[7].contains("Sam"), "\(rows[7])")
    }

    @Test("one line is one turn, as before: no memory to follow")
    func oneLine() throws {
        let rows = try ask(["another one"])
        try #require(rows.count == 1)
        #expect(context(rows[0])["route"] as? String != "follow_up" && (context(rows[0])["open"] as? [String]) == [])
        let plain = try CommandTests().squeezechat(["ask", "tell me a joke"])
        #expect(plain.status == 0 && plain.stdout.split(separator: "\n").count == 1)
    }

    /// Two intents, and a file that asks about every answered turn (gap 1), so the question and
    /// the pick do not hang on the model's scores.
    static func askingFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-clarify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            intents:
              - name: tea
                title: a cup of tea
                examples: [i would like some tea, make me a cup of tea, green tea please, earl grey, black tea with milk]
                responses: ["TEA: coming up."]
              - name: coffee
                title: a coffee
                examples: [i would like a coffee, espresso please, a latte, make me a flat white, black coffee]
                responses: ["COFFEE: coming up."]
            clarify: {gap: 1, band: 0}
            """.write(to: folder.appendingPathComponent("drinks.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("a question back, then \"2\": answered as the second intent; \"no\" is declined politely")
    func clarifyRoundTrip() throws {
        let folder = try Self.askingFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = try ask(["a hot drink please", "2", "a hot drink please", "no", "a hot drink please", "black coffee"],
                           ["--intents", folder.path])
        try #require(rows.count == 6)
        let options = try #require(rows[0]["clarify"] as? [[String: Any]])
        try #require(options.count == 2)
        let names = options.compactMap { $0["intent"] as? String }
        #expect(Set(names) == ["tea", "coffee"] && rows[0]["intent"] as? String == "clarify")
        let titles = options.compactMap { $0["title"] as? String }
        #expect(rows[0]["reply"] as? String == "Did you mean: 1) \(titles[0]), 2) \(titles[1])?")
        #expect(context(rows[0])["route"] as? String == "clarify")
        // "2" is the second intent offered, answered with its own reply.
        #expect(rows[1]["intent"] as? String == names[1] && rows[1]["clarify"] == nil)
        #expect((rows[1]["reply"] as? String)?.hasPrefix(names[1].uppercased() + ":") == true, "\(rows[1])")
        #expect(context(rows[1])["route"] as? String == "pick" && context(rows[1])["asked"] as? [String] == names)
        // "no": neither, said so.
        #expect(rows[3]["intent"] as? String == "out_of_scope" && context(rows[3])["route"] as? String == "declined")
        #expect(rows[3]["reply"] as? String == "Sorry, I misread you. Could you put it another way?")
        // A new question instead of a pick is understood afresh (and, with this file, asked about again).
        #expect(context(rows[5])["route"] as? String == "clarify" && context(rows[5])["asked"] as? [String] == names)
        #expect((rows[5]["clarify"] as? [[String: Any]])?.first?["intent"] as? String == "coffee")
    }
}
