import Foundation
import Testing

/// The full-screen chat's soak, skipped unless SQUEEZECHAT_SOAK=1: 2,000 turns typed into the app in
/// tmux, each answered before the next; resident memory and the status bar's latency figures are
/// read after 100 turns and at the end. The figures are printed for docs/hardening.md.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SQUEEZECHAT_SOAK"] == "1", "set SQUEEZECHAT_SOAK=1"))
struct TerminalSoakTests {
    @Test("2,000 turns in the full-screen chat: flat memory, every turn answered")
    func twoThousandTurns() throws {
        let count = 2_000
        let tmux = try #require(TerminalE2ETests.findExecutable("tmux"), "tmux is required")
        let binary = try #require(TerminalE2ETests.findProduct("squeezechat"), "run `swift build` first")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("intents"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try TerminalE2ETests.intents.write(to: scratch.appendingPathComponent("intents/test.yaml"), atomically: true, encoding: .utf8)
        let terminal = Tmux(executable: tmux, socket: "squeezechat-soak-\(getpid())-\(UUID().uuidString.prefix(8))")
        defer { terminal.killServer() }
        let quote = { (text: String) in "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let command = [
            "cd \(quote(scratch.path)) &&",
            "env TERM=xterm-256color LANG=C.UTF-8 XDG_CACHE_HOME=\(quote(scratch.path + "/cache"))",
            "XDG_STATE_HOME=\(quote(scratch.path + "/state"))",
            "sh -c 'echo $$ > pid; exec \"$0\" \"$@\"'", quote(binary.path), "--intents", quote(scratch.path + "/intents"),
            "--threshold 0; sleep 60",
        ].joined(separator: " ")
        try terminal.run(["-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", command])
        _ = try terminal.waitFor("the prompt", timeout: 60) { $0.last?.hasPrefix("you>") == true && $0.count == 30 }
        let pid = try #require(Int32(String(contentsOf: scratch.appendingPathComponent("pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))

        let texts = ["tell me a joke", "is it raining", "hello there", "make me laugh", "what is the weather"]
        var samples: [(turn: Int, residentKB: Int, status: String)] = []
        let started = Date()
        for turn in 1...count {
            let text = "\(texts[turn % texts.count]) #\(turn)"
            try terminal.run(["send-keys", "-t", "0", "-l", text])
            try terminal.run(["send-keys", "-t", "0", "Enter"])
            let screen = try terminal.waitFor("turn \(turn)'s answer", timeout: 30) { lines in
                guard let row = lines.lastIndex(of: "you  \(text)"), row + 1 < lines.count else { return false }
                return TerminalE2ETests.matches(lines[row + 1], #"\[\d+\.\d ms\]$"#)
            }
            if turn == 100 || turn == count { samples.append((turn, Self.residentKB(pid), screen[27])) }
        }
        let seconds = Date().timeIntervalSince(started)
        for sample in samples {
            print("soak tui: after \(sample.turn) turns resident memory \(sample.residentKB / 1024) MB; status bar:\(sample.status)")
        }
        print("soak tui: \(count) turns in \(Int(seconds)) s")
        let (start, end) = (samples.first?.residentKB ?? 0, samples.last?.residentKB ?? 0)
        #expect(start > 0 && end - start < 30 * 1024, "memory grew from \(start) KB to \(end) KB")
        try terminal.run(["send-keys", "-t", "0", "C-d"])
    }

    /// VmRSS of a running process, in KB.
    static func residentKB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
