import Foundation
import SqueezeBERT
import TextAnalysis
import Testing
@testable import ChatEngine

struct ChatEngineTests {
    func engine(threshold: Float? = nil, cache: URL? = nil, clarify: ClarifyPolicy? = nil) throws -> ChatEngine {
        var options = ChatEngine.Options(cacheDirectory: cache)
        options.threshold = threshold
        options.clarify = clarify
        return try ChatEngine(model: try ChatFixtures.model(), intents: try IntentLoader.load(folder: ChatFixtures.intents),
                          options: options)
    }

    @Test func anExampleIsRecognisedAsItsOwnIntent() throws {
        let engine = try engine(threshold: 0)
        // The examples themselves are in the training set: the mix of regression and nearest
        // neighbours must put them in their own intent even with a random encoder.
        for intent in engine.intents.intents {
            for example in intent.examples {
                #expect(engine.respond(to: example).intent == intent.name, "\(example)")
            }
        }
    }

    @Test func belowTheThresholdIsOutOfScopeWithAFallback() throws {
        let engine = try engine(threshold: 1.0)  // nothing is that confident
        let turn = engine.respond(to: "hello")
        #expect(turn.isOutOfScope && turn.intent == Turn.outOfScope)
        #expect(engine.intents.fallbackResponses.contains(turn.reply))
        #expect(turn.nearestIntent != nil)
    }

    @Test func repliesAreNeverRepeatedBackToBack() throws {
        // The fixture's encoder is random, so its intents are near ties a calibrated session would ask about.
        let session = ChatSession(engine: try engine(threshold: 0, clarify: .never))
        var previous = ""
        for _ in 0..<6 {
            let turn = session.respond(to: "bye")
            #expect(turn.intent == "goodbye")
            #expect(turn.reply != previous)
            previous = turn.reply
        }
    }

    /// The tiny classifier's head leans to its third class for every greeting (a random head, but a
    /// fixed one). Renaming that class in a copy of the folder sets the sentiment those turns get.
    static func engine(headClasses labels: [String], folder: URL) throws -> ChatEngine {
        let copy = folder.appendingPathComponent("model")
        try FileManager.default.copyItem(at: ChatFixtures.tinyModel, to: copy)
        let configURL = copy.appendingPathComponent("config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config["id2label"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ("\($0.offset)", $0.element) })
        config["label2id"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) })
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        var options = ChatEngine.Options(cacheDirectory: nil)
        options.threshold = 0
        return try ChatEngine(model: try EncoderModel.load(from: copy), intents: try IntentLoader.load(folder: ChatFixtures.intents),
                          options: options)
    }

    /// The intent file's greeting has one reply per sentiment variant; a neutral turn gets the plain
    /// reply nearest to what was said.
    @Test("the reply comes from the variant for the turn's sentiment", arguments: [
        (["negative", "neutral", "positive"], "positive", ["Hello! You sound cheerful.", "Hello! You sound cheerful."]),
        (["positive", "neutral", "negative"], "negative", ["Hello. Rough day?", "Hello. Rough day?"]),
        (["negative", "positive", "neutral"], "neutral", ["Hello!", "Hi there!"]),
    ])
    func sentimentVariants(labels: [String], sentiment: String, replies: [String]) throws {
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let engine = try Self.engine(headClasses: labels, folder: folder)
        for (text, reply) in zip(["hi", "good morning"], replies) {
            let turn = engine.respond(to: text)
            #expect(turn.intent == "greeting" && turn.sentiment?.label == sentiment, "\(text): \(turn.intent), \(turn.sentiment?.label ?? "none")")
            #expect(turn.reply == reply, "\(text)")
        }
    }

    @Test func eachStageIsTimedAndTheStagesFitInTheTurn() throws {
        let engine = try engine(threshold: 0)
        var turn: Turn?
        let elapsed = ContinuousClock().measure { turn = engine.respond(to: "thank you so much") }
        let wall = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let t = try #require(turn).timings
        // Every stage does work, so each is measured as taking time; a stage left untimed reads 0.
        #expect(t.tokenize > 0 && t.encode > 0 && t.classify > 0 && t.retrieve > 0, "\(t)")
        // The stages are consecutive laps inside the call: together they fit in its wall-clock time
        // (a clock not restarted between stages would count the earlier ones again), and the total
        // reports all of them.
        let stages = t.tokenize + t.encode + t.classify + t.retrieve
        #expect(stages <= wall, "stages \(stages) ms, the call \(wall) ms")
        #expect(t.total >= stages - 1e-9 && t.total <= wall, "total \(t.total) ms, stages \(stages) ms, the call \(wall) ms")
    }

    @Test func theCacheMakesTheSecondStartWarmAndIsRebuiltWhenCorrupt() throws {
        let cache = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        let cold = try engine(cache: cache)
        #expect(cold.startup.encoded == cold.startup.texts && cold.startup.texts > 0)
        #expect(cold.startup.trained)
        let warm = try engine(cache: cache)
        #expect(warm.startup.encoded == 0 && !warm.startup.trained)
        #expect(warm.classifier.regression == cold.classifier.regression)
        #expect(warm.respond(to: "hello").reply == cold.respond(to: "hello").reply)

        let file = try #require(try FileManager.default.contentsOfDirectory(at: cache, includingPropertiesForKeys: nil)
            .first { $0.lastPathComponent.hasPrefix("embeddings-") })
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: file)
        #expect(try engine(cache: cache).startup.encoded == cold.startup.texts, "a corrupt cache must not be trusted")
        try Data(bytes.prefix(10)).write(to: file)
        #expect(try engine(cache: cache).startup.encoded == cold.startup.texts, "a truncated cache must not be trusted")
    }

    @Test func changedIntentsReencodeOnlyWhatChanged() throws {
        let cache = try ChatFixtures.temporaryFolder(), folder = try ChatFixtures.temporaryFolder()
        defer { for url in [cache, folder] { try? FileManager.default.removeItem(at: url) } }
        let model = try ChatFixtures.model()
        let file = folder.appendingPathComponent("bot.yaml")
        try "intents:\n  - name: a\n    examples: [one, two]\n    responses: [A]\n".write(to: file, atomically: true, encoding: .utf8)
        _ = try ChatEngine(model: model, intents: try IntentLoader.load(folder: folder), options: .init(cacheDirectory: cache))
        try "intents:\n  - name: a\n    examples: [one, two, three]\n    responses: [A]\n".write(to: file, atomically: true, encoding: .utf8)
        let edited = try ChatEngine(model: model, intents: try IntentLoader.load(folder: folder), options: .init(cacheDirectory: cache))
        #expect(edited.startup.encoded == 1 && edited.startup.trained, "a new example re-encodes one text and retrains")
    }

    @Test func aDifferentModelGetsItsOwnCache() throws {
        let cache = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        _ = try engine(cache: cache)
        let other = try EncoderModel.load(from: ChatFixtures.tinyModel.deletingLastPathComponent()
            .appendingPathComponent("tiny-bert-classifier"))
        let engine = try ChatEngine(model: other, intents: try IntentLoader.load(folder: ChatFixtures.intents),
                                options: .init(cacheDirectory: cache))
        #expect(engine.startup.encoded == engine.startup.texts)
    }

    /// int8 on the integer unit quantises activations too, so its vectors differ slightly from the
    /// float kernels': each way gets its own cache, and a second start of either reuses its own.
    @Test(.enabled(if: InstructionSet.avx512vnni.isAvailable, "this CPU has no AVX-512 VNNI"))
    func integerAndFloatKernelsCacheApart() throws {
        let cache = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cache) }
        func start(_ kernels: InstructionSet) throws -> ChatEngine {
            try ChatEngine(model: try EncoderModel.load(from: ChatFixtures.tinyModel, precision: .int8, instructionSet: kernels),
                           intents: try IntentLoader.load(folder: ChatFixtures.intents), options: .init(cacheDirectory: cache))
        }
        let float = try start(.avx512)
        #expect(float.startup.encoded == float.startup.texts)
        let integer = try start(.avx512vnni)
        #expect(integer.startup.encoded == integer.startup.texts, "the float kernels' vectors were reused")
        #expect(try start(.avx512vnni).startup.encoded == 0)
        #expect(try start(.avx512).startup.encoded == 0)
    }

    @Test func brokenSentimentSettingsAreAnErrorNamingTheFileAndKey() throws {
        let models = ChatFixtures.tinyModel.deletingLastPathComponent()
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("model")
        try FileManager.default.copyItem(at: models.appendingPathComponent("tiny-bert-classifier"), to: copy)
        let configURL = copy.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        config["squeezechat"] = ["neutral_below": 2]
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        let intents = try IntentLoader.load(folder: ChatFixtures.intents)
        let model = try EncoderModel.load(from: copy)
        let error = #expect(throws: AnalysisError.self) {
            try ChatEngine(model: model, intents: intents, options: .init(cacheDirectory: nil))
        }
        #expect(error?.description.contains("\(configURL.path): squeezechat.neutral_below") == true, "\(String(describing: error))")

        // A model without a head has no sentiment and nothing to warn about.
        let headless = try ChatEngine(model: try EncoderModel.load(from: models.appendingPathComponent("tiny-bert")),
                                  intents: intents, options: .init(cacheDirectory: nil))
        #expect(headless.sentiment == nil)
    }
}
