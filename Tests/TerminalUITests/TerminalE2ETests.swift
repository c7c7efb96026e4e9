import Foundation
import Testing

/// Drives the real `squeezechat` binary in a real terminal: tmux at a fixed size, keys sent with
/// `send-keys`, the screen read with `capture-pane`. Every wait polls the screen with a deadline.
/// Each run talks to its own tmux server (a private socket), so it never meets another run's screen.
@Suite(.serialized) struct TerminalE2ETests {
    /// Intents whose replies the test can recognise. The chat runs the bundled model, so a clear turn
    /// must land in its intent; `--threshold 0` keeps every turn in scope (the out-of-scope cut is
    /// tested elsewhere).
    static let intents = """
        intents:
          - name: greeting
            examples: [hi, hello there, good morning]
            responses: ["REPLY-GREETING: hello from the bot."]
          - name: weather
            examples: [is it raining, what is the weather, will it be sunny]
            responses: ["REPLY-WEATHER: I cannot see outside."]
          - name: joke
            examples: [tell me a joke, make me laugh, say something funny]
            responses: ["REPLY-JOKE: I would tell you a UDP joke, but you might not get it."]
        """

    @Test func fullScreenChatInTmux() throws {
        let tmux = try #require(Self.findExecutable("tmux"),
                                "tmux is required for the end-to-end test: apt-get install tmux (.ci/run installs it)")
        let binary = try #require(Self.findProduct("squeezechat"),
                                  "the squeezechat binary was not found next to the test bundle; run `swift build` first")
        let chat = try ChatScratch(intents: Self.intents)
        let scratch = chat.folder
        defer { chat.remove() }

        let terminal = Tmux(fresh: tmux)
        defer { terminal.killServer() }
        let command = (chat.words(starting: binary) + [
            "echo \"squeezechat exited with status $?\";",
            "echo \"tty: $(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' ')\";",
            "sleep 60",
        ]).joined(separator: " ")
        try terminal.run(["-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", command])

        // Start-up (a cold start: the model loads and the intents are encoded): the prompt and the status bar.
        var screen = try terminal.waitFor("the prompt", timeout: 60) { $0.last?.hasPrefix("you>") == true && $0.count == 30 }
        #expect(screen[27].contains("no turns yet"), "status bar before the first turn:\n\(screen.joined(separator: "\n"))")

        // A clear turn (not one of the examples): the joke's reply, and its intent in the user turn's
        // badges and the status bar.
        try terminal.run(["send-keys", "-t", "0", "-l", "do you know any good jokes"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        screen = try terminal.waitFor("the reply") { $0.contains { $0.contains("REPLY-") } }
        let text = screen.joined(separator: "\n")
        #expect(text.contains("bot  REPLY-JOKE: "), "a question about jokes should be answered by the joke intent:\n\(text)")
        screen = try terminal.waitFor("the status bar's latency") { Self.matches($0[27], #"\d+\.\d ms  tok"#) }
        #expect(screen[27].contains("p50") && screen[27].contains("p95"), "status line 1: \(screen[27])")
        #expect(Self.matches(screen[28], #"^ joke \d\.\d\d │ "#), "status line 2 should name the intent joke: \(screen[28])")
        #expect(screen.contains { Self.matches($0, #"^     \[joke \d\.\d\d\] .* \[\d+\.\d ms\]$"#) }, "badges:\n\(text)")

        // History: Up recalls the last input, Ctrl-R finds it by a fragment, Ctrl-G cancels the search.
        try terminal.run(["send-keys", "-t", "0", "Up"])
        _ = try terminal.waitFor("Up recalling the last input") { $0[29] == "you> do you know any good jokes" }
        try terminal.run(["send-keys", "-t", "0", "C-u", "C-r"])
        try terminal.run(["send-keys", "-t", "0", "-l", "jok"])
        _ = try terminal.waitFor("the reverse search") { $0[29].hasPrefix("(reverse-i-search)`jok': do you know any good jokes") }
        try terminal.run(["send-keys", "-t", "0", "C-g"])
        _ = try terminal.waitFor("the cancelled search") { $0[29] == "you>" }

        // A bracketed multi-line paste after /tag is one input, and each sentence is tagged.
        try terminal.run(["send-keys", "-t", "0", "-l", "/tag "])
        try terminal.run(["send-keys", "-t", "0", "-l", "\u{1B}[200~I love this phone.\nThe battery is awful!\nShipping was fine.\u{1B}[201~"])
        screen = try terminal.waitFor("the paste in the input line") { $0[29].contains("Shipping was fine.") }
        #expect(!screen.contains { $0.contains("[positive") && $0.contains("I love this phone.") }, "paste must not submit")
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        screen = try terminal.waitFor("three tagged sentences") { lines in
            ["I love this phone.", "The battery is awful!", "Shipping was fine."].allSatisfy { sentence in
                lines.contains { Self.matches($0, #"\[(positive|negative|neutral) \d\.\d\d\] "#) && $0.contains(sentence) }
            }
        }

        // /why explains the label the badge shows, also where the neutral head overrules the
        // positive-vs-negative direction (a thank-you: neutral, though it leans positive).
        try terminal.run(["send-keys", "-t", "0", "-l", "thanks, that was helpful"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        screen = try terminal.waitFor("the thank-you's badges") { lines in
            guard let row = lines.lastIndex(of: "you  thanks, that was helpful"), row + 1 < lines.count else { return false }
            return Self.matches(lines[row + 1], #"\[\d+\.\d ms\]$"#)
        }
        let badgeRow = screen[try #require(screen.lastIndex(of: "you  thanks, that was helpful")) + 1]
        let badge = try #require(badgeRow.firstMatch(of: #/\[(positive|negative|neutral) \d\.\d\d\]/#),
                                 "the turn has a sentiment badge: \(badgeRow)")
        try terminal.run(["send-keys", "-t", "0", "-l", "/why"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        screen = try terminal.waitFor("the answer to /why") { $0.contains { $0.contains(#/^     why \w+ \d\.\d\d:/#) } }
        let why = try #require(screen.lazy.compactMap { $0.firstMatch(of: #/^     why (\w+) \d\.\d\d:/#) }.last)
        #expect(why.1 == badge.1, "/why must explain the badge's label: badge \(badgeRow), /why \(why.0)")

        // The other slash commands answer in the transcript.
        for (command, answer) in [("/bench", "bench: 20 turns, p50"), ("/model", "parameters: "),
                                  ("/intents", "greeting, weather, joke"), ("/nope", "unknown command /nope")] {
            try terminal.run(["send-keys", "-t", "0", "-l", command])
            try terminal.run(["send-keys", "-t", "0", "Enter"])
            _ = try terminal.waitFor("the answer to \(command)") { $0.contains { $0.contains(answer) } }
        }
        let saved = scratch.appendingPathComponent("transcript.md")
        try terminal.run(["send-keys", "-t", "0", "-l", "/save \(saved.path)"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        _ = try terminal.waitFor("the saved transcript") { $0.contains { $0.contains("saved the transcript") } }
        #expect(try String(contentsOf: saved, encoding: .utf8).contains("**you:** do you know any good jokes"))

        // Resizes re-lay out at once: smaller, too small (a notice), larger.
        try terminal.run(["resize-window", "-t", "0", "-x", "60", "-y", "15"])
        screen = try terminal.waitFor("the 60x15 layout") { $0.count == 15 && $0[14].hasPrefix("you>") && $0[12].contains(" ms") }
        #expect(screen.allSatisfy { $0.count <= 60 }, "\(screen.joined(separator: "\n"))")
        try terminal.run(["resize-window", "-t", "0", "-x", "20", "-y", "4"])
        _ = try terminal.waitFor("the too-small notice") { $0.first?.hasPrefix("terminal too small") == true }
        try terminal.run(["resize-window", "-t", "0", "-x", "120", "-y", "35"])
        screen = try terminal.waitFor("the 120x35 layout") { $0.count == 35 && $0[34].hasPrefix("you>") && $0[32].contains(" ms") }
        #expect(Self.matches(screen[33], #"squeezechat-sentiment │ \d+ threads?$"#), "status line 2 at 120 columns: \(screen[33])")

        // Ctrl-C clears the line, Ctrl-D on the empty line quits with status 0 and a sane terminal.
        try terminal.run(["send-keys", "-t", "0", "-l", "half a thought"])
        _ = try terminal.waitFor("typed text") { $0.last?.contains("half a thought") == true }
        try terminal.run(["send-keys", "-t", "0", "C-c"])
        _ = try terminal.waitFor("the cleared line") { $0.last?.contains("half a thought") == false }
        try terminal.run(["send-keys", "-t", "0", "C-d"])
        screen = try terminal.waitFor("the exit") { $0.contains { $0.hasPrefix("tty:") } }
        #expect(screen.contains("squeezechat exited with status 0"), "\(screen.joined(separator: "\n"))")
        let tty = screen.first { $0.hasPrefix("tty:") } ?? ""
        #expect(tty.contains(" icanon") && tty.contains(" echo") && !tty.contains("-icanon") && !tty.contains("-echo"),
                "terminal modes after exit: \(tty)")
        #expect(try terminal.output(["display-message", "-p", "-t", "0", "#{alternate_on}"]) == "0",
                "the alternate screen must be left")
    }

    /// SIGTERM or SIGHUP while a turn is being submitted (held, by the test-only hook, between the
    /// history file's write and its rename) restores the terminal, and the history file keeps its
    /// old contents whole. Escape sequences in a paste are shown, never sent to the terminal.
    /// SIGKILL cannot be caught, so there only the history is checked.
    @Test(arguments: [SIGTERM, SIGHUP, SIGKILL])
    func signalMidTurnRestoresTheTerminalAndKeepsTheHistory(_ signal: Int32) throws {
        let tmux = try #require(Self.findExecutable("tmux"), "tmux is required for the end-to-end test")
        let binary = try #require(Self.findProduct("squeezechat"), "run `swift build` first")
        let chat = try ChatScratch(intents: Self.intents)
        let scratch = chat.folder
        let historyFile = scratch.appendingPathComponent("state/squeezechat/history")
        try FileManager.default.createDirectory(at: historyFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { chat.remove() }
        try "old entry\n".write(to: historyFile, atomically: true, encoding: .utf8)

        let terminal = Tmux(fresh: tmux)
        defer { terminal.killServer() }
        let pidFile = scratch.appendingPathComponent("pid")
        let command = (chat.words(starting: binary, environment: "SQUEEZECHAT_TEST_PAUSE_BEFORE_RENAME=history",
                                 launcher: "sh -c 'echo $$ > pid; exec \"$0\" \"$@\"'") + [
            "echo \"squeezechat exited with status $?\";",
            "echo \"tty: $(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' ')\";",
            "sleep 60",
        ]).joined(separator: " ")
        try terminal.run(["-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", command])
        _ = try terminal.waitFor("the prompt", timeout: 60) { $0.last?.hasPrefix("you>") == true && $0.count == 24 }

        // A paste holding colour and clear-screen sequences: shown in the input line as text.
        try terminal.run(["send-keys", "-t", "0", "-l", "\u{1B}[200~paste \u{1B}[31mred\u{1B}[0m\u{1B}[2J\u{1B}[201~"])
        let screen = try terminal.waitFor("the paste") { $0.last?.contains("[31mred") == true }
        #expect(screen.last?.contains("paste ^[[31mred^[[0m^[[2J") == true, "\(screen.joined(separator: "\n"))")
        try terminal.run(["send-keys", "-t", "0", "C-u"])

        try terminal.run(["send-keys", "-t", "0", "-l", "new entry"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        let marker = historyFile.path + ".paused-before-rename"
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: marker), Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: marker), "the history write never paused")
        let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, signal)

        // After SIGKILL the terminal is left raw (no carriage returns), so lines need not start at column 0.
        let after = try terminal.waitFor("the exit") { $0.contains { $0.contains("tty:") } }
        #expect(after.contains { $0.contains("squeezechat exited with status \(128 + signal)") }, "\(after.joined(separator: "\n"))")
        let tty = after.first { $0.hasPrefix("tty:") } ?? ""
        if signal != SIGKILL {
            #expect(tty.contains(" icanon") && tty.contains(" echo") && !tty.contains("-icanon") && !tty.contains("-echo"),
                    "terminal modes after the signal: \(tty)")
            #expect(try terminal.output(["display-message", "-p", "-t", "0", "#{alternate_on}"]) == "0",
                    "the alternate screen must be left")
        }
        #expect(try String(contentsOf: historyFile, encoding: .utf8) == "old entry\n")
    }

    /// Extreme sizes, a storm of resizes and turns typed faster than they are answered: the app
    /// keeps drawing, answers every turn in order, and quits cleanly.
    @Test func extremeSizesResizeStormAndTypingAhead() throws {
        let tmux = try #require(Self.findExecutable("tmux"), "tmux is required for the end-to-end test")
        let binary = try #require(Self.findProduct("squeezechat"), "run `swift build` first")
        let chat = try ChatScratch(intents: Self.intents)
        defer { chat.remove() }
        let terminal = Tmux(fresh: tmux)
        defer { terminal.killServer() }
        let command = (chat.words(starting: binary) + [
            "echo \"squeezechat exited with status $?\"; sleep 60",
        ]).joined(separator: " ")
        try terminal.run(["-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", command])
        _ = try terminal.waitFor("the prompt", timeout: 60) { $0.last?.hasPrefix("you>") == true && $0.count == 24 }

        try terminal.run(["resize-window", "-t", "0", "-x", "10", "-y", "3"])
        let tiny = try terminal.waitFor("the 10x3 notice") { $0.count == 3 && $0[0].hasPrefix("terminal") }
        #expect(tiny.allSatisfy { $0.count <= 10 }, "\(tiny)")
        try terminal.run(["resize-window", "-t", "0", "-x", "400", "-y", "120"])
        _ = try terminal.waitFor("the 400x120 layout") { $0.count == 120 && $0[119].hasPrefix("you>") }
        for size in 0..<40 {
            try terminal.run(["resize-window", "-t", "0", "-x", "\(20 + size * 7 % 90)", "-y", "\(4 + size % 30)"])
        }
        try terminal.run(["resize-window", "-t", "0", "-x", "100", "-y", "40"])
        _ = try terminal.waitFor("the layout after the storm") { $0.count == 40 && $0[39].hasPrefix("you>") }

        // Twenty turns in one burst: each waits its turn on the worker, none is lost or reordered.
        let turns = (1...20).map { "tell me a joke number \($0)" }
        try terminal.run(["send-keys", "-t", "0", "-l", turns.joined(separator: "\r") + "\r"])
        let screen = try terminal.waitFor("twenty answers", timeout: 60) { lines in
            lines.contains("you  tell me a joke number 20") && lines.last { $0.hasPrefix("bot  ") } != nil
                && lines.lastIndex(of: "you  tell me a joke number 20").map { row in
                    lines[(row + 1)...].contains { $0.hasPrefix("bot  REPLY-") } } == true
        }
        let asked = screen.filter { $0.hasPrefix("you  tell me a joke number") }
        #expect(asked == asked.sorted { Int($0.split(separator: " ").last!)! < Int($1.split(separator: " ").last!)! },
                "turns out of order: \(asked)")
        // Each reply sits under its own turn (the badge, then the reply), even for turns typed
        // while earlier ones were still waiting.
        for row in screen.indices where screen[row].hasPrefix("you  tell me a joke number") && row + 2 < screen.count {
            #expect(screen[row + 1].hasPrefix("     [") && screen[row + 2].hasPrefix("bot  "),
                    "no reply under \(screen[row]):\n\(screen.joined(separator: "\n"))")
        }
        try terminal.run(["send-keys", "-t", "0", "C-d"])
        let end = try terminal.waitFor("the exit") { $0.contains { $0.hasPrefix("squeezechat exited") } }
        #expect(end.contains("squeezechat exited with status 0"))
    }

    /// A turn that asks back, then its pick: the badge and the status bar say which, and the status
    /// bar's last stage is "ask" while the bot asks. The file asks about every answered turn (gap 1).
    @Test func askingBackOnTheScreen() throws {
        let tmux = try #require(Self.findExecutable("tmux"), "tmux is required for the end-to-end test")
        let binary = try #require(Self.findProduct("squeezechat"), "run `swift build` first")
        let chat = try ChatScratch(intents: Self.intents + "\nclarify: {gap: 1, band: 0}\n")
        defer { chat.remove() }
        let terminal = Tmux(fresh: tmux)
        defer { terminal.killServer() }
        let command = (chat.words(starting: binary) + ["sleep 60"]).joined(separator: " ")
        try terminal.run(["-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", command])
        _ = try terminal.waitFor("the prompt", timeout: 60) { $0.last?.hasPrefix("you>") == true && $0.count == 30 }

        try terminal.run(["send-keys", "-t", "0", "-l", "tell me a joke"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        var screen = try terminal.waitFor("the question") { $0.contains { $0.contains("bot  Did you mean: 1) joke, 2) ") } }
        var text = screen.joined(separator: "\n")
        #expect(screen.contains { Self.matches($0, #"^     \[asking: joke or \w+ \d\.\d\d\]"#) }, "badge:\n\(text)")
        screen = try terminal.waitFor("the status bar") { Self.matches($0[27], #"· ask \d+\.\d"#) }
        #expect(Self.matches(screen[28], #"^ asking: joke or \w+ \d\.\d\d │ "#), "status line 2: \(screen[28])")

        try terminal.run(["send-keys", "-t", "0", "-l", "1"])
        try terminal.run(["send-keys", "-t", "0", "Enter"])
        screen = try terminal.waitFor("the picked reply") { $0.contains { $0.contains("bot  REPLY-JOKE") } }
        text = screen.joined(separator: "\n")
        #expect(screen.contains { $0.contains("[joke 1.00] [picked from the question]") }, "badge:\n\(text)")
        screen = try terminal.waitFor("the status bar after the pick") { Self.matches($0[27], #"· ret \d+\.\d"#) }
        #expect(screen[28].hasPrefix(" joke 1.00 (picked from the question) │ "), "status line 2: \(screen[28])")
    }

    // MARK: helpers

    static func matches(_ line: String, _ pattern: String) -> Bool { line.range(of: pattern, options: .regularExpression) != nil }

    func quote(_ text: String) -> String { shellQuoted(text) }

    static func findExecutable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// A product built next to the test bundle (Linux: the runner's folder; macOS: beside the .xctest bundle).
    static func findProduct(_ name: String) -> URL? {
        let testBundles = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map { $0.bundleURL.deletingLastPathComponent() }
        let candidates = [Bundle.main.bundleURL] + testBundles + [Bundle.main.bundleURL.deletingLastPathComponent()]
        return candidates.map { $0.appendingPathComponent(name) }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// One private tmux server, addressed by its socket name.
struct Tmux {
    let executable: URL
    let socket: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs one tmux command and returns its output. It is spawned with posix_spawn and reaped with
    /// waitpid, its output going to a file: Foundation's Process notices an exit only when every
    /// holder of its status socket has gone, and the server `new-session` starts would hold it forever.
    /// It starts with no signal blocked: tests run on pool threads that block signals, and a mask
    /// inherited by the server and the app would hide SIGWINCH (no re-layout) and SIGTERM from them.
    @discardableResult
    func output(_ arguments: [String]) throws -> String {
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: capture) }
        let argv = [executable.path, "-L", socket] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable.path, &actions, &attributes, cArguments, environ)
        guard spawned == 0 else { throw Failure(description: "cannot start tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let text = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw Failure(description: "tmux \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return text.trimmingCharacters(in: .newlines)
    }

    func run(_ arguments: [String]) throws { try output(arguments) }

    /// The visible screen, one string per row, trailing spaces removed.
    func screen() throws -> [String] {
        let text = try output(["capture-pane", "-p", "-t", "0"])
        var rows = text.components(separatedBy: "\n").map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
        let height = Int(try output(["display-message", "-p", "-t", "0", "#{pane_height}"])) ?? rows.count
        while rows.count < height { rows.append("") }
        return rows
    }

    /// Polls the screen every 50 ms until `condition` holds; fails with the last screen after `timeout` seconds.
    func waitFor(_ what: String, timeout: Double = 15, _ condition: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String] = []
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(50_000)
        }
        throw Failure(description: "timed out waiting for \(what); the screen was:\n\(last.joined(separator: "\n"))")
    }

    func killServer() { _ = try? output(["kill-server"]) }
}

/// `text` as one single-quoted shell word.
func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// A scratch folder holding the test intents, and the shell words that start the chat in it with
/// the folder's own cache and state, so runs never touch the user's files or each other's.
struct ChatScratch {
    let folder: URL

    init(intents: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("intents"), withIntermediateDirectories: true)
        try intents.write(to: folder.appendingPathComponent("intents/test.yaml"), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// `cd` into the folder, then `binary` on its intents with every intent accepted; `environment`
    /// adds variables, `launcher` runs before the binary (it receives the binary as "$0").
    func words(starting binary: URL, environment: String = "", launcher: String? = nil) -> [String] {
        ["cd \(shellQuoted(folder.path)) &&",
         "env TERM=xterm-256color LANG=C.UTF-8 NO_COLOR= XDG_CACHE_HOME=\(shellQuoted(folder.path + "/cache"))",
         "XDG_STATE_HOME=\(shellQuoted(folder.path + "/state"))" + (environment.isEmpty ? "" : " " + environment)]
            + (launcher.map { [$0] } ?? [])
            + [shellQuoted(binary.path), "--intents", shellQuoted(folder.path + "/intents"), "--threshold 0;"]
    }
}

extension Tmux {
    /// A tmux server on a socket of its own.
    init(fresh executable: URL) {
        self.init(executable: executable, socket: "squeezechat-e2e-\(getpid())-\(UUID().uuidString.prefix(8))")
    }
}
