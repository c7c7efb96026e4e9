import ChatEngine
import Foundation
import SqueezeBERT
import TextAnalysis

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

    /// The commands, one a line: `/help` in either chat.
    public static let commandsHelp = """
        /help          this list
        /tag TEXT      sentiment of each sentence of TEXT (or of the last paste)
        /why           which words drove the last turn's sentiment
        /bench         a quick latency run: 20 turns, p50 and p95
        /model         the loaded model: architecture, groups, parameters, size
        /intents       the intents the bot knows
        /clear         clear the transcript
        /save FILE     write the transcript as Markdown
        /quit          leave (also Ctrl-D on an empty line, or Ctrl-C twice)
        """

    /// `/help` in the full-screen chat: the commands and its keys.
    public static let helpText = commandsHelp + """

        keys: Emacs editing (Ctrl-A/E/B/F/K/U/W/Y, Alt-B/F/D), Up/Down and Ctrl-R history, PgUp/PgDn scroll, Ctrl-L redraw
        """
}

/// The line both chats open with.
public func chatBanner(_ model: ModelSummary, intents: Int, leave: String) -> String {
    "squeezechat: \(model.name), \(intents) intents. /help for commands, \(leave) to leave."
}

/// What slash commands do, for the full-screen chat and the line-oriented one alike: each
/// command becomes transcript entries, shown at once or made by a job that runs the model.
public struct ChatCommands: Sendable {
    /// The engine whose turns, intents and model the commands report on.
    public let engine: ChatEngine
    /// What `/tag` tags with.
    public let tagger: any SentenceTagger
    /// What `/help` shows.
    public let help: String

    /// Commands over `engine`; `help` is the full-screen help unless the chat has other keys.
    public init(engine: ChatEngine, tagger: any SentenceTagger, help: String = SlashCommand.helpText) {
        self.engine = engine
        self.tagger = tagger
        self.help = help
    }

    /// What a command asks of the chat.
    public enum Outcome: Sendable {
        /// Show these entries now.
        case show([TranscriptEntry])
        /// A model pass: show `label` while `job` runs, then the entries it returns.
        case work(label: String, job: @Sendable () -> [TranscriptEntry])
        /// Empty the transcript.
        case clear
        /// Leave the chat.
        case quit
    }

    /// Runs `command` in a chat whose last answered turn, last paste and transcript so far are given.
    public func run(_ command: SlashCommand, lastTurn: Turn?, lastPaste: String?, transcript: Transcript) -> Outcome {
        let engine = self.engine, tagger = self.tagger
        switch command {
        case .help: return .show([.info(help)])
        case .quit: return .quit
        case .clear: return .clear
        case .intents: return .show([.info(engine.intents.intents.map(\.name).joined(separator: ", "))])
        case .model: return .show([.info(ModelSummary(engine.model).report)])
        case .unknown(let name): return .show([.error("unknown command \(name); /help lists them")])
        case .save(let path):
            guard !path.isEmpty else { return .show([.error("/save needs a file name")]) }
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            do {
                try AtomicFile.write(Array(transcript.markdown(model: engine.model.name).utf8), to: url)
                return .show([.info("saved the transcript to \(url.path)")])
            } catch {
                return .show([.error("cannot save \(url.path): \(error.localizedDescription)")])
            }
        case .tag(let argument):
            guard let text = argument.isEmpty ? lastPaste : argument else {
                return .show([.error("/tag needs text (or paste some first)")])
            }
            return .work(label: "tagging…") {
                let sentences = tagger.tag(text)
                return [sentences.isEmpty ? .error("this model has no sentiment head to tag with") : .tagged(sentences)]
            }
        case .why:
            guard let turn = lastTurn else { return .show([.error("/why explains the last turn: say something first")]) }
            guard let analyzer = engine.sentiment else {
                return .show([.error("this model has no sentiment head to explain")])
            }
            return .work(label: "explaining…") {
                guard let explanation = analyzer.explain(turn.text) else {
                    return [.error("/why needs a turn with words to explain")]
                }
                return [.why(label: explanation.label, score: explanation.score, words: explanation.words)]
            }
        case .bench:
            return .work(label: "benchmarking…") {
                let run = quickBench(engine: engine)
                return [.info(String(format: "bench: %d turns, p50 %.1f ms, p95 %.1f ms, %.0f turns/s", run.count,
                                     run.median ?? 0, run.p95 ?? 0, 1000 / max(run.median ?? 1, 0.001)))]
            }
        }
    }
}

/// A quick latency run for `/bench`: `turns` answers to one sentence, their p50 and p95.
public func quickBench(engine: ChatEngine, turns: Int = 20, text: String = "hello, what can you do for me today?") -> LatencyStats {
    var stats = LatencyStats()
    _ = engine.respond(to: text)
    for _ in 0..<turns { stats.add(engine.respond(to: text).timings.total) }
    return stats
}

extension ModelSummary {
    /// What `/model` says: architecture, groups, sentiment branch (when forked), parameters, file
    /// size, head and folder.
    public var report: String {
        let c = config, g = c.groups
        var lines = [
            "\(name): \(c.architecture.rawValue), \(c.layerCount) layers, hidden \(c.hiddenSize), \(c.headCount) heads, "
                + "intermediate \(c.intermediateSize), max \(c.maxPositions) tokens, vocabulary \(c.vocabSize)",
            "groups: q \(g.query), k \(g.key), v \(g.value), post-attention \(g.postAttention), intermediate \(g.intermediate), output \(g.output)",
        ]
        if let branch = sentimentBranchText { lines.append("sentiment branch: " + branch) }
        lines += [
            String(format: "parameters: %@, model.safetensors %.1f MB", groupedDigits(totalParameters), Double(fileBytes) / 1e6),
            "sentiment head: " + (hasClassifier ? c.labels.joined(separator: ", ") : "none"),
            "folder: \(folder.path)",
        ]
        return lines.joined(separator: "\n")
    }
}

/// 1234567 -> "1,234,567".
public func groupedDigits(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
}

extension Transcript {
    /// An entry as plain text, for the line-oriented chat: the same words as the screen, badges
    /// in brackets, each `/why` word with its share.
    public static func plainText(_ entry: TranscriptEntry) -> String {
        switch entry {
        case .user(let text, _), .bot(let text), .command(let text), .info(let text), .error(let text): text
        case .tagged(let sentences):
            sentences.map { String(format: "[%@ %.2f] %@", $0.label, $0.score, $0.sentence) }.joined(separator: "\n")
        case .why(let label, let score, let words):
            String(format: "why %@ %.2f: ", label, score)
                + words.map { String(format: "%@ (%+.2f)", $0.word, $0.delta) }.joined(separator: " ")
        }
    }
}
