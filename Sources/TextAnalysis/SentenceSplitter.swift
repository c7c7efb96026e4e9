/// Splits prose into sentences with a few rules, no model: good enough to tag pasted text
/// sentence by sentence.
///
/// A sentence ends at `.`, `!`, `?` or `…` (and runs of them: "?!", "..."), taking along any
/// closing quotes and brackets that follow, when the next non-space character starts a new
/// sentence (anything but a lower-case letter or continuing punctuation) or the text ends. A
/// single period does not end a sentence inside a number ("3.14"), after a capital initial
/// ("J. Smith"), or after an abbreviation ("Dr.", "e.g."); a few abbreviations that often close a
/// sentence ("etc.", "Inc.", "p.m.") and dotted acronyms ("U.S.A.") end one before a capital.
/// A newline always ends a sentence: a line break in a list, a chat or a file of one review per
/// line is a boundary.
public struct SentenceSplitter: Sendable {
    /// Lower-cased abbreviations, without their final period, after which a period does not end
    /// a sentence.
    public var abbreviations: Set<String>

    /// The default English abbreviations: titles, Latin shorthands, months, units, "vs", "no".
    public static let englishAbbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "rev", "gen", "col", "lt", "sgt", "capt", "gov",
        "sen", "rep", "hon", "e.g", "i.e", "cf", "vs", "etc", "approx", "no", "nos", "vol", "fig", "figs", "ch",
        "p", "pp", "ed", "eds", "inc", "ltd", "co", "corp", "dept", "univ", "est", "al", "jan", "feb", "mar",
        "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri",
        "sat", "sun", "u.s", "u.k", "a.m", "p.m", "ph.d", "min", "max", "avg", "ave", "blvd", "rd", "ft",
    ]

    /// A splitter with `englishAbbreviations`, or your own set (lower case, no final period).
    public init(abbreviations: Set<String> = SentenceSplitter.englishAbbreviations) {
        self.abbreviations = abbreviations
    }
}

extension SentenceSplitter {
    /// The sentences of `text`, trimmed of surrounding white space; empty pieces are dropped.
    public func split(_ text: String) -> [String] {
        var sentences: [String] = []
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            splitLine(Array(line), into: &sentences)
        }
        return sentences
    }

    private func splitLine(_ characters: [Character], into sentences: inout [String]) {
        var start = 0, i = 0
        func emit(upTo end: Int) {
            let piece = String(characters[start..<end]).trimmingWhitespace()
            if !piece.isEmpty { sentences.append(piece) }
            start = end
        }
        while i < characters.count {
            let c = characters[i]
            guard Self.terminators.contains(c) else { i += 1; continue }
            // Take the whole run of terminators ("?!", "...", "!!!"), then closing quotes and brackets.
            var run = i + 1
            while run < characters.count, Self.terminators.contains(characters[run]) { run += 1 }
            var end = run
            while end < characters.count, Self.closers.contains(characters[end]) { end += 1 }
            if c == ".", run == i + 1, !periodEnds(characters, at: i) {
                i = end
                continue
            }
            if startsSentence(characters, after: end) {
                emit(upTo: end)
            }
            i = end
        }
        emit(upTo: characters.count)
    }

    /// Whether the single period at `index` can end a sentence (not a decimal point, an initial
    /// or an abbreviation).
    private func periodEnds(_ characters: [Character], at index: Int) -> Bool {
        // A decimal point or a dotted number: "3.14", "v1.2".
        if index > 0, index + 1 < characters.count, characters[index - 1].isNumber, characters[index + 1].isNumber {
            return false
        }
        // The word before the period, with inner periods kept ("e.g", "u.s").
        var first = index
        while first > 0, characters[first - 1].isLetter || characters[first - 1] == "." { first -= 1 }
        let word = String(characters[first..<index])
        guard !word.isEmpty else { return true }
        if word.count == 1, word.first!.isUppercase { return false }  // an initial: "J. Smith"
        let lowered = word.lowercased()
        if abbreviations.contains(lowered) {
            // "etc." or "Inc." may still end a sentence before a capital; titles never do.
            return Self.sentenceFinalAbbreviations.contains(lowered) && nextIsCapital(characters, after: index + 1)
        }
        // A dotted acronym ("U.S.A", "a.k.a") is an abbreviation that may close a sentence.
        if word.contains(".") { return nextIsCapital(characters, after: index + 1) }
        return true
    }

    private func nextIsCapital(_ characters: [Character], after index: Int) -> Bool {
        var j = index
        while j < characters.count, characters[j].isWhitespace { j += 1 }
        return j < characters.count && characters[j].isUppercase
    }

    /// Whether a new sentence can start at `index`: the end of the text, or white space followed
    /// by something that is not a lower-case letter or continuing punctuation.
    private func startsSentence(_ characters: [Character], after index: Int) -> Bool {
        guard index < characters.count else { return true }
        guard characters[index].isWhitespace else { return false }
        var j = index
        while j < characters.count, characters[j].isWhitespace { j += 1 }
        guard j < characters.count else { return true }
        let next = characters[j]
        if next.isLowercase { return false }
        if Self.continuing.contains(next) { return false }
        return true
    }

    static let terminators: Set<Character> = [".", "!", "?", "…", "。", "！", "？"]
    static let closers: Set<Character> = ["\"", "'", "”", "’", "»", ")", "]", "}"]
    static let continuing: Set<Character> = [",", ";", ":", "-", "–", "—", ")", "]"]
    static let sentenceFinalAbbreviations: Set<String> = ["etc", "inc", "ltd", "co", "corp", "al", "a.m", "p.m", "u.s", "u.k"]
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
