import Foundation

/// What the terminal can show: colour on standard output, a progress line on standard error.
enum Terminal {
    /// `text` with every control character but tab shown as a symbol (ESC as ␛, C1 controls as
    /// �), so text read from anywhere can never move the cursor, recolour or retitle the terminal.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) }) else { return text }
        var shown = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: shown.append(scalar)
            case 0x00..<0x20: shown.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: shown.append("\u{2421}")
            case 0x80..<0xA0: shown.append("\u{FFFD}")
            default: shown.append(scalar)
            }
        }
        return String(shown)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value != 0x09 && (scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value))
    }

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
