import Foundation
import SqueezeBERT
import TextAnalysis

/// The chat brain: one encoder pass per turn feeds sentiment, intent classification and reply
/// retrieval. Immutable once built, so it can be shared across threads; the conversation's
/// memory (`DialogueState`) lives in `ChatSession`.
public final class ChatEngine: Sendable {
    /// Settings with measured defaults; see `IntentClassifier.Parameters`.
    public struct Options: Sendable {
        /// Where embeddings are cached between starts; nil keeps them in memory only.
        public var cacheDirectory: URL?
        public var classifier = IntentClassifier.Parameters()
        /// Overrides the calibrated (or file-given) out-of-scope threshold.
        public var threshold: Float?
        /// Overrides when the bot asks instead of answering (the intent files' `clarify`, else calibrated on held-out examples).
        public var clarify: ClarifyPolicy?
        /// A follow-up matches only at least this similar to the turn (and closer than every intent example).
        public var followUpSimilarity: Float = DialogueModel.defaultFollowUpSimilarity
        public init(cacheDirectory: URL? = ChatEngine.defaultCacheDirectory()) { self.cacheDirectory = cacheDirectory }
    }

    /// How the engine started, for the status line and the benchmark.
    public struct StartupReport: Sendable {
        public var texts: Int
        /// Texts whose embeddings had to be computed (0 on a warm start).
        public var encoded: Int
        /// Whether the classifier was trained (false: read from the cache).
        public var trained: Bool
        public var milliseconds: Double
        public var calibration: IntentClassifier.Calibration
        /// Set when the cache could not be written; the engine still works.
        public var cacheWarning: String?
    }

    public let model: EncoderModel
    public let intents: IntentSet
    public let classifier: IntentClassifier
    public let startup: StartupReport
    /// Reads sentiment (with the model's neutral band) off the turn's logits; nil without a head.
    public let sentiment: SentimentAnalyzer?
    /// When the bot asks "Did you mean ...?" instead of answering.
    public let clarifyPolicy: ClarifyPolicy
    /// Every reply list (responses, variants, explanations, follow-ups', topics', fallbacks) and
    /// the follow-ups' examples, embedded.
    let dialogue: DialogueModel
    /// Names the out-of-scope topic of a rejected turn.
    let topicMatcher: TopicMatcher

    /// Builds the engine; throws `AnalysisError` (naming the file and key) when the model has a
    /// classification head whose sentiment settings in config.json are broken.
    public init(model: EncoderModel, intents: IntentSet, options: Options = .init()) throws {
        var clock = Stopwatch()
        self.model = model
        self.intents = intents
        // A model without a head simply has no sentiment; a head with broken settings is an error.
        sentiment = model.encoder.hasClassifier ? try SentimentAnalyzer(model: model) : nil
        let dimensions = model.config.hiddenSize
        // fp32 and int8 runs of one folder give slightly different vectors, and so do int8 runs on
        // the float kernels and on the integer unit (which quantises activations too): cached apart.
        let encoder = model.encoder
        let arithmetic = encoder.precision == .int8 && encoder.instructionSet == .avx512vnni ? "int8-integer"
            : encoder.precision.rawValue
        let modelKey = Hashing.fnv1a(arithmetic.utf8, seed: Hashing.modelKey(folder: model.folder))
        var cache = EmbeddingCache(directory: options.cacheDirectory, modelKey: modelKey, dimensions: dimensions)
        // Every text the engine will ever compare against, encoded once (or read from the cache).
        let allTexts = intents.intents.flatMap { $0.examples + $0.responses + $0.negativeResponses + $0.positiveResponses }
            + intents.outOfScopeExamples + intents.fallbackResponses + DialogueModel.texts(intents)
        let missing = Array(Set(allTexts.filter { cache.lookup($0) == nil })).sorted()
        for (text, vector) in zip(missing, model.embedMany(missing, pooling: .mean, normalize: true)) {
            cache.store(text, vector)
        }
        cache.retainOnly(allTexts)
        var warning: String? = nil
        do { try cache.save() } catch { warning = "embedding cache not saved: \(error.localizedDescription)" }
        func vectors(_ texts: [String]) -> [[Float]] { texts.map { cache.lookup($0)! } }

        var exampleEmbeddings: [[Float]] = [], labels: [Int] = []
        for (label, intent) in intents.intents.enumerated() {
            exampleEmbeddings += vectors(intent.examples)
            labels += Array(repeating: label, count: intent.examples.count)
        }
        // Training and calibration are the slow part of a start: a warm start reads both back.
        let classes = intents.intents.count
        let outOfScope = vectors(intents.outOfScopeExamples)
        let trainingKey = ClassifierCache.key(modelKey: modelKey, set: intents, parameters: options.classifier)
        let calibration: IntentClassifier.Calibration
        var trained: IntentClassifier
        let cached = ClassifierCache.load(from: options.cacheDirectory, key: trainingKey,
                                          dimensions: dimensions, classes: classes)
        let loadedClassifier = cached != nil
        if let (regression, stored) = cached {
            calibration = stored
            trained = IntentClassifier(parameters: options.classifier, classes: classes, examples: exampleEmbeddings.flatMap { $0 },
                                       exampleLabels: labels, outOfScope: outOfScope, regression: regression, threshold: 0)
        } else {
            calibration = IntentClassifier.calibrate(
                embeddings: exampleEmbeddings, labels: labels, classes: classes,
                outOfScope: outOfScope, parameters: options.classifier)
            trained = IntentClassifier(embeddings: exampleEmbeddings, labels: labels, classes: classes,
                                       outOfScope: outOfScope, parameters: options.classifier)
            do {
                try ClassifierCache.save(trained.regression, calibration, to: options.cacheDirectory, key: trainingKey)
            } catch {
                warning = "classifier cache not saved: \(error.localizedDescription)"
            }
        }
        trained.threshold = options.threshold ?? intents.confidenceThreshold ?? calibration.threshold
        classifier = trained
        dialogue = DialogueModel(intents, vectors: vectors, followUpSimilarity: options.followUpSimilarity)
        clarifyPolicy = options.clarify ?? intents.clarify ?? ClarifyCache.policy(
            directory: options.cacheDirectory, key: trainingKey, threshold: trained.threshold,
            held: IntentClassifier.heldOutConfidences(embeddings: exampleEmbeddings, labels: labels, classes: classes,
                                                      outOfScope: outOfScope, parameters: options.classifier))
        // The topics' examples close the out-of-scope list, in order; the rest are general.
        let general = intents.outOfScopeExamples.count - intents.topics.reduce(0) { $0 + $1.examples.count }
        let topicOfExample = [Int?](repeating: nil, count: general)
            + intents.topics.indices.flatMap { index in [Int?](repeating: index, count: intents.topics[index].examples.count) }
        topicMatcher = TopicMatcher(examples: outOfScope, topics: topicOfExample, dimensions: dimensions)
        startup = StartupReport(texts: Set(allTexts).count, encoded: missing.count, trained: !loadedClassifier, milliseconds: clock.lap(),
                                calibration: calibration, cacheWarning: warning)
    }

    /// `$XDG_CACHE_HOME/squeezechat`, else `~/.cache/squeezechat`.
    public static func defaultCacheDirectory() -> URL? {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("squeezechat")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/squeezechat")
    }

    /// Understands a turn outside any conversation (one tokenization, one encoder pass) and picks a
    /// reply that is not `previousReply`: no follow-ups, no slots, and never a question back.
    public func respond(to text: String, previousReply: String? = nil) -> Turn {
        var state = DialogueState(previousReply: previousReply)
        return respond(text, &state, conversation: false)
    }

    /// Understands a turn of the conversation whose memory is `state`, and leaves the memory of the
    /// conversation after it there: follow-ups of the intents just answered, slots, and a question
    /// ("Did you mean ...?") when the two best intents are too close to call.
    public func respond(to text: String, state: inout DialogueState) -> Turn {
        respond(text, &state, conversation: true)
    }

    func respond(_ text: String, _ state: inout DialogueState, conversation: Bool) -> Turn {
        var clock = Stopwatch()
        var timings = TurnTimings()
        let batch = model.tokenizer.encodeBatch([text])
        timings.tokenize = clock.lap()
        let output = model.encoder.forward(ids: batch.ids, lengths: batch.lengths, sequenceLength: batch.sequenceLength)
        timings.encode = clock.lap()
        let embedding = output.sentenceEmbedding(0, pooling: .mean, normalize: true)
        let prediction = classifier.predict(embedding)
        let sentiment = self.sentiment.map { analyzer in
            analyzer.sentiment(of: text, logits: Array(output.logits![0..<output.labels.count]), embedding: embedding)
        }
        timings.classify = clock.lap()

        let plan = understand(text, embedding: embedding, sentiment: sentiment?.label, prediction: prediction,
                              state: &state, conversation: conversation)
        timings.memory = clock.lap()

        let reply = compose(plan, embedding: embedding, sentiment: sentiment?.label, state: &state)
        timings.retrieve = clock.lap()
        timings.total = timings.tokenize + timings.encode + timings.classify + timings.memory + timings.retrieve
        let refused = plan.isRefusal
        let topic = plan.topic.map { intents.topics[$0].name }
        var turn = Turn(text: text, reply: reply, intent: plan.intentName(intents), confidence: plan.confidence ?? prediction.confidence,
                        nearestIntent: refused ? intents.intents[prediction.best].name : nil,
                        topic: topic, sentiment: sentiment, timings: timings)
        if case .ask(let options) = plan.action {
            turn.clarify = options.map {
                ClarifyOption(intent: intents.intents[$0].name, title: intents.intents[$0].title, confidence: prediction.probabilities[$0])
            }
        }
        var context = plan.context
        context.slots = state.slots
        turn.context = context
        return turn
    }
}

/// A conversation: its memory (`DialogueState`) carried from turn to turn.
public final class ChatSession: @unchecked Sendable {
    public let engine: ChatEngine
    private let lock = NSLock()
    private var state = DialogueState()

    public init(engine: ChatEngine) { self.engine = engine }

    /// Answers one turn. Safe to call from any thread; turns are answered one at a time.
    public func respond(to text: String) -> Turn {
        lock.lock()
        defer { lock.unlock() }
        return engine.respond(to: text, state: &state)
    }

    /// The conversation's memory now.
    public var memory: DialogueState { lock.withLock { state } }
}
