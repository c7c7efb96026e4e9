import ArgumentParser
import CReadline
import ChatEngine
import Foundation
import TerminalUI

/// `squeezechat chat` (the default): a conversation with the bot.
///
/// Full-screen (ncurses) when standard input and output are terminals and TERM is not `dumb`;
/// otherwise, or with `--plain` or `--json`, line-oriented: one reply per input line, GNU readline
/// and the turn's latency when interactive, bare replies (or JSON lines) when piped.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the bot (the default command).",
        discussion: "Type /help for the commands, /quit or Ctrl-D to leave.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var chat: ChatOptions
    @OptionGroup var engineOptions: EngineOptions

    @Flag(name: .long, help: "Line-oriented chat instead of the full-screen interface.")
    var plain = false

    @Flag(name: .long, help: "Print one JSON object per turn (as `ask --json`).")
    var json = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let terminal = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        let dumb = (environment["TERM"] ?? "").isEmpty || environment["TERM"] == "dumb"
        let interactive = terminal && !json
        let engine = chat.engine(model: try model.load(precision: engineOptions.precision, threads: engineOptions.threads))
        if interactive && !plain && !dumb {
            var settings = ChatApp.Settings()
            settings.useColor = (environment["NO_COLOR"] ?? "").isEmpty
            settings.threads = engine.model.encoder.threads
            ChatApp(engine: engine, tagger: AnalyzerSentenceTagger(model: engine.model), settings: settings).run()
            return
        }
        let session = ChatSession(engine: engine)
        if interactive {
            print("squeezechat: \(engine.model.name), \(engine.intents.intents.count) intents. /help for commands, /quit to leave.")
        }
        while true {
            guard let line = interactive ? Self.readInteractive() : readLine() else {
                if interactive { print() }  // end the prompt's line after Ctrl-D
                break
            }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text.hasPrefix("/") {
                if !slashCommand(text, engine: engine) { break }
                continue
            }
            let turn = session.respond(to: text)
            if json {
                print(AskCommand.json(turn))
            } else if interactive {
                let sentiment = turn.sentiment.map { ", \($0.label)" } ?? ""
                print("bot> \(turn.reply)")
                print(String(format: "     [%@ %.2f%@ | %.1f ms]", turn.intent, turn.confidence, sentiment, turn.timings.total))
            } else {
                print(turn.reply)
            }
            fflush(nil)
        }
    }

    /// One line from GNU readline (editing and in-session history); nil at end of input.
    static func readInteractive() -> String? {
        guard let pointer = readline("you> ") else { return nil }
        defer { free(pointer) }
        let line = String(cString: pointer)
        if !line.trimmingCharacters(in: .whitespaces).isEmpty { add_history(pointer) }
        return line
    }

    /// Runs a slash command; false means quit.
    func slashCommand(_ text: String, engine: ChatEngine) -> Bool {
        let command = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? text
        switch command {
        case "/quit", "/exit": return false
        case "/help": print("/help  /intents  /model  /quit")
        case "/intents": print(engine.intents.intents.map(\.name).joined(separator: ", "))
        case "/model": print(ModelSummary.describe(engine.model))
        default: print("unknown command \(command); /help lists them")
        }
        return true
    }
}
