import ChatEngine
import Foundation
import SqueezeBERT
import TextAnalysis

/// Tags each sentence of a text with a sentiment, for `/tag`. A protocol so the screen can be
/// tested without a model.
public protocol SentenceTagger: Sendable {
    /// Each sentence of `text` with its label and probability; empty when the model cannot tag.
    func tag(_ text: String) -> [TaggedSentence]
}

/// The tagger `squeezechat tag` uses too: TextAnalysis's sentence splitter and sentiment analyzer
/// (with the model's neutral band), all sentences in one batch.
public struct AnalyzerSentenceTagger: SentenceTagger {
    public let analyzer: SentimentAnalyzer?
    public let splitter = SentenceSplitter()

    /// A tagger for `model`; it tags nothing when the model has no classification head.
    public init(model: EncoderModel) { analyzer = try? SentimentAnalyzer(model: model) }

    public func tag(_ text: String) -> [TaggedSentence] {
        guard let analyzer else { return [] }
        return analyzer.analyze(splitter.split(text)).map {
            TaggedSentence(sentence: $0.text, label: $0.label, score: $0.score)
        }
    }
}

/// What `/model` says about the loaded model.
public enum ModelSummary {
    public static func describe(_ model: EncoderModel) -> String {
        let c = model.config, g = c.groups
        var lines = ["\(model.name): \(c.architecture.rawValue), \(c.layerCount) layers, hidden \(c.hiddenSize), \(c.headCount) heads, "
                     + "intermediate \(c.intermediateSize), max \(c.maxPositions) tokens, vocabulary \(c.vocabSize)",
                     "groups: q \(g.query), k \(g.key), v \(g.value), post-attention \(g.postAttention), intermediate \(g.intermediate), output \(g.output)"]
        let weights = model.folder.appendingPathComponent("model.safetensors")
        if let file = try? SafeTensorsFile(path: weights.path) {
            let parameters = file.names.compactMap { file.info($0)?.elementCount }.reduce(0, +)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int) ?? 0
            lines.append(String(format: "parameters: %@, model.safetensors %.1f MB", grouped(parameters), Double(bytes) / 1e6))
        }
        lines.append("sentiment head: " + (model.encoder.hasClassifier ? c.labels.joined(separator: ", ") : "none"))
        lines.append("folder: \(model.folder.path)")
        return lines.joined(separator: "\n")
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }
}

/// A line starting with `/`.
public enum SlashCommand: Equatable, Sendable {
    case help, why, bench, model, intents, clear, quit
    case tag(String)
    case save(String)
    case unknown(String)

    /// The command word is everything up to the first space or line break; the rest is the argument.
    public static func parse(_ line: String) -> SlashCommand {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = String(trimmed.prefix(while: { !$0.isWhitespace }))
        let argument = trimmed.dropFirst(name.count).trimmingCharacters(in: .whitespacesAndNewlines)
        switch name {
        case "/help", "/?": return .help
        case "/tag": return .tag(argument)
        case "/why": return .why
        case "/bench": return .bench
        case "/model": return .model
        case "/intents": return .intents
        case "/clear": return .clear
        case "/save": return .save(argument)
        case "/quit", "/exit", "/q": return .quit
        default: return .unknown(name)
        }
    }

    public static let helpText = """
        /help          this list
        /tag TEXT      sentiment of each sentence of TEXT (or of the last paste)
        /why           which words drove the last turn's sentiment
        /bench         a quick latency run: 20 turns, p50 and p95
        /model         the loaded model: architecture, groups, parameters, size
        /intents       the intents the bot knows
        /clear         clear the transcript
        /save FILE     write the transcript as Markdown
        /quit          leave (also Ctrl-D on an empty line, or Ctrl-C twice)
        keys: Emacs editing (Ctrl-A/E/B/F/K/U/W/Y, Alt-B/F/D), Up/Down and Ctrl-R history, PgUp/PgDn scroll, Ctrl-L redraw
        """
}

/// A quick latency run for `/bench`: `turns` answers to one sentence, their p50 and p95.
public func quickBench(engine: ChatEngine, turns: Int = 20, text: String = "hello, what can you do for me today?") -> LatencyStats {
    var stats = LatencyStats()
    _ = engine.respond(to: text)
    for _ in 0..<turns { stats.add(engine.respond(to: text).timings.total) }
    return stats
}
