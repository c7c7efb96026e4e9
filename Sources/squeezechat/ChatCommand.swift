import ArgumentParser
import CReadline
import ChatEngine
import Foundation
import SqueezeBERT
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
        let engine = chat.engine(model: try model.load(engineOptions))
        let notice = chat.folderNotice()
        if interactive && !plain && !dumb {
            var settings = ChatApp.Settings()
            settings.useColor = (environment["NO_COLOR"] ?? "").isEmpty
            settings.threads = engine.model.encoder.threads
            settings.startupNotice = notice
            ChatApp(engine: engine, tagger: AnalyzerSentenceTagger(model: engine.model), settings: settings).run()
            return
        }
        if let notice { Output.warn(notice) }
        let session = ChatSession(engine: engine)
        let commands = ChatCommands(engine: engine, tagger: AnalyzerSentenceTagger(model: engine.model),
                                    help: SlashCommand.commandsHelp)
        // Kept for /save and /why, as the full-screen chat keeps them.
        var transcript = Transcript()
        var lastTurn: Turn?
        if interactive {
            print(chatBanner(ModelSummary(engine.model), intents: engine.intents.intents.count, leave: "/quit"))
        }
        func show(_ entries: [TranscriptEntry]) {
            for entry in entries { print(Transcript.plainText(entry)) }
            transcript.entries += entries
        }
        reading: while true {
            guard let line = interactive ? Self.readInteractive() : readLine() else {
                if interactive { print() }  // end the prompt's line after Ctrl-D
                break
            }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text.hasPrefix("/") {
                let command = SlashCommand.parse(text)
                if command != .clear && command != .quit { transcript.append(.command(text)) }
                switch commands.run(command, lastTurn: lastTurn, lastPaste: nil, transcript: transcript) {
                case .show(let entries): show(entries)
                case .work(_, let job): show(job())
                case .clear:
                    transcript.entries.removeAll()
                    print("cleared the transcript")
                case .quit: break reading
                }
                fflush(nil)
                continue
            }
            let turn = session.respond(to: text)
            transcript.append(.user(text, turn))
            transcript.append(.bot(turn.reply))
            lastTurn = turn
            if json {
                JSONOutput.print(TurnRecord(turn))
            } else if interactive {
                let sentiment = turn.sentiment.map { ", \($0.label)" } ?? ""
                print("bot> \(turn.reply)")
                print(String(format: "     [%@ %.2f%@ | %.1f ms]", turn.intentLabel, turn.confidence, sentiment, turn.timings.total))
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
}
