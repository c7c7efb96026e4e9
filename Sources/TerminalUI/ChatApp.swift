import CTerminalShim
import ChatEngine
import Foundation
import TextAnalysis
import SqueezeBERT

/// The full-screen chat: a thin ncurses loop over the Transcript, LineEditor, History and
/// StatusBar models. The UI thread only reads keys and draws; every encoder pass runs on a
/// worker queue and comes back through a mailbox, so typing never waits for the model.
public final class ChatApp {
    /// What the app needs to know besides the engine.
    public struct Settings: Sendable {
        public var useColor = true
        public var historyFile: URL? = History.defaultFile()
        /// Threads the encoder uses, for the status bar.
        public var threads = 1
        /// A line shown under the banner, e.g. that the intents folder has problems.
        public var startupNotice: String?
        public init() {}
    }

    let engine: ChatEngine
    let session: ChatSession
    let commands: ChatCommands
    let settings: Settings
    var transcript = Transcript() { didSet { laidOut = nil } }
    /// The transcript laid out at a width, kept until the transcript changes, so keystrokes do not re-wrap it.
    var laidOut: (width: Int, lines: [StyledLine])?
    var editor = LineEditor()
    var history: History
    var scroll = ScrollState()
    var stats = LatencyStats()
    var lastTurn: Turn?
    var busy: [String] = []
    var search: (query: String, match: Int?, original: String)?
    var pasting: String?
    var lastPaste: String?
    var lastKeyWasInterrupt = false
    var notice: String?
    var running = true
    let mailbox = Mailbox()
    let worker = DispatchQueue(label: "squeezechat.worker")

    public init(engine: ChatEngine, tagger: any SentenceTagger, settings: Settings = Settings()) {
        self.engine = engine
        self.session = ChatSession(engine: engine)
        self.commands = ChatCommands(engine: engine, tagger: tagger)
        self.settings = settings
        self.history = History(file: settings.historyFile)
    }

    /// Runs until the user quits; the terminal is restored on return (and on signals, by the shim).
    public func run() {
        guard tui_start(settings.useColor ? 1 : 0) == 0 else { return }
        defer { tui_stop() }
        transcript.append(.info(chatBanner(ModelSummary(engine.model), intents: engine.intents.intents.count, leave: "Ctrl-D")))
        if let notice = settings.startupNotice { transcript.append(.info(notice)) }
        draw()
        while running {
            var value: UInt32 = 0
            let kind = tui_read(busy.isEmpty ? 250 : 30, &value)
            var dirty = kind != Int32(TUI_EVENT_NONE.rawValue)
            if dirty { handle(kind: kind, value: value) }
            // Drain every key already typed before drawing, so a paste or fast typing draws once.
            while running, kind != Int32(TUI_EVENT_NONE.rawValue) {
                let next = tui_read(0, &value)
                if next == Int32(TUI_EVENT_NONE.rawValue) { break }
                handle(kind: next, value: value)
            }
            for result in mailbox.take() { receive(result); dirty = true }
            if dirty && running { draw() }
        }
    }

    // MARK: keys

    func handle(kind: Int32, value: UInt32) {
        switch UInt32(kind) {
        case TUI_EVENT_RESIZE.rawValue: return
        case TUI_EVENT_PASTE_BEGIN.rawValue: pasting = ""; return
        case TUI_EVENT_PASTE_END.rawValue:
            if let text = pasting {
                var pasted = text
                while pasted.hasSuffix("\n") { pasted.removeLast() }
                editor.insert(pasted)
                lastPaste = pasted
            }
            pasting = nil
            return
        case TUI_EVENT_WHEEL_UP.rawValue: scroll.scrollBack += 3; return
        case TUI_EVENT_WHEEL_DOWN.rawValue: scroll.scrollBack = max(scroll.scrollBack - 3, 0); return
        default: break
        }
        if pasting != nil {
            // Inside a bracketed paste every character, line breaks included, is text.
            if kind == Int32(TUI_EVENT_CHAR.rawValue), let scalar = Unicode.Scalar(value) {
                pasting!.append(scalar == "\r" ? "\n" : Character(scalar))
            } else if kind == Int32(TUI_EVENT_KEY.rawValue), value == TUI_KEY_ENTER.rawValue {
                pasting!.append("\n")
            }
            return
        }
        let interrupt = kind == Int32(TUI_EVENT_CHAR.rawValue) && value == 3
        defer { lastKeyWasInterrupt = interrupt }
        notice = nil
        if search != nil, handleSearch(kind: kind, value: value) { return }
        if kind == Int32(TUI_EVENT_KEY.rawValue) { handleKey(value); return }
        guard kind == Int32(TUI_EVENT_CHAR.rawValue), let scalar = Unicode.Scalar(value) else { return }
        switch value {
        case 1: editor.moveHome()
        case 2: editor.moveLeft()
        case 3:
            if editor.isEmpty {
                if lastKeyWasInterrupt { running = false } else { notice = "Ctrl-C again (or Ctrl-D) to quit" }
            }
            editor.clear()
        case 4: if editor.isEmpty { running = false } else { editor.deleteForward() }
        case 5: editor.moveEnd()
        case 6: editor.moveRight()
        case 8, 127: editor.deleteBackward()
        case 11: editor.killToEnd()
        case 12: tui_redraw()
        case 10, 13: submit()
        case 14: if let line = history.next() { editor.set(line) }
        case 16: if let line = history.previous(current: editor.text) { editor.set(line) }
        case 18: search = (query: "", match: nil, original: editor.text)
        case 20: editor.transpose()
        case 21: editor.killToStart()
        case 23: editor.killWordBackward()
        case 25: editor.yank()
        case 27: handleMeta()
        case 0..<32: break
        default: editor.insert(String(Character(scalar)))
        }
    }

    func handleKey(_ key: UInt32) {
        let height = Layout(rows: Int(tui_rows()), columns: Int(tui_cols())).transcriptRows
        switch key {
        case TUI_KEY_LEFT.rawValue: editor.moveLeft()
        case TUI_KEY_RIGHT.rawValue: editor.moveRight()
        case TUI_KEY_HOME.rawValue: editor.moveHome()
        case TUI_KEY_END.rawValue: editor.moveEnd()
        case TUI_KEY_UP.rawValue: if let line = history.previous(current: editor.text) { editor.set(line) }
        case TUI_KEY_DOWN.rawValue: if let line = history.next() { editor.set(line) }
        case TUI_KEY_PAGE_UP.rawValue: scroll.pageUp(height: height)
        case TUI_KEY_PAGE_DOWN.rawValue: scroll.pageDown(height: height)
        case TUI_KEY_BACKSPACE.rawValue: editor.deleteBackward()
        case TUI_KEY_DELETE.rawValue: editor.deleteForward()
        case TUI_KEY_ENTER.rawValue: submit()
        default: break
        }
    }

    /// Alt-key combinations arrive as ESC and the key.
    func handleMeta() {
        var value: UInt32 = 0
        guard tui_read(0, &value) == Int32(TUI_EVENT_CHAR.rawValue) else { return }
        switch value {
        case UInt32(("b" as Unicode.Scalar).value): editor.moveWordLeft()
        case UInt32(("f" as Unicode.Scalar).value): editor.moveWordRight()
        case UInt32(("d" as Unicode.Scalar).value): editor.killWordForward()
        case 8, 127: editor.killWordBackward()
        default: break
        }
    }

    /// Ctrl-R search mode; returns false when the key should also be handled as a normal key.
    func handleSearch(kind: Int32, value: UInt32) -> Bool {
        guard var current = search else { return false }
        let isChar = kind == Int32(TUI_EVENT_CHAR.rawValue)
        func accept() {
            if let match = current.match { editor.set(history.entries[match]) }
            search = nil
        }
        switch (isChar, value) {
        case (true, 18): current.match = history.search(current.query, before: current.match) ?? current.match
        case (true, 7), (true, 27): editor.set(current.original); search = nil; return true
        case (true, 8), (true, 127), (false, TUI_KEY_BACKSPACE.rawValue):
            if !current.query.isEmpty { current.query.removeLast() }
            current.match = history.search(current.query)
        case (true, 10), (true, 13), (false, TUI_KEY_ENTER.rawValue): accept(); submit(); return true
        case (true, 32...):
            if let scalar = Unicode.Scalar(value) { current.query.append(Character(scalar)) }
            current.match = history.search(current.query)
        default: accept(); return false
        }
        search = current
        return true
    }

    // MARK: turns and commands

    func submit() {
        let text = editor.text.trimmingCharacters(in: .whitespacesAndNewlines)
        editor.clear()
        guard !text.isEmpty else { return }
        if let warning = history.add(text) { notice = warning }
        scroll.bottom()
        if text.hasPrefix("/") {
            let parsed = SlashCommand.parse(text)
            if parsed != .clear && parsed != .quit { transcript.append(.command(text)) }
            command(parsed)
            return
        }
        transcript.append(.user(text, nil))
        let index = transcript.entries.count - 1
        start("thinking…") { [session] in .turn(index, session.respond(to: text)) }
    }

    func command(_ command: SlashCommand) {
        switch commands.run(command, lastTurn: lastTurn, lastPaste: lastPaste, transcript: transcript) {
        case .show(let entries): transcript.entries += entries
        case .work(let label, let job): start(label) { .entries(job()) }
        case .clear: transcript.entries.removeAll()
        case .quit: running = false
        }
    }

    /// Runs `job` on the worker; its result comes back through the mailbox.
    func start(_ label: String, _ job: @escaping @Sendable () -> WorkResult) {
        busy.append(label)
        let mailbox = self.mailbox
        worker.async { mailbox.post(job()) }
    }

    func receive(_ result: WorkResult) {
        if !busy.isEmpty { busy.removeFirst() }
        scroll.bottom()
        switch result {
        case .turn(let index, let turn):
            // The reply goes right under its turn, even when later turns were typed while it
            // waited: one worker answers in order, so the turn is the oldest still waiting with
            // this text (`index` is where it was typed; replies inserted since may have moved it).
            let waiting = transcript.entries[min(index, transcript.entries.count)...].firstIndex {
                if case .user(turn.text, nil) = $0 { true } else { false }
            }
            if let waiting {
                transcript.entries[waiting] = .user(turn.text, turn)
                transcript.entries.insert(.bot(turn.reply), at: waiting + 1)
            } else {
                transcript.append(.bot(turn.reply))
            }
            stats.add(turn.timings.total)
            lastTurn = turn
        case .entries(let entries):
            transcript.entries += entries
        }
    }

    // MARK: drawing

    func draw() {
        let layout = Layout(rows: Int(tui_rows()), columns: Int(tui_cols()))
        tui_erase()
        if layout.isTooSmall {
            tui_put(0, 0, layout.tooSmallNotice, Style.error.rawValue)
            tui_cursor(0, 0, 0)
            tui_refresh()
            return
        }
        if laidOut?.width != layout.columns { laidOut = (layout.columns, transcript.lines(width: layout.columns)) }
        let lines = laidOut?.lines ?? []
        for (row, index) in scroll.visible(total: lines.count, height: layout.transcriptRows).enumerated() {
            var column = 0
            for span in lines[index] where column < layout.columns {
                let text = DisplayWidth.prefix(span.text, columns: layout.columns - column)
                tui_put(Int32(row), Int32(column), text, span.style.rawValue)
                column += DisplayWidth.of(text)
            }
        }
        var status = StatusBar.lines(last: lastTurn, stats: stats, model: engine.model.name, threads: settings.threads,
                                     busy: busy.first, width: layout.columns)
        if scroll.scrollBack > 0 {
            status[0] = DisplayWidth.fit(" ↑ scrolled back \(scroll.scrollBack) lines (PgDn) │" + status[0], columns: layout.columns)
        }
        for (row, line) in zip(layout.statusRows, status) {
            tui_fill(Int32(row), 0, Style.status.rawValue)
            tui_put(Int32(row), 0, line, Style.status.rawValue)
        }
        let prompt: String
        let shown: (text: String, cursorColumn: Int)
        if let search {
            let match = search.match.map { history.entries[$0] } ?? ""
            prompt = "(reverse-i-search)`\(search.query)': "
            shown = (DisplayWidth.prefix(match.replacingOccurrences(of: "\n", with: "↵"), columns: max(layout.columns - DisplayWidth.of(prompt), 1)), 0)
        } else if let notice {
            prompt = "you> "
            shown = editor.isEmpty ? (notice, 0) : editor.viewport(columns: layout.columns - 6)
        } else {
            prompt = "you> "
            shown = editor.viewport(columns: layout.columns - 6)
        }
        let promptShown = DisplayWidth.prefix(prompt, columns: layout.columns - 1)
        tui_put(Int32(layout.inputRow), 0, promptShown, Style.user.rawValue)
        tui_put(Int32(layout.inputRow), Int32(DisplayWidth.of(promptShown)), shown.text,
                notice != nil && editor.isEmpty ? Style.badge.rawValue : Style.normal.rawValue)
        tui_cursor(Int32(layout.inputRow), Int32(min(DisplayWidth.of(promptShown) + shown.cursorColumn, layout.columns - 1)), 1)
        tui_refresh()
    }
}

/// What a worker job hands back to the UI thread.
enum WorkResult: Sendable {
    case turn(Int, Turn)
    /// A slash command's entries.
    case entries([TranscriptEntry])
}

/// A lock-protected queue of finished jobs, posted from the worker and taken by the UI loop.
final class Mailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [WorkResult] = []

    func post(_ result: WorkResult) { lock.withLock { results.append(result) } }
    func take() -> [WorkResult] { lock.withLock { defer { results = [] }; return results } }
}
