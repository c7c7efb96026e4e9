import ChatEngine
import SqueezeBERT
import TextAnalysis

// What each command writes with --json (or --format jsonl), one type per object. Properties are
// written in declaration order, their names in snake case (see JSONOutput); a nil optional leaves
// its key out, `OrNull` writes null.

/// `ask --json` and `chat --json`: one turn. `clarify` only when the bot asked which intent was
/// meant instead of answering; `context` is the conversation's memory the turn was understood with.
struct TurnRecord: Encodable {
    let text: String
    let reply: String
    let intent: String
    let confidence: Float
    let nearestIntent: String?
    /// The out-of-scope topic whose refusal answered, when one did.
    let topic: String?
    let clarify: [Option]?
    let sentiment: OrNull<SentimentScore>
    let context: Context
    let timingsMs: Timings

    struct Option: Encodable {
        let intent: String
        let title: String
        let confidence: Float
    }

    /// `open`: the contexts open when the turn came in, most recent first; `asked`: the intents of
    /// the question it replied to; `route`: classifier, follow_up, pick, declined or clarify;
    /// `followed` and `matched`: with follow_up, the intent it followed and the example it matched;
    /// `slots`: the slots filled after the turn.
    struct Context: Encodable {
        let open: [String]
        let asked: [String]
        let route: String
        let followed: String?
        let matched: String?
        let slots: LabelledValues<String>
    }

    struct SentimentScore: Encodable {
        let label: String
        let score: Float
        let probabilities: LabelledValues<Float>
    }

    /// Milliseconds with three decimals.
    struct Timings: Encodable {
        let tokenize, encode, classify, memory, retrieve, total: FixedDigits
    }

    init(_ turn: Turn) {
        text = turn.text
        reply = turn.reply
        intent = turn.intent
        confidence = turn.confidence
        nearestIntent = turn.nearestIntent
        topic = turn.topic
        clarify = turn.isQuestion ? turn.clarify.map { Option(intent: $0.intent, title: $0.title, confidence: $0.confidence) } : nil
        let c = turn.context
        let slotNames = c.slots.keys.sorted()
        context = Context(open: c.open, asked: c.asked, route: c.route.rawValue, followed: c.followed, matched: c.matched,
                          slots: LabelledValues(slotNames, slotNames.map { c.slots[$0]! }))
        sentiment = OrNull(turn.sentiment.map {
            SentimentScore(label: $0.label, score: $0.score, probabilities: LabelledValues($0.labels, $0.probabilities))
        })
        let t = turn.timings
        timingsMs = Timings(tokenize: FixedDigits(t.tokenize, 3), encode: FixedDigits(t.encode, 3),
                            classify: FixedDigits(t.classify, 3), memory: FixedDigits(t.memory, 3), retrieve: FixedDigits(t.retrieve, 3),
                            total: FixedDigits(t.total, 3))
    }
}

/// `tag --format jsonl`: one text's sentiment; `windows` only when the text needed several,
/// `logits` only when asked for.
struct SentimentRecord: Encodable {
    let text: String
    let label: String
    let score: Float
    let probabilities: LabelledValues<Float>
    let windows: Int?
    let logits: [Float]?

    init(_ result: Sentiment, withLogits: Bool) {
        text = result.text
        label = result.label
        score = result.score
        probabilities = LabelledValues(result.labels, result.probabilities)
        windows = result.windows > 1 ? result.windows : nil
        logits = withLogits ? result.logits : nil
    }
}

/// `tag` on JSONL, CSV or TSV records with `--format jsonl`: the keys added after the record's own.
/// "sentiment" is the whole text's result (null when there is none), "sentences" each sentence's
/// (only with `--by sentence`), "error" why there is no result (only then, e.g. "empty text").
struct TaggedFields: Encodable {
    let sentiment: OrNull<Score>
    let sentences: [SentimentRecord]?
    let error: String?

    /// A record's sentiment: as `SentimentRecord` without the text, which the record already holds.
    struct Score: Encodable {
        let label: String
        let score: Float
        let probabilities: LabelledValues<Float>
        let windows: Int?
        let logits: [Float]?

        init(_ result: Sentiment, withLogits: Bool) {
            label = result.label
            score = result.score
            probabilities = LabelledValues(result.labels, result.probabilities)
            windows = result.windows > 1 ? result.windows : nil
            logits = withLogits ? result.logits : nil
        }
    }
}

/// `embed`: one text's sentence embedding.
struct EmbeddingRecord: Encodable {
    let text: String
    let embedding: [Float]
}

/// `tokenize --json`: one text's WordPiece tokens, ids and [start, end) offsets.
struct TokensRecord: Encodable {
    let text: String
    let tokens: [String]
    let ids: [Int]
    let offsets: [[Int]]

    init(text: String, encoding: Encoding) {
        self.text = text
        tokens = encoding.tokens
        ids = encoding.ids.map(Int.init)
        offsets = encoding.offsets.map { [$0.lowerBound, $0.upperBound] }
    }
}

/// `eval sentiment --json`.
struct SentimentEvaluationRecord: Encodable {
    let n: Int
    let accuracy: Double
    let macroF1: Double
    let labels: [String]
    let confusion: [[Int]]
    let decision: String

    init(_ result: SentimentEvaluation) {
        n = result.n
        accuracy = result.score.accuracy
        macroF1 = result.score.macroF1
        labels = result.labelNames
        confusion = result.score.confusion
        decision = result.decision
    }
}

/// `eval intents --json`.
struct IntentEvaluationRecord: Encodable {
    let n: Int
    let accuracy: Double
    let inscopeAccuracy: Double
    let inscopeAccuracyNoThreshold: Double
    let macroF1: Double
    let threshold: Float
    let intents: Int
    let trainRows: Int
    let encodeSeconds: Double
    let learnAndClassifySeconds: Double
    let oosRecall: OrNull<Double>
    let oosPrecision: OrNull<Double>
}

/// `eval chat --json`.
struct ChatEvaluationRecord: Encodable {
    let folder: String
    let model: String
    let intents: Int
    let examples: Int
    let outOfScopeExamples: Int
    let threshold: Float
    let thresholdFromFile: Bool
    let inscopeAccuracy: Float
    let inscopeAccuracyNoThreshold: Float
    let oosRecall: OrNull<Float>
    /// When the chat asks instead of answering, and what that does on the held-out examples.
    let clarify: Clarify
    let weakest: [Intent]

    struct Clarify: Encodable {
        let gap, band: Float
        let wrongAnswers, wrongAsked, rightAnswers, rightDelayed: Int
    }

    struct Intent: Encodable {
        let intent: String
        let examples: Int
        let accuracy: Float
        let confusedWith: OrNull<String>
    }
}

/// `validate --json`: the folder's problems, errors first as found.
struct ValidationRecord: Encodable {
    let folder: String
    let errors: Int
    let warnings: Int
    let issues: [Issue]

    struct Issue: Encodable {
        let severity: String
        let check: String
        let file: String
        let line: OrNull<Int>
        let problem: String
    }
}

/// `bench --json`: a row per case, the start-up time and the peak memory.
struct BenchRecord: Encodable {
    let results: [Row]
    let loadToFirstEmbeddingMs: OrNull<FixedDigits>
    let peakRssMb: FixedDigits

    struct Row: Encodable {
        let batch: Int
        let seq: Int
        let threads: Int
        let precision: String
        let kernels: String
        let p50Ms: FixedDigits
        let p95Ms: FixedDigits
        let p99Ms: FixedDigits
        let seqPerS: FixedDigits
        let runs: Int

        init(_ r: Benchmark.Result) {
            batch = r.batch
            seq = r.tokens
            threads = r.threads
            precision = r.precision.rawValue
            kernels = r.kernels.rawValue
            p50Ms = FixedDigits(r.p50, 4)
            p95Ms = FixedDigits(r.p95, 4)
            p99Ms = FixedDigits(r.p99, 4)
            seqPerS = FixedDigits(r.sequencesPerSecond, 2)
            runs = r.runs
        }
    }
}

/// `bench --compare --json`: facts per model ("a", "b"), a case per length and thread count
/// with B/A ratios, the overall ratios and, with --eval, what was scored.
struct ComparisonRecord: Encodable {
    let a: Side
    let b: Side
    let cases: [Case]
    let ratios: Ratios
    let batch = 1
    let skippedSeq: [Int]
    let flopsNote: String
    let eval: Eval?

    struct Side: Encodable {
        let folder: String
        let architecture: String
        let layers: Int
        let hidden: Int
        let heads: Int
        let intermediate: Int
        let groups: Groups
        /// Present only for a forked model (nil is left out of the JSON).
        let sentimentBranch: Branch?
        let parameters: Parameters
        let fileBytes: Int
        let precision: String
        let projectionFlopsPerToken: Int
        let accuracy: Double?
        let macroF1: Double?

        init(_ s: ModelSummary, _ evaluation: SentimentEvaluation?) {
            let c = s.config, g = c.groups
            folder = s.folder.path
            architecture = c.architecture.rawValue
            layers = c.layerCount
            hidden = c.hiddenSize
            heads = c.headCount
            intermediate = c.intermediateSize
            groups = Groups(q: g.query, k: g.key, v: g.value, postAttention: g.postAttention,
                            intermediate: g.intermediate, output: g.output)
            sentimentBranch = c.sentimentBranch.map { branch in
                let g = branch.groups
                return Branch(fromLayer: branch.fromLayer, layers: c.branchLayerCount,
                              groups: Groups(q: g.query, k: g.key, v: g.value, postAttention: g.postAttention,
                                             intermediate: g.intermediate, output: g.output),
                              parameters: s.branchParameters)
            }
            parameters = Parameters(total: s.totalParameters, embeddings: s.embeddingParameters,
                                    layers: s.encoderParameters, pooler: s.poolerParameters,
                                    classifier: s.classifierParameters)
            fileBytes = s.fileBytes
            precision = s.precision.rawValue
            projectionFlopsPerToken = s.projectionFlopsPerToken
            accuracy = evaluation?.score.accuracy
            macroF1 = evaluation?.score.macroF1
        }
    }

    struct Groups: Encodable {
        let q, k, v, postAttention, intermediate, output: Int
    }

    /// A forked model's sentiment branch: its first trunk layer, layer count, groups and the
    /// parameters of its layers (counted in `parameters.layers` too).
    struct Branch: Encodable {
        let fromLayer, layers: Int
        let groups: Groups
        let parameters: Int
    }

    struct Parameters: Encodable {
        let total, embeddings, layers, pooler, classifier: Int
    }

    struct Case: Encodable {
        let seq: Int
        let threads: Int
        let aP50Ms: FixedDigits
        let bP50Ms: FixedDigits
        let latencyRatio: FixedDigits
        let aRuns: Int
        let bRuns: Int
        let aFlopsPerToken: Int
        let bFlopsPerToken: Int
        let flopsRatio: FixedDigits
    }

    struct Ratios: Encodable {
        let parameters, fileBytes, projectionFlops: FixedDigits
    }

    struct Eval: Encodable {
        let file: String
        let n: Int
        let decision: String
    }
}
