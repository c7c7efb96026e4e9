// The tokenizer's inner loop: Hugging Face BertTokenizer(do_lower_case=True) in one pass over
// the UTF-8 bytes, producing ids and the span of each id in the text (counted in Unicode scalars,
// as Python counts string indices).
//
// The reference, transformers 4.57.6, does in order: keep special tokens ("[MASK]" etc.) whole
// where they appear verbatim; lower-case every other character on its own; drop NUL, U+FFFD and
// control characters; break words at whitespace; make each CJK ideograph a word; NFD and drop
// Mn (accents); make each punctuation character a word; then greedy longest-match-first WordPiece
// with "##" continuations, where a word over 100 scalars, or one with a piece the vocabulary lacks,
// becomes a single [UNK]. (It also applies NFC before lower-casing the whole word again; on text
// already lower-cased per character that changes nothing once NFD follows, which an exhaustive
// check of every code point confirmed.)
//
// Here every step is a function of one code point (see ScalarForm.swift) except two: the canonical
// reordering inside NFD, kept in `pending`, and WordPiece over the finished word. ASCII, the common
// case, is classified by a 128-entry table and never builds a String.

/// Scratch state for tokenising text; make one per call (or per batch) and reuse it.
struct WordPieceScanner {
    /// The vocabulary to match against.
    let vocabulary: Vocabulary
    /// Precomputed forms of common non-ASCII code points, fetched at the first non-ASCII code
    /// point: ASCII text never waits for the table to be built.
    private var forms: ScalarFormTable?
    /// Whether to record spans (batches do not need them).
    let recordsSpans: Bool
    /// Stop producing ids once `ids` holds this many.
    var limit: Int

    /// The ids produced so far.
    var ids: [Int32] = []
    /// The span of each id in the input, in Unicode scalars (when `recordsSpans`).
    var spans: [Range<Int>] = []

    /// The word being built: normalised UTF-8.
    private var wordBytes: [UInt8] = []
    /// For each byte of `wordBytes`, the input position of the code point it came from.
    private var byteOrigins: [Int] = []
    /// How many scalars `wordBytes` holds.
    private var wordScalars = 0
    /// The current run of non-starters (combining class > 0), in input order, awaiting
    /// canonical reordering at the next starter; `first` marks the first scalar of a code
    /// point's decomposition (the others are ones NFD inserted).
    private var pending: [(scalar: NormalizedScalar, origin: Int, first: Bool)] = []
    /// Whether `pending` holds anything that survives accent stripping (rare: a few Mc characters);
    /// if not, the run is simply dropped.
    private var pendingKeeps = false
    /// Forms used during this scan from outside the shared table (saves taking the cache's lock).
    private var cache: [UInt32: ScalarForm] = [:]
    /// WordPiece pieces of the current word: id and byte range.
    private var pieces: [(id: Int32, start: Int, end: Int)] = []
}

extension WordPieceScanner {
    /// Longer words become one [UNK] (the reference's `max_input_chars_per_word`).
    static let maxWordScalars = 100

    /// How the reference treats each ASCII byte.
    private enum ASCIIClass: UInt8 {
        case dropped, wordBreak, punctuation, plain, upper
    }

    private static let asciiClasses: [ASCIIClass] = (0..<128).map { (byte: Int) -> ASCIIClass in
        switch byte {
        case 0x09, 0x0A, 0x0D, 0x20: return .wordBreak
        case 0..<0x20, 0x7F: return .dropped
        case 33...47, 58...64, 91...96, 123...126: return .punctuation
        case 65...90: return .upper
        default: return .plain
        }
    }

    /// A scanner that stops after `limit` ids.
    init(vocabulary: Vocabulary, limit: Int, recordsSpans: Bool) {
        self.vocabulary = vocabulary
        self.limit = limit
        self.recordsSpans = recordsSpans
    }

    /// Appends the ids (and spans) of `text`, up to `limit`.
    mutating func scan(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            // Every id but [CLS]/[SEP] covers at least one byte: reserve once instead of regrowing.
            let bound = ids.count + min(limit - ids.count, bytes.count + 1)
            ids.reserveCapacity(bound)
            if recordsSpans { spans.reserveCapacity(bound) }
            if wordBytes.capacity == 0 {
                wordBytes.reserveCapacity(64)
                byteOrigins.reserveCapacity(64)
            }
            scan(utf8: bytes)
        }
    }

    /// Appends `id` with its span, unless `limit` is reached.
    @inline(__always)
    mutating func emit(_ id: Int32, from start: Int, to end: Int) {
        guard ids.count < limit else { return }
        ids.append(id)
        if recordsSpans { spans.append(start..<end) }
    }

    private mutating func scan(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let classes = Self.asciiClasses
        var index = 0
        var position = 0
        while index < bytes.count, ids.count < limit {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte == UInt8(ascii: "["), let special = matchSpecial(bytes, at: index) {
                    endWord()
                    emit(special.id, from: position, to: position + special.length)
                    index += special.length
                    position += special.length
                    continue
                }
                switch classes[Int(byte)] {
                case .plain:
                    if !pending.isEmpty { flushPending() }
                    appendByte(byte, origin: position)
                case .upper:
                    if !pending.isEmpty { flushPending() }
                    appendByte(byte | 0x20, origin: position)
                case .punctuation:
                    endWord()
                    appendByte(byte, origin: position)
                    finishWord()
                case .wordBreak:
                    endWord()
                case .dropped:
                    break
                }
                index += 1
            } else {
                let lead = UInt32(byte)
                let value: UInt32
                if byte < 0xE0 {
                    value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
                    index += 2
                } else if byte < 0xF0 {
                    value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6
                        | UInt32(bytes[index + 2] & 0x3F)
                    index += 3
                } else {
                    value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
                        | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
                    index += 4
                }
                addNonASCII(value, origin: position)
            }
            position += 1
        }
        endWord()
    }

    /// The special token spelled at `index`, if any.
    private func matchSpecial(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (id: Int32, length: Int)? {
        for special in vocabulary.specialTokens {
            let spelling = special.spelling
            guard index + spelling.count <= bytes.count else { continue }
            var equal = true
            for offset in 1..<spelling.count where bytes[index + offset] != spelling[offset] {
                equal = false
                break
            }
            if equal { return (special.id, spelling.count) }
        }
        return nil
    }

    /// Feeds one non-ASCII code point through its form.
    private mutating func addNonASCII(_ value: UInt32, origin: Int) {
        if forms == nil { forms = ScalarFormTable.shared }
        let forms = self.forms!
        if let entry = forms.entry(value) {
            let start = Int(entry.start)
            apply(entry.role, forms.scalars[start..<start + Int(entry.count)], origin: origin)
        } else if (0xAC00...0xD7A3).contains(value) {
            let form = ScalarForm(hangulSyllable: value)
            apply(form.role, form.scalars, origin: origin)
        } else if let form = cache[value] {
            apply(form.role, form.scalars, origin: origin)
        } else {
            let form = ScalarFormCache.shared.form(value)
            cache[value] = form
            apply(form.role, form.scalars, origin: origin)
        }
    }

    private mutating func apply<Scalars: Collection>(
        _ role: ScalarForm.Role, _ scalars: Scalars, origin: Int
    ) where Scalars.Element == NormalizedScalar {
        switch role {
        case .dropped:
            return
        case .wordBreak:
            endWord()
        case .ideograph:
            endWord()
            for scalar in scalars { appendScalar(scalar.value, origin: origin) }
            finishWord()
        case .text:
            var first = true
            for scalar in scalars {
                defer { first = false }
                if scalar.combiningClass != 0 {
                    pending.append((scalar, origin, first))
                    if !scalar.isNonspacingMark { pendingKeeps = true }
                    continue
                }
                if !pending.isEmpty { flushPending() }
                if scalar.isNonspacingMark { continue }
                if scalar.isPunctuation {
                    finishWord()
                    appendScalar(scalar.value, origin: origin)
                    finishWord()
                } else {
                    appendScalar(scalar.value, origin: origin)
                }
            }
        }
    }

    /// Ends a run of non-starters: sorts it stably by combining class (NFD's canonical order),
    /// drops the Mn, and moves the rest into the word.
    ///
    /// Spans follow the fast tokenizer's alignments, which do not travel with the moved scalars:
    /// after sorting, each scalar that began a code point's decomposition takes the next input
    /// position of the run, and each scalar NFD inserted takes the position given just before it.
    private mutating func flushPending() {
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingKeeps = false
        }
        guard pendingKeeps else { return }
        var sorted = pending.map { (scalar: $0.scalar, first: $0.first) }
        for index in sorted.indices.dropFirst() {
            let entry = sorted[index]
            var slot = index
            while slot > 0, sorted[slot - 1].scalar.combiningClass > entry.scalar.combiningClass {
                sorted[slot] = sorted[slot - 1]
                slot -= 1
            }
            sorted[slot] = entry
        }
        var positions = pending.lazy.filter(\.first).map(\.origin).makeIterator()
        var origin = pending[0].origin
        for (scalar, first) in sorted {
            if first { origin = positions.next() ?? origin }
            guard !scalar.isNonspacingMark else { continue }
            if scalar.isPunctuation {
                finishWord()
                appendScalar(scalar.value, origin: origin)
                finishWord()
            } else {
                appendScalar(scalar.value, origin: origin)
            }
        }
    }

    @inline(__always)
    private mutating func appendByte(_ byte: UInt8, origin: Int) {
        wordBytes.append(byte)
        byteOrigins.append(origin)
        wordScalars += 1
    }

    private mutating func appendScalar(_ value: UInt32, origin: Int) {
        if value < 0x80 {
            appendByte(UInt8(value), origin: origin)
            return
        }
        let length: Int
        if value < 0x800 {
            wordBytes.append(UInt8(0xC0 | value >> 6))
            length = 2
        } else if value < 0x10000 {
            wordBytes.append(UInt8(0xE0 | value >> 12))
            wordBytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
            length = 3
        } else {
            wordBytes.append(UInt8(0xF0 | value >> 18))
            wordBytes.append(UInt8(0x80 | (value >> 12) & 0x3F))
            wordBytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
            length = 4
        }
        wordBytes.append(UInt8(0x80 | value & 0x3F))
        for _ in 0..<length { byteOrigins.append(origin) }
        wordScalars += 1
    }

    /// Ends the current word: reorders what is pending, then runs WordPiece.
    private mutating func endWord() {
        if !pending.isEmpty { flushPending() }
        finishWord()
    }

    /// Runs greedy longest-match-first WordPiece over the current word and clears it.
    private mutating func finishWord() {
        guard wordScalars > 0 else { return }
        defer {
            wordBytes.removeAll(keepingCapacity: true)
            byteOrigins.removeAll(keepingCapacity: true)
            wordScalars = 0
        }
        let wordStart = byteOrigins[0]
        let wordEnd = byteOrigins[byteOrigins.count - 1] + 1
        guard wordScalars <= Self.maxWordScalars else {
            emit(vocabulary.unknownID, from: wordStart, to: wordEnd)
            return
        }
        pieces.removeAll(keepingCapacity: true)
        var start = 0
        var node = TokenTrie.root
        let complete = wordBytes.withUnsafeBufferPointer { bytes in
            while start < bytes.count {
                guard let match = vocabulary.trie.longestMatch(in: bytes, from: start, below: node) else {
                    return false
                }
                pieces.append((match.id, start, match.end))
                start = match.end
                node = vocabulary.continuationNode
            }
            return true
        }
        guard complete else {
            emit(vocabulary.unknownID, from: wordStart, to: wordEnd)
            return
        }
        for piece in pieces {
            emit(piece.id, from: byteOrigins[piece.start], to: byteOrigins[piece.end - 1] + 1)
        }
    }
}
