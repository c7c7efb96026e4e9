import Foundation
import Testing
@testable import ChatEngine

/// Out-of-scope topics: read from the `out_of_scope` section, counted as out-of-scope examples,
/// and answering a rejected turn with their own refusal.
struct OutOfScopeTopicTests {
    static let yaml = """
        intents:
          - name: greeting
            examples: [hi, hello, hey there, good morning, hello bot]
            responses: ["Hello!", "Hi there!", "Hey, good to see you."]
        out_of_scope:
          examples: [what should i name my cat]
          responses: ["That's outside what I know."]
          topics:
            - name: cooking
              examples: [how do i make pancakes, give me a recipe for curry]
              responses: ["I can't help with recipes."]
            - name: maths
              examples: [what is 17 times 23]
              responses: ["I can't do maths."]

        """

    func expectError(_ yaml: String, line: Int?, _ fragment: String) {
        do {
            _ = try IntentLoader.parse(yaml, file: "bot.yaml")
            Issue.record("accepted: \(yaml)")
        } catch let error as IntentFileError {
            #expect(error.line == line, "\(error)")
            #expect(error.problem.contains(fragment), "\(error)")
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func topicsAreReadAndTheirExamplesAreOutOfScopeExamples() throws {
        let set = try IntentLoader.parse(Self.yaml, file: "bot.yaml")
        #expect(set.topics.map(\.name) == ["cooking", "maths"])
        #expect(set.topics[0].responses == ["I can't help with recipes."])
        #expect(set.topics[1].source == "bot.yaml:12")
        // The general examples first, then every topic's, so the detector learns from all of them.
        #expect(set.outOfScopeExamples == ["what should i name my cat", "how do i make pancakes",
                                           "give me a recipe for curry", "what is 17 times 23"])
        #expect(set.intents.map(\.name) == ["greeting"])
    }

    @Test func brokenTopicsNameTheLine() {
        let head = "out_of_scope:\n  topics:\n"
        expectError(head + "    - name: cooking\n      examples: [x]\n", line: 3, "topic \"cooking\": missing \"responses\"")
        expectError(head + "    - name: cooking\n      examples: [x]\n      responses: [y]\n      threshold: 1\n", line: 6,
                    "unknown key \"threshold\"")
        expectError(head + "    - name: two words\n      examples: [x]\n      responses: [y]\n", line: 3, "topic names")
        expectError(head + "    - name: a\n      examples: [x]\n      responses: [y]\n    - name: a\n      examples: [z]\n      responses: [y]\n",
                    line: 6, "topic \"a\" is already defined at bot.yaml:3")
        expectError("out_of_scope:\n  topics: {a: 1}\n", line: 2, "\"topics\" must be a list")
        expectError("intents:\n  - name: a\n    examples: [x]\n    responses: [y]\nout_of_scope:\n  topics:\n    - name: a\n      examples: [z]\n      responses: [y]\n",
                    line: 7, "topic \"a\" has the name of the intent at bot.yaml:2")
    }

    @Test func aTopicInTwoFilesNamesBoth() throws {
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.yaml.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "out_of_scope:\n  topics:\n    - name: maths\n      examples: [x]\n      responses: [y]\n"
            .write(to: folder.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: IntentFileError.self) { try IntentLoader.load(folder: folder) }
        do { _ = try IntentLoader.load(folder: folder) } catch let error as IntentFileError {
            #expect(error.file.hasSuffix("b.yaml") && error.line == 3 && error.problem.contains("a.yaml:12"), "\(error)")
        }
    }

    @Test func aRejectedTurnGetsItsTopicsRefusalAndAnUnrelatedOneTheGeneralFallback() throws {
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.yaml.write(to: folder.appendingPathComponent("bot.yaml"), atomically: true, encoding: .utf8)
        var options = ChatEngine.Options(cacheDirectory: nil)
        options.threshold = 1  // every turn is out of scope
        let engine = try ChatEngine(model: try ChatFixtures.model(), intents: try IntentLoader.load(folder: folder),
                                    options: options)
        // A topic's own example is as close to it as a turn can be, whatever the (random) encoder.
        let cooking = engine.respond(to: "how do i make pancakes")
        #expect(cooking.intent == Turn.outOfScope && cooking.topic == "cooking")
        #expect(cooking.reply == "I can't help with recipes." && cooking.intentLabel == "out_of_scope/cooking")
        #expect(engine.respond(to: "what is 17 times 23").topic == "maths")
        let general = engine.respond(to: "what should i name my cat")
        #expect(general.topic == nil && general.reply == "That's outside what I know.")
        #expect(general.intentLabel == "out_of_scope")
        // Answered turns never carry a topic; a topic's example is still out of scope by the vote.
        options.threshold = 0
        let answering = try ChatEngine(model: try ChatFixtures.model(), intents: try IntentLoader.load(folder: folder),
                                       options: options)
        let answered = answering.respond(to: "hello")
        #expect(answered.intent == "greeting" && answered.topic == nil && answered.intentLabel == "greeting")
        #expect(answering.respond(to: "how do i make pancakes").topic == "cooking")
    }

    @Test func theTopicNeedsTheVoteAndAnExampleCloseEnough() {
        // Unit vectors in 3-D: two cooking examples along x, one general example along y.
        let matcher = TopicMatcher(examples: [[1, 0, 0], [0.96, 0.28, 0], [0, 1, 0]], topics: [0, 0, nil], dimensions: 3)
        #expect(matcher.topic(of: [1, 0, 0]) == 0)
        #expect(matcher.topic(of: [0, 1, 0]) == nil)  // the general example wins the vote
        // Closest to the cooking examples, but too far from all of them to name the topic.
        let far: [Float] = [0.3, 0.15, 0.94]
        #expect(matcher.topic(of: far) == nil)
        var lenient = matcher
        lenient.minimumSimilarity = 0.3
        #expect(lenient.topic(of: far) == 0)
    }
}
