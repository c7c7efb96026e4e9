/// The input line: text, cursor and a kill buffer, edited with readline's Emacs keys. Pure state,
/// so every key is unit-tested without a terminal.
public struct LineEditor: Sendable, Equatable {
    /// The text being typed, as grapheme clusters.
    public private(set) var characters: [Character] = []
    /// Cursor position, 0...characters.count.
    public private(set) var cursor = 0
    /// The last killed text, for Ctrl-Y.
    public private(set) var killBuffer = ""

    public init(_ text: String = "") { set(text) }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// Replaces the text and puts the cursor at its end.
    public mutating func set(_ text: String) {
        characters = Array(text)
        cursor = characters.count
    }

    /// The longest line, in characters: a megabyte of pasted text fits, while Ctrl-W and Ctrl-Y
    /// repeated (each yank inserting everything the last kill took) cannot grow the line without
    /// bound and stall every keystroke.
    public static let maximumLength = 1 << 20

    /// Inserts at the cursor; what would pass `maximumLength` is dropped.
    public mutating func insert(_ text: String) {
        let room = Self.maximumLength - characters.count
        guard room > 0 else { return }
        let new = Array(text.prefix(room))
        characters.insert(contentsOf: new, at: cursor)
        cursor += new.count
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    /// Alt-B: to the start of the current or previous word.
    public mutating func moveWordLeft() { cursor = wordStart(before: cursor) }
    /// Alt-F: to the end of the current or next word.
    public mutating func moveWordRight() { cursor = wordEnd(after: cursor) }

    /// Backspace / Ctrl-H.
    public mutating func deleteBackward() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    /// Delete / Ctrl-D on a non-empty line.
    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Ctrl-K: kill to the end of the line.
    public mutating func killToEnd() { kill(cursor..<characters.count) }
    /// Ctrl-U: kill to the start of the line.
    public mutating func killToStart() { kill(0..<cursor); cursor = 0 }
    /// Ctrl-W: kill the word before the cursor (whitespace-delimited, as readline's unix-word-rubout).
    public mutating func killWordBackward() {
        var start = cursor
        while start > 0, characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
        kill(start..<cursor)
        cursor = start
    }
    /// Alt-D: kill to the end of the word.
    public mutating func killWordForward() { kill(cursor..<wordEnd(after: cursor)) }
    /// Ctrl-Y: insert the kill buffer.
    public mutating func yank() { insert(killBuffer) }

    /// Ctrl-T: swap the two characters before the cursor (or around it).
    public mutating func transpose() {
        guard characters.count >= 2, cursor > 0 else { return }
        let right = min(cursor, characters.count - 1)
        characters.swapAt(right - 1, right)
        cursor = min(right + 1, characters.count)
    }

    /// Clears the line (Ctrl-C) without touching the kill buffer.
    public mutating func clear() { characters = []; cursor = 0 }

    /// The visible part of the line in `columns`, scrolled so the cursor shows, and the cursor's column in it.
    public func viewport(columns: Int) -> (text: String, cursorColumn: Int) {
        let columns = max(columns, 1)
        func width(_ index: Int) -> Int { DisplayWidth.of(characters[index] == "\n" ? "↵" : characters[index]) }
        // Walk back from the cursor only as far as fits, so a long line costs what is shown, not its length.
        var start = cursor, before = 0
        while start > 0, before + width(start - 1) < columns { before += width(start - 1); start -= 1 }
        var shown = "", used = 0
        for index in start..<characters.count {
            let w = width(index)
            if used + w > columns { break }
            shown.append(characters[index] == "\n" ? "↵" : characters[index])
            used += w
        }
        return (shown, before)
    }

    private mutating func kill(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        killBuffer = String(characters[range])
        characters.removeSubrange(range)
    }

    private func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, !isWordCharacter(characters[index - 1]) { index -= 1 }
        while index > 0, isWordCharacter(characters[index - 1]) { index -= 1 }
        return index
    }

    private func wordEnd(after position: Int) -> Int {
        var index = position
        while index < characters.count, !isWordCharacter(characters[index]) { index += 1 }
        while index < characters.count, isWordCharacter(characters[index]) { index += 1 }
        return index
    }
}
