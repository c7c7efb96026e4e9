import Foundation
import SqueezeBERT
import TerminalUI
import TextAnalysis

/// `squeezechat bench --compare DIR_A DIR_B`: two model folders side by side (parameters, file
/// size, FLOPs per token, batch-1 latency and, with --eval, sentiment accuracy), so a grouped
/// student can be judged against its dense teacher on this machine.
struct BenchComparison {
    /// How FLOPs are counted, printed under the table and into the JSON.
    static let flopNote = "FLOPs per token: 2*K*N/G for each of the six projections of every layer, plus attention "
        + "4*T*C per layer at T tokens (Q K^T and probabilities x V); embeddings, LayerNorm, softmax, GELU, biases, "
        + "pooler and classifier (once per sequence) are not counted."

    /// One loaded model and what it costs.
    struct Side {
        let model: EncoderModel
        let summary: ModelSummary
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
        return Side(model: model, summary: ModelSummary(model))
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

    /// The side-by-side table: one row per measure, columns A, B and B/A.
    func table() -> String {
        var rows: [(String, String, String, String)] = []
        func add(_ name: String, _ x: String, _ y: String, _ r: String = "") { rows.append((name, x, y, r)) }
        func addCount(_ name: String, _ x: Int, _ y: Int) {
            add(name, groupedDigits(x), groupedDigits(y), Self.number(Self.ratio(Double(y), Double(x)), 3))
        }
        let ca = a.summary, cb = b.summary
        add("folder", a.model.name, b.model.name)
        add("architecture", ca.config.architecture.rawValue, cb.config.architecture.rawValue)
        add("groups q/k/v/post/int/out", Self.groupsText(ca.config), Self.groupsText(cb.config))
        func shape(_ c: EncoderConfig) -> String {
            "\(c.layerCount)L \(c.hiddenSize)C \(c.headCount)H \(c.intermediateSize)I"
        }
        add("shape", shape(ca.config), shape(cb.config))
        if ca.config.sentimentBranch != nil || cb.config.sentimentBranch != nil {
            add("sentiment branch", Self.branchText(ca.config), Self.branchText(cb.config))
        }
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

    /// "4/4/4/1/4/4": the groups of q, k, v, post-attention, intermediate and output.
    static func groupsText(_ config: EncoderConfig) -> String { groupsText(config.groups) }

    static func groupsText(_ g: EncoderConfig.Groups) -> String {
        [g.query, g.key, g.value, g.postAttention, g.intermediate, g.output].map(String.init).joined(separator: "/")
    }

    /// "from 5, 1L 4/4/4/1/4/4": where the sentiment branch starts, its layers and groups; "none".
    static func branchText(_ config: EncoderConfig) -> String {
        guard let branch = config.sentimentBranch else { return "none" }
        return "from \(branch.fromLayer), \(config.branchLayerCount)L \(groupsText(branch.groups))"
    }

    /// The comparison as the --json object.
    var record: ComparisonRecord {
        let sa = a.summary, sb = b.summary
        func ratio(_ b: Int, _ a: Int) -> FixedDigits { FixedDigits(Self.ratio(Double(b), Double(a)), 6) }
        return ComparisonRecord(
            a: .init(sa, evaluation?.a), b: .init(sb, evaluation?.b),
            cases: timings.map { t in
                let fa = sa.flopsPerToken(tokens: t.tokens), fb = sb.flopsPerToken(tokens: t.tokens)
                return .init(seq: t.tokens, threads: t.threads, aP50Ms: FixedDigits(t.a.p50, 6), bP50Ms: FixedDigits(t.b.p50, 6),
                             latencyRatio: FixedDigits(t.ratio, 4), aRuns: t.a.runs, bRuns: t.b.runs,
                             aFlopsPerToken: fa, bFlopsPerToken: fb, flopsRatio: ratio(fb, fa))
            },
            ratios: .init(parameters: ratio(sb.totalParameters, sa.totalParameters), fileBytes: ratio(sb.fileBytes, sa.fileBytes),
                          projectionFlops: ratio(sb.projectionFlopsPerToken, sa.projectionFlopsPerToken)),
            skippedSeq: skipped, flopsNote: Self.flopNote,
            eval: evaluation.map { .init(file: $0.file, n: $0.a.n, decision: $0.a.decision) })
    }
}
