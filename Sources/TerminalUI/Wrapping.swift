/// Word wrapping by display width.
public enum Wrapping {
    /// Splits `text` into lines at most `width` columns wide: at spaces where possible, inside a
    /// word only when the word alone is wider than the line. Newlines in `text` are kept as line
    /// breaks; an empty text is one empty line.
    public static func wrap(_ text: String, width: Int) -> [String] {
        let width = max(width, 1)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var word = String(word)
                var wordWidth = DisplayWidth.of(word)
                if lineWidth > 0, lineWidth + 1 + wordWidth <= width {
                    line += " " + word
                    lineWidth += 1 + wordWidth
                    continue
                }
                if lineWidth > 0 { lines.append(line); line = ""; lineWidth = 0 }
                // A word wider than the line is broken at the width.
                while wordWidth > width {
                    let head = DisplayWidth.prefix(word, columns: width)
                    let cut = head.isEmpty ? String(word.prefix(1)) : head
                    lines.append(cut)
                    word = String(word.dropFirst(cut.count))
                    wordWidth = DisplayWidth.of(word)
                }
                line = word
                lineWidth = wordWidth
            }
            lines.append(line)
        }
        return lines
    }
}
