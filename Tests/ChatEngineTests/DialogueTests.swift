import Foundation
import Testing
@testable import ChatEngine

/// The conversation's memory through the engine: follow-ups, explanations, slots and questions
/// back. The fixture's encoder is random, so turns are the files' own examples (each its intent's,
/// and exactly as similar as can be to a follow-up example of the same words).
struct DialogueTests {
    static let yaml = """
        intents:
          - name: joke
            title: a joke
            examples: [tell me a joke, make me laugh, say something funny, know any jokes]
            responses: ["Joke one.", "Joke two.", "Joke three."]
            explanation: ["Jokes are puns on how I work."]
            follow_ups:
              - examples: [another one, one more]
                answer: previous
          - name: weather
            examples: [will it rain, what's the weather, is it sunny, forecast please]
            responses: ["No forecasts here."]
          - name: help
            examples: [help, what can you do, list your commands, how do i use this]
            responses: ["Type /help."]
            follow_ups:
              - examples: [thanks]
                answer: thanks
          - name: thanks
            examples: [thank you, cheers, much appreciated, ty]
            responses: ["You're welcome!"]
          - name: user_name
            examples: [call me Sam, my name is Jo, i am Kim, they call me the boss]
            slots:
              name: ["call me {name}", "my name is {name}"]
            responses: ["Nice to meet you, {name}!", "Nice to meet you!"]
          - name: memory
            examples: [what is my name, do you remember me, what did i say, do you remember my name]
            responses: ["You're {name}.", "I remember little."]
        follow_ups:
          - examples: ["why?", how come]
            answer: explanation
        """

    func engine(clarify: ClarifyPolicy = .never) throws -> ChatEngine {
        var options = ChatEngine.Options(cacheDirectory: nil)
        options.threshold = 0
        options.clarify = clarify
        return try ChatEngine(model: try ChatFixtures.model(), intents: try IntentLoader.parse(Self.yaml, file: "bot.yaml"),
                              options: options)
    }

    @Test("\"another one\" right after a joke is another joke, with a different reply")
    func anotherOneRepeatsTheIntent() throws {
        let session = ChatSession(engine: try engine())
        let joke = session.respond(to: "tell me a joke")
        #expect(joke.intent == "joke" && joke.context.route == .classifier && joke.context.open.isEmpty)
        let again = session.respond(to: "another one")
        #expect(again.intent == "joke" && again.context.route == .followUp, "\(again.context)")
        #expect(again.context.open == ["joke"] && again.context.followed == "joke" && again.context.matched == "another one")
        #expect(again.reply != joke.reply && ["Joke one.", "Joke two.", "Joke three."].contains(again.reply))
        // Answered as the joke again, it opens the joke's context again.
        let third = session.respond(to: "one more")
        #expect(third.intent == "joke" && third.context.route == .followUp && third.reply != again.reply)
    }

    @Test("a follow-up matches only right after its intent")
    func followUpOnlyRightAfterItsIntent() throws {
        let session = ChatSession(engine: try engine())
        #expect(session.respond(to: "another one").context.route == .classifier, "no joke yet")
        _ = session.respond(to: "tell me a joke")
        _ = session.respond(to: "will it rain")
        let late = session.respond(to: "another one")
        #expect(late.context.route == .classifier && late.context.open.isEmpty, "the joke's context lasts one turn: \(late.context)")
        // Outside a conversation there is no memory at all.
        let engine = session.engine
        _ = engine.respond(to: "tell me a joke")
        #expect(engine.respond(to: "another one").context.route == .classifier)
    }

    @Test("\"why?\" gets the explanation of the intent just answered, where the file gives one")
    func whyGetsTheExplanation() throws {
        let session = ChatSession(engine: try engine())
        _ = session.respond(to: "tell me a joke")
        let why = session.respond(to: "why?")
        #expect(why.intent == "joke" && why.reply == "Jokes are puns on how I work." && why.context.route == .followUp)
        _ = session.respond(to: "will it rain")
        let unexplained = session.respond(to: "why?")
        #expect(unexplained.context.route == .classifier, "weather has no explanation: \(unexplained.context)")
    }

    @Test("\"thanks\" right after help is thanks")
    func thanksAfterHelp() throws {
        let session = ChatSession(engine: try engine())
        _ = session.respond(to: "help")
        let thanks = session.respond(to: "thanks")
        #expect(thanks.intent == "thanks" && thanks.reply == "You're welcome!" && thanks.context.route == .followUp)
    }

    @Test("a slot filled from \"call me Sam\" is used in later replies")
    func slotFillAndUse() throws {
        let session = ChatSession(engine: try engine())
        #expect(session.respond(to: "what is my name").reply == "I remember little.", "no name yet")
        let introduced = session.respond(to: "call me Sam")
        #expect(introduced.intent == "user_name" && introduced.reply == "Nice to meet you, Sam!")
        #expect(introduced.context.slots == ["name": "Sam"] && session.memory.slots == ["name": "Sam"])
        let asked = session.respond(to: "what is my name")
        #expect(asked.intent == "memory" && asked.reply == "You're Sam.")
        // A pattern that captures nothing leaves the reply that names no slot.
        let fresh = ChatSession(engine: session.engine)
        #expect(fresh.respond(to: "they call me the boss").reply == "Nice to meet you!")
    }

    @Test("a question back, then \"2\": answered as the second intent offered")
    func clarifyRoundTrip() throws {
        // A gap of 1 asks about every answered turn, so the round trip does not hang on the fixture's scores.
        let session = ChatSession(engine: try engine(clarify: ClarifyPolicy(gap: 1, band: 0)))
        let asked = session.respond(to: "tell me a joke")
        #expect(asked.isQuestion && asked.intent == Turn.asking && asked.context.route == .clarify)
        try #require(asked.clarify.count == 2)
        #expect(asked.clarify[0].intent == "joke" && asked.clarify[0].title == "a joke")
        let second = try #require(session.engine.intents.intent(named: asked.clarify[1].intent))
        #expect(asked.reply == "Did you mean: 1) a joke, 2) \(second.title)?")
        let picked = session.respond(to: "2")
        #expect(picked.intent == second.name && picked.context.route == .pick && !picked.isQuestion)
        #expect(picked.context.asked == asked.clarify.map(\.intent))
        #expect(second.responses.contains(picked.reply), "\(picked.reply)")

        _ = session.respond(to: "tell me a joke")
        #expect(session.respond(to: "yes").intent == "joke", "yes is the first")
        _ = session.respond(to: "tell me a joke")
        #expect(session.respond(to: "the second one").intent == second.name)
        _ = session.respond(to: "tell me a joke")
        let declined = session.respond(to: "no")
        #expect(declined.intent == Turn.outOfScope && declined.reply == ChatEngine.declinedReply && declined.context.route == .declined)
        _ = session.respond(to: "tell me a joke")
        let other = session.respond(to: "will it rain")
        #expect(other.context.route == .clarify && other.clarify.first?.intent == "weather", "a new question is understood afresh")
    }

    @Test("a pick is read from a few words; anything else is a new question")
    func clarifyAnswers() {
        let cases: [(String, ClarifyAnswer?)] = [
            ("1", .option(0)), ("2", .option(1)), ("the second", .option(1)), ("2nd one please", .option(1)),
            ("the first one", .option(0)), ("yes", .option(0)), ("Yes!", .option(0)), ("yeah", .option(0)),
            ("no", .neither), ("nope, neither", .neither), ("neither of those", .neither), ("no, the second", .option(1)),
            ("not the first", nil), ("the first or the second", nil), ("how does it work", nil), ("3", nil), ("", nil),
        ]
        for (text, expected) in cases { #expect(ClarifyAnswer.parse(text, options: 2) == expected, "\(text)") }
        #expect(ClarifyAnswer.parse("2", options: 1) == nil, "only one intent was offered")
    }

    @Test("slot patterns capture one word after their literal words, anywhere in the turn")
    func slotPatterns() throws {
        let slot = SlotFilling(name: "name", patterns: [try #require(SlotPattern("call me {name}", slot: "name")),
                                                        try #require(SlotPattern("my name is {name}", slot: "name"))])
        #expect(slot.capture(from: "you can call me Sam, please") == "Sam")
        #expect(slot.capture(from: "Hi! My NAME is o'brien.") == "o'brien")
        #expect(slot.capture(from: "they call me the boss") == nil)
        #expect(slot.capture(from: "call me") == nil)
        #expect(SlotPattern("call me", slot: "name") == nil)
        #expect(SlotPattern("{name}", slot: "name") == nil)
        #expect(SlotPattern("{name} and {name}", slot: "name") == nil)
        #expect(SlotPattern("call me {nick}", slot: "name") == nil)
    }

    @Test("the policy's rates on held-out turns, and the calibration that picks gap and band")
    func policyOnHeldOutTurns() {
        var held = IntentClassifier.HeldOutConfidences()
        // (confidence, correct, runner-up confidence, runner-up is right); threshold 0.5.
        let inScope: [(Float, Bool, Float, Bool)] = [
            (0.90, true, 0.05, false),   // clear and right
            (0.55, false, 0.50, true),   // close call, wrong: a question saves it
            (0.52, false, 0.49, false),  // close call, wrong
            (0.80, true, 0.78, false),   // close call, right: a question delays it
            (0.45, true, 0.30, false),   // just under the threshold, right intent best
            (0.10, true, 0.05, false),   // far under
        ]
        for (confidence, correct, second, secondRight) in inScope {
            held.inScope.append((confidence, correct, 0, correct ? 0 : 1))
            held.inScopeRunnerUp.append((second, secondRight ? 0 : 2))
        }
        held.outOfScope = [(0.48, false), (0.2, false)]
        held.outOfScopeRunnerUp = [0.1, 0.1]
        let rates = ClarifyPolicy(gap: 0.06, band: 0.06).rates(held, threshold: 0.5)
        #expect(rates.wrong == 4 && rates.right == 4, "\(rates)")
        #expect(rates.wrongAsked == 3 && rates.rightDelayed == 2 && rates.refusalsOfferingRight == 1, "\(rates)")
        let calibrated = ClarifyPolicy.calibrate(held, threshold: 0.5)
        // The smallest gap that asks about both wrong close calls (0.05 and 0.03 apart) saves two for one
        // right answer delayed (0.02 apart); a smaller one saves one for one.
        #expect(abs(calibrated.gap - 0.055) < 1e-6, "\(calibrated)")
        // The band reaches the right turn at 0.45 (0.05) but no further: the out-of-scope turn at 0.48 costs as much.
        #expect(calibrated.band == 0, "\(calibrated)")
    }
}

struct DialogueLoaderTests {
    @Test func dialogueKeysAreRead() throws {
        let set = try IntentLoader.parse(DialogueTests.yaml + "\nclarify: {gap: 0.1, band: 0.05}\n", file: "bot.yaml")
        let joke = try #require(set.intent(named: "joke"))
        #expect(joke.title == "a joke" && joke.dialogue.explanation == ["Jokes are puns on how I work."])
        #expect(joke.dialogue.followUps == [FollowUp(examples: ["another one", "one more"], answer: .previous, source: "bot.yaml:8")])
        #expect(set.intent(named: "help")?.dialogue.followUps.first?.answer == .intent("thanks"))
        #expect(set.intent(named: "user_name")?.dialogue.slots.map(\.name) == ["name"])
        #expect(set.intent(named: "memory")?.title == "memory" && set.intent(named: "user_name")?.title == "user name")
        #expect(set.followUps.map(\.answer) == [.explanation])
        #expect(set.clarify == ClarifyPolicy(gap: 0.1, band: 0.05))
    }

    func expectError(_ yaml: String, line: Int?, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try IntentLoader.parse(yaml, file: "bot.yaml")
            Issue.record("accepted: \(yaml)", sourceLocation: sourceLocation)
        } catch let error as IntentFileError {
            #expect(error.file == "bot.yaml" && error.line == line && error.problem.contains(fragment), "\(error)",
                    sourceLocation: sourceLocation)
        } catch {
            Issue.record("untyped error \(error)", sourceLocation: sourceLocation)
        }
    }

    static let head = "intents:\n  - name: a\n    examples: [hi]\n    responses: [Hi]\n"

    @Test func badFollowUpsAndSlotsNameTheLine() {
        expectError(Self.head + "    follow_ups: [another one]\n", line: 5, "each follow-up must be a mapping")
        expectError(Self.head + "    follow_ups:\n      - answer: previous\n", line: 6, "follow-up without \"examples\"")
        expectError(Self.head + "    follow_ups:\n      - examples: [x]\n        answer: previous\n        responses: [y]\n",
                    line: 6, "exactly one of \"answer\" or \"responses\"")
        expectError(Self.head + "    follow_ups:\n      - examples: [x]\n", line: 6, "exactly one of")
        expectError(Self.head + "    follow_ups:\n      - examples: [x]\n        answer: previous\n        lifespan: 9\n",
                    line: 8, "\"lifespan\" must be a whole number of turns from 1 to 5")
        expectError(Self.head + "    follow_ups:\n      - examples: [x]\n        answer: two words\n", line: 7, "\"answer\" must be")
        expectError(Self.head + "    follow_ups:\n      - examples: [x]\n        answr: previous\n", line: 7, "unknown key \"answr\"")
        expectError(Self.head + "    slots:\n      name: [\"call me\"]\n", line: 6, "a pattern is words with {name} once")
        expectError(Self.head + "    slots:\n      name: [\"{name} {name}\"]\n", line: 6, "a pattern is words with {name} once")
        expectError(Self.head + "    slots:\n      two words: [\"call me {two}\"]\n", line: 6, "slot names are words")
        expectError(Self.head + "    slots: [name]\n", line: 5, "\"slots\" must be a mapping")
        expectError("intents:\n  - name: a\n    examples: [hi]\n    responses: [\"Hi {name}\"]\n    slots:\n      name: [\"call me {name}\"]\n",
                    line: 4, "every reply in \"responses\" names a slot")
        expectError(Self.head + "    title: \"\"\n", line: 5, "\"title\" must be a non-empty string")
        expectError("follow_ups:\n  - examples: [why]\n    answer: explanation\n    lifespan: 0\n", line: 4, "lifespan")
        expectError("clarify: {gap: 2, band: 0}\n", line: 1, "\"gap\" must be a number from 0 to 1")
    }

    @Test func namesMustResolveAcrossFiles() throws {
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func load(_ files: [String: String]) throws -> IntentSet {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
            for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            return try IntentLoader.load(folder: folder)
        }
        // A follow-up in one file answers as an intent of another, and a reply uses a slot filled by another.
        let set = try load([
            "a.yaml": Self.head + "    follow_ups:\n      - examples: [x]\n        answer: b\n",
            "b.yaml": "intents:\n  - name: b\n    examples: [yo]\n    responses: [\"Yo {name}\", Yo]\n",
            "c.yaml": "intents:\n  - name: c\n    examples: [call me sam]\n    responses: [Hey]\n    slots:\n      name: [\"call me {name}\"]\n",
        ])
        #expect(set.intents.count == 3)
        do {
            _ = try load(["a.yaml": Self.head + "    follow_ups:\n      - examples: [x]\n        answer: nobody\n"])
            Issue.record("accepted a follow-up answering as no intent")
        } catch let error as IntentFileError {
            #expect(error.file.hasSuffix("a.yaml") && error.line == 6 && error.problem.contains("\"nobody\""), "\(error)")
        }
        do {
            _ = try load(["b.yaml": "intents:\n  - name: b\n    examples: [yo]\n    responses: [\"Yo {nick}\", Yo]\n"])
            Issue.record("accepted a reply using a slot no intent fills")
        } catch let error as IntentFileError {
            #expect(error.file.hasSuffix("b.yaml") && error.line == 2 && error.problem.contains("{nick}"), "\(error)")
        }
    }
}
