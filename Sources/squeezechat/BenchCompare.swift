import Foundation
import SqueezeBERT
import TextAnalysis

/// `squeezechat bench --compare DIR_A DIR_B`: two model folders side by side (parameters, file
/// size, FLOPs per token, batch-1 latency and, with --eval, sentiment accuracy), so a grouped
/// student can be judged against its dense teacher on this machine.
struct BenchComparison {
    /// The static cost of one model: what the config and the weights file say, no timing.
    struct Cost {
        let config: EncoderConfig
        let hasPooler: Bool
        let hasClassifier: Bool
        /// Bytes of `model.safetensors`.
        let fileBytes: Int

        /// Word, position and token-type tables plus the embeddings LayerNorm.
        var embeddingParameters: Int {
            let C = config.hiddenSize
            return (config.vocabSize + config.maxPositions + config.typeVocabSize) * C + 2 * C
        }

        /// One encoder layer: six (grouped) projections with biases, two LayerNorms.
        var layerParameters: Int {
            let C = config.hiddenSize, I = config.intermediateSize, g = config.groups
            let weights = C * C / g.query + C * C / g.key + C * C / g.value + C * C / g.postAttention
                + C * I / g.intermediate + I * C / g.output
            let biases = 4 * C + I + C
            return weights + biases + 2 * 2 * C
        }

        /// Pooler (dense C -> C) when the checkpoint has one.
        var poolerParameters: Int { hasPooler ? config.hiddenSize * config.hiddenSize + config.hiddenSize : 0 }

        /// Classifier (C -> labels) when the checkpoint has one.
        var classifierParameters: Int {
            hasClassifier ? (config.hiddenSize + 1) * config.labels.count : 0
        }

        var encoderParameters: Int { config.layerCount * layerParameters }

        var totalParameters: Int {
            embeddingParameters + encoderParameters + poolerParameters + classifierParameters
        }

        /// FLOPs per token of the six projections of every layer: 2 * K * N / G each (a multiply
        /// and an add per kept weight). Independent of the sequence length.
        var projectionFlopsPerToken: Int {
            let C = config.hiddenSize, I = config.intermediateSize, g = config.groups
            let macs = C * C / g.query + C * C / g.key + C * C / g.value + C * C / g.postAttention
                + C * I / g.intermediate + I * C / g.output
            return 2 * config.layerCount * macs
        }

        /// FLOPs per token of attention at `tokens` tokens: per layer, Q K^T is 2 * T * C per query
        /// token (T keys, head size C/H, H heads) and probabilities x V the same, so 4 * T * C.
        func attentionFlopsPerToken(tokens T: Int) -> Int {
            4 * config.layerCount * T * config.hiddenSize
        }

        func flopsPerToken(tokens: Int) -> Int { projectionFlopsPerToken + attentionFlopsPerToken(tokens: tokens) }

        /// "squeezebert q/k/v/post/intermediate/output 4/4/4/1/4/4".
        var groupsText: String {
            let g = config.groups
            return [g.query, g.key, g.value, g.postAttention, g.intermediate, g.output].map(String.init)
                .joined(separator: "/")
        }
    }

    /// How FLOPs are counted, printed under the table and into the JSON.
    static let flopNote = "FLOPs per token: 2*K*N/G for each of the six projections of every layer, plus attention "
        + "4*T*C per layer at T tokens (Q K^T and probabilities x V); embeddings, LayerNorm, softmax, GELU, biases, "
        + "pooler and classifier (once per sequence) are not counted."

    /// One loaded model and its cost.
    struct Side {
        let model: EncoderModel
        let cost: Cost
    }

    /// Batch-1 latency of both models at one (tokens, threads).
    struct Timing {
        let tokens: Int, threads: Int
        let a: Benchmark.Result, b: Benchmark.Result
        var ratio: Double { b.p50 / a.p50 }
    }

    /// Loads a folder for comparing; a problem is one line naming the file (exit 1).
    static func load(_ path: String, maxLength: Int, precision: Precision?, threads: Int) -> Side {
        let url = ModelOptions.resolve(path)
        let model: EncoderModel
        do {
            model = try EncoderModel.load(from: url, maxLength: maxLength, precision: precision, threads: threads)
        } catch let error as ModelLoadError {
            Output.fail(error.description)
        } catch {
            Output.fail("\(path): \(error)")
        }
        let weights = url.appendingPathComponent("model.safetensors").path
        let bytes = (try? FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int) ?? 0
        // The pooler is optional in sentence-embedding checkpoints; a forward pass shows whether it ran.
        let hasPooler = model.encode(["hello"]).output.pooled != nil
        let cost = Cost(config: model.config, hasPooler: hasPooler, hasClassifier: model.encoder.hasClassifier,
                        fileBytes: bytes)
        return Side(model: model, cost: cost)
    }

    let a: Side, b: Side
    let timings: [Timing]
    /// Accuracy of each model on the --eval file, when one was given.
    let evaluation: (file: String, a: SentimentEvaluation, b: SentimentEvaluation)?
    /// Sequence lengths left out because a model's window is shorter.
    let skipped: [Int]
}

extension BenchComparison {
    /// Loads both folders, times them case by case (A then B at each length, so a busy machine
    /// slows both alike) and, with an eval file, scores both on it.
    static func run(
        folders: [String], seqs: [Int], threadCounts: [Int], precision: Precision?, budget: Benchmark.Budget,
        maxLength: Int, evalFile: String?, batchSize: Int
    ) -> BenchComparison {
        let threads = threadCounts.max() ?? 1
        let a = load(folders[0], maxLength: maxLength, precision: precision, threads: threads)
        let b = load(folders[1], maxLength: maxLength, precision: precision, threads: threads)
        var evaluation: (String, SentimentEvaluation, SentimentEvaluation)? = nil
        if let evalFile {
            func score(_ side: Side) -> SentimentEvaluation {
                do {
                    let analyzer = try SentimentAnalyzer(model: side.model, batchSize: batchSize)
                    return try SentimentEvaluation.run(path: evalFile, analyzer: analyzer)
                } catch let error as AnalysisError {
                    Output.fail(error.description)
                } catch let error as SentimentEvaluation.Failure {
                    // A file problem names the file; a label problem needs the folder too.
                    Output.fail(error.description.hasPrefix(evalFile)
                                ? error.description : "\(side.model.folder.path): \(error.description)")
                } catch {
                    Output.fail("\(evalFile): \(error)")
                }
            }
            evaluation = (evalFile, score(a), score(b))
        }
        let window = min(maxLength, a.model.config.maxPositions, b.model.config.maxPositions)
        var timings: [Timing] = []
        for tokens in seqs where tokens <= window {
            for n in threadCounts {
                let shape = Benchmark.Case(batch: 1, tokens: tokens, threads: n)
                let resultA = Benchmark.run(shape, encoder: a.model.encoder, budget: budget)
                let resultB = Benchmark.run(shape, encoder: b.model.encoder, budget: budget)
                timings.append(Timing(tokens: tokens, threads: n, a: resultA, b: resultB))
            }
        }
        return BenchComparison(a: a, b: b, timings: timings, evaluation: evaluation,
                               skipped: seqs.filter { $0 > window })
    }
}

// MARK: - Output

extension BenchComparison {
    static func ratio(_ b: Double, _ a: Double) -> Double { a == 0 ? .nan : b / a }

    static func number(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "null"
    }

    /// 1234567 -> "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// The side-by-side table: one row per measure, columns A, B and B/A.
    func table() -> String {
        var rows: [(String, String, String, String)] = []
        func add(_ name: String, _ x: String, _ y: String, _ r: String = "") { rows.append((name, x, y, r)) }
        func addCount(_ name: String, _ x: Int, _ y: Int) {
            add(name, Self.grouped(x), Self.grouped(y), Self.number(Self.ratio(Double(y), Double(x)), 3))
        }
        let ca = a.cost, cb = b.cost
        add("folder", a.model.name, b.model.name)
        add("architecture", ca.config.architecture.rawValue, cb.config.architecture.rawValue)
        add("groups q/k/v/post/int/out", ca.groupsText, cb.groupsText)
        func shape(_ c: EncoderConfig) -> String {
            "\(c.layerCount)L \(c.hiddenSize)C \(c.headCount)H \(c.intermediateSize)I"
        }
        add("shape", shape(ca.config), shape(cb.config))
        addCount("parameters", ca.totalParameters, cb.totalParameters)
        addCount("  embeddings", ca.embeddingParameters, cb.embeddingParameters)
        addCount("  layers", ca.encoderParameters, cb.encoderParameters)
        addCount("  pooler + classifier", ca.poolerParameters + ca.classifierParameters,
                 cb.poolerParameters + cb.classifierParameters)
        addCount("model.safetensors bytes", ca.fileBytes, cb.fileBytes)
        addCount("FLOPs/token, projections", ca.projectionFlopsPerToken, cb.projectionFlopsPerToken)
        for timing in timings where timing.threads == timings.first?.threads {
            addCount("FLOPs/token at \(timing.tokens) tokens", ca.flopsPerToken(tokens: timing.tokens),
                     cb.flopsPerToken(tokens: timing.tokens))
        }
        for timing in timings {
            add("p50 ms, 1 x \(timing.tokens), \(timing.threads) thread\(timing.threads == 1 ? "" : "s")",
                Self.number(timing.a.p50, 3), Self.number(timing.b.p50, 3), Self.number(timing.ratio, 3))
        }
        if let evaluation {
            add("accuracy (\(evaluation.a.n) rows, \(evaluation.a.decision))",
                Self.number(evaluation.a.score.accuracy * 100, 2) + "%",
                Self.number(evaluation.b.score.accuracy * 100, 2) + "%",
                Self.number((evaluation.b.score.accuracy - evaluation.a.score.accuracy) * 100, 2) + " pt")
        }
        let widths = [
            max(rows.map(\.0.count).max() ?? 0, 7),
            max(rows.map(\.1.count).max() ?? 0, 1), max(rows.map(\.2.count).max() ?? 0, 1),
            max(rows.map(\.3.count).max() ?? 0, 3),
        ]
        func line(_ r: (String, String, String, String)) -> String {
            r.0.padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  " + r.1.leftPadded(to: widths[1])
                + "  " + r.2.leftPadded(to: widths[2]) + "  " + r.3.leftPadded(to: widths[3])
        }
        var out = [line(("", "A", "B", "B/A"))] + rows.map(line)
        out.append("A: \(a.model.folder.path)")
        out.append("B: \(b.model.folder.path)")
        if let evaluation { out.append("eval: \(evaluation.file)") }
        out.append("precision \(a.model.encoder.precision.rawValue), batch 1, p50 of at least the --min-time per case")
        out.append(Self.flopNote)
        return out.joined(separator: "\n")
    }

    /// One JSON object: "a" and "b" (facts per model), "cases" (latency and FLOPs per length and
    /// thread count, with B/A ratios), "ratios" and, with --eval, "eval".
    func json() -> String {
        func side(_ s: Side, _ evaluation: SentimentEvaluation?) -> String {
            let c = s.cost, g = c.config.groups
            var fields = [
                "\"folder\":\(JSON.string(s.model.folder.path))",
                "\"architecture\":\(JSON.string(c.config.architecture.rawValue))",
                "\"layers\":\(c.config.layerCount)", "\"hidden\":\(c.config.hiddenSize)",
                "\"heads\":\(c.config.headCount)", "\"intermediate\":\(c.config.intermediateSize)",
                "\"groups\":{\"q\":\(g.query),\"k\":\(g.key),\"v\":\(g.value),\"post_attention\":\(g.postAttention),"
                    + "\"intermediate\":\(g.intermediate),\"output\":\(g.output)}",
                "\"parameters\":{\"total\":\(c.totalParameters),\"embeddings\":\(c.embeddingParameters),"
                    + "\"layers\":\(c.encoderParameters),\"pooler\":\(c.poolerParameters),"
                    + "\"classifier\":\(c.classifierParameters)}",
                "\"file_bytes\":\(c.fileBytes)",
                "\"precision\":\(JSON.string(s.model.encoder.precision.rawValue))",
                "\"projection_flops_per_token\":\(c.projectionFlopsPerToken)",
            ]
            if let evaluation {
                fields.append("\"accuracy\":\(evaluation.score.accuracy)")
                fields.append("\"macro_f1\":\(evaluation.score.macroF1)")
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
        let cases = timings.map { t in
            let fa = a.cost.flopsPerToken(tokens: t.tokens), fb = b.cost.flopsPerToken(tokens: t.tokens)
            return "{\"seq\":\(t.tokens),\"threads\":\(t.threads),\"a_p50_ms\":\(Self.number(t.a.p50, 6)),"
                + "\"b_p50_ms\":\(Self.number(t.b.p50, 6)),\"latency_ratio\":\(Self.number(t.ratio, 4)),"
                + "\"a_runs\":\(t.a.runs),\"b_runs\":\(t.b.runs),"
                + "\"a_flops_per_token\":\(fa),\"b_flops_per_token\":\(fb),"
                + "\"flops_ratio\":\(Self.number(Self.ratio(Double(fb), Double(fa)), 6))}"
        }
        let ratios = "{\"parameters\":\(Self.number(Self.ratio(Double(b.cost.totalParameters), Double(a.cost.totalParameters)), 6)),"
            + "\"file_bytes\":\(Self.number(Self.ratio(Double(b.cost.fileBytes), Double(a.cost.fileBytes)), 6)),"
            + "\"projection_flops\":\(Self.number(Self.ratio(Double(b.cost.projectionFlopsPerToken), Double(a.cost.projectionFlopsPerToken)), 6))}"
        var fields = [
            "\"a\":\(side(a, evaluation?.a))", "\"b\":\(side(b, evaluation?.b))",
            "\"cases\":[\(cases.joined(separator: ","))]", "\"ratios\":\(ratios)",
            "\"batch\":1", "\"skipped_seq\":\(JSON.array(skipped))",
            "\"flops_note\":\(JSON.string(Self.flopNote))",
        ]
        if let evaluation {
            fields.append("\"eval\":{\"file\":\(JSON.string(evaluation.file)),\"n\":\(evaluation.a.n),"
                          + "\"decision\":\(JSON.string(evaluation.a.decision))}")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
