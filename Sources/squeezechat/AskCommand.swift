import ArgumentParser
import ChatEngine
import Foundation

/// `squeezechat ask`: one-shot turns, answered as the chat would answer them.
struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Answer each text (or each standard-input line) as one chat turn.",
        discussion: """
            Turns are answered in order within one conversation, as the chat answers them: a reply is never repeated \
            back to back, a follow-up ("another one", "why?") is understood after the turn before it, a name given \
            ("call me Sam") is remembered, and a "Did you mean ...?" question can be answered on the next line.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var chat: ChatOptions
    @OptionGroup var engineOptions: EngineOptions

    @Flag(name: .long, help: "Print one JSON object per turn: text, reply, intent, confidence, clarify (when it asks back), sentiment, context, timings_ms.")
    var json = false

    @Flag(name: .long, help: "Report on standard error how the engine started (cache, training, milliseconds).")
    var verbose = false

    @Argument(help: "Turns; standard input lines when none are given.")
    var texts: [String] = []

    func run() throws {
        let engine = chat.engine(model: try model.load(engineOptions))
        if verbose {
            let s = engine.startup, c = s.calibration
            FileHandle.standardError.write(Data(String(
                format: "startup: %d texts, %d encoded, classifier %@, %.1f ms; threshold %.3f (cross-validated in-scope accuracy %.1f%%%@)\n",
                s.texts, s.encoded, s.trained ? "trained" : "from cache", s.milliseconds, engine.classifier.threshold,
                c.inScopeAccuracy * 100, c.outOfScopeRecall.map { String(format: ", out-of-scope recall %.1f%%", $0 * 100) } ?? "").utf8))
        }
        let session = ChatSession(engine: engine)
        TextInput.forEach(arguments: texts) { text in
            let turn = session.respond(to: text)
            if json {
                JSONOutput.print(TurnRecord(turn))
            } else {
                print(turn.reply)
            }
        }
    }
}
