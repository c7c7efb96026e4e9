import Foundation
import SqueezeBERT

/// Input history: Up/Down browsing, Ctrl-R reverse search, and persistence to one file
/// (`$XDG_STATE_HOME/squeezechat/history`, else `~/.local/state/squeezechat/history`), one entry
/// per line with `\n` and `\\` escaped, rewritten atomically after each entry.
public struct History: Sendable {
    public private(set) var entries: [String] = []
    /// Where Up/Down is: entries.count means "the line being typed".
    public private(set) var position = 0
    /// The line being typed when browsing started, given back when browsing returns past the newest entry.
    private var draft = ""
    public let file: URL?
    public let limit: Int

    public init(file: URL?, limit: Int = 1000) {
        self.file = file
        self.limit = limit
        if let file, let data = try? String(contentsOf: file, encoding: .utf8) {
            entries = data.split(separator: "\n").map { History.unescape(String($0)) }.suffix(limit)
        }
        position = entries.count
    }

    /// `$XDG_STATE_HOME/squeezechat/history`, else `~/.local/state/squeezechat/history`.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("squeezechat/history")
        }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/squeezechat/history")
    }

    /// Records a submitted line (not a repeat of the last one) and saves; a failed save is returned, not thrown.
    @discardableResult
    public mutating func add(_ line: String) -> String? {
        defer { position = entries.count; draft = "" }
        guard !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, entries.last != line else { return nil }
        entries.append(line)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        do { try save() } catch { return "history not saved: \(error.localizedDescription)" }
        return nil
    }

    /// Up: the previous entry, or nil at the oldest. `current` is kept as the draft.
    public mutating func previous(current: String) -> String? {
        guard position > 0 else { return nil }
        if position == entries.count { draft = current }
        position -= 1
        return entries[position]
    }

    /// Down: the next entry, the draft past the newest, or nil when not browsing.
    public mutating func next() -> String? {
        guard position < entries.count else { return nil }
        position += 1
        return position == entries.count ? draft : entries[position]
    }

    /// The newest entry before index `before` (exclusive) containing `query`, case-insensitively.
    public func search(_ query: String, before: Int? = nil) -> Int? {
        guard !query.isEmpty else { return nil }
        var index = min(before ?? entries.count, entries.count) - 1
        while index >= 0 {
            if entries[index].localizedCaseInsensitiveContains(query) { return index }
            index -= 1
        }
        return nil
    }

    func save() throws {
        guard let file else { return }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let body = entries.map(History.escape).joined(separator: "\n") + "\n"
        try AtomicFile.write(Array(body.utf8), to: file)
    }

    static func escape(_ line: String) -> String {
        line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ line: String) -> String {
        var result = "", escaped = false
        for c in line {
            if escaped { result.append(c == "n" ? "\n" : c); escaped = false }
            else if c == "\\" { escaped = true }
            else { result.append(c) }
        }
        return result
    }
}
