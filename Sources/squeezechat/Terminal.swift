import Foundation

/// What the terminal can show: colour on standard output, a progress line on standard error.
enum Terminal {
    /// Colour only for a terminal, and never when NO_COLOR is set to anything non-empty (no-color.org).
    static var colorsStandardOutput: Bool {
        isatty(STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// `text` in ANSI colour `code` (31 red, 32 green, 33 yellow), or as is.
    static func paint(_ text: String, _ code: Int, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A one-line progress display on standard error, redrawn at most five times a second; silent
/// unless standard error is a terminal and the input turns out to be long.
struct ProgressLine {
    let enabled: Bool
    /// Total input bytes when known (files), for a percentage.
    let totalBytes: Int?
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(totalBytes: Int?) {
        enabled = Terminal.standardErrorIsTerminal
        self.totalBytes = totalBytes
    }

    /// Long input: over 256 KB of files, or over 2,000 texts from standard input.
    mutating func update(texts: Int, bytes: Int) {
        guard enabled else { return }
        let long = totalBytes.map { $0 > 256 * 1024 } ?? (texts > 2000)
        guard long, Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        drawn = true
        if let totalBytes, totalBytes > 0 {
            let fraction = min(1, Double(bytes) / Double(totalBytes))
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
            Terminal.writeError("\r[\(bar)] \(Int(fraction * 100))%  \(texts) texts")
        } else {
            Terminal.writeError("\r\(texts) texts")
        }
    }

    /// Clears the line if anything was drawn.
    func finish() {
        if drawn { Terminal.writeError("\r\u{1B}[2K") }
    }
}
