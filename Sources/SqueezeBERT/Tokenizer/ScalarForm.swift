// What the reference's normaliser turns one non-ASCII code point into, computed once.
//
// BertTokenizer lower-cases each character, drops controls, maps whitespace to a word break, puts
// CJK ideographs in words of their own, and strips accents by NFD followed by dropping Mn. All of
// that is a function of the single code point except the canonical reordering inside NFD, which
// the scanner does across code points (it needs each piece's combining class, kept here).
// Computing a form costs a String allocation or two (lower-case mapping, NFD through Foundation),
// so the blocks seen most often are computed once into a shared table, Hangul syllables are
// decomposed arithmetically, and every other form is computed once into a locked process-wide
// cache, which the scanner fronts with its own per-call cache. ASCII never comes here.
import Foundation

/// One scalar of a normalised form, with what the scanner needs to know about it.
struct NormalizedScalar: Sendable, Equatable {
    /// The scalar's value.
    var value: UInt32
    /// Canonical combining class; nonzero ones are reordered before accents are stripped.
    var combiningClass: UInt8
    /// Category Mn: stripped after reordering.
    var isNonspacingMark: Bool
    /// Punctuation: a word of its own.
    var isPunctuation: Bool
}

/// What one input code point becomes before WordPiece.
struct ScalarForm: Sendable {
    /// How the code point affects word boundaries.
    enum Role: UInt8, Sendable {
        /// Removed without trace (controls, NUL, U+FFFD, unassigned, private use).
        case dropped
        /// Ends the current word.
        case wordBreak
        /// A CJK ideograph: a word of its own.
        case ideograph
        /// Ordinary text: its scalars join the current word (punctuation among them splits).
        case text
    }

    /// What the code point does to word boundaries.
    var role: Role
    /// The lower-cased, canonically decomposed scalars (marks not yet removed).
    var scalars: [NormalizedScalar]
}

/// The shared table of precomputed forms for the blocks most text uses.
struct ScalarFormTable: Sendable {
    /// Where a code point's form lives in `scalars`, and its role.
    struct Entry: Sendable {
        /// Index of the form's first scalar in `scalars`.
        var start: UInt32
        /// Number of scalars in the form.
        var count: UInt8
        /// The form's role.
        var role: ScalarForm.Role
    }

    /// Precomputed code point ranges (Latin, IPA, Greek, Cyrillic, Latin Extended Additional,
    /// Greek Extended, punctuation, currency and letter-like symbols, CJK punctuation and kana,
    /// full-width forms), each with the offset of its first entry in `entries`.
    static let blocks: [(range: Range<UInt32>, offset: Int)] = {
        let ranges: [Range<UInt32>] = [0x80..<0x590, 0x1E00..<0x2200, 0x3000..<0x3100, 0xFF00..<0x10000]
        var offset = 0
        return ranges.map { range in
            defer { offset += range.count }
            return (range, offset)
        }
    }()

    /// The process-wide table, built on first use (about 3,000 forms, a few milliseconds).
    static let shared = ScalarFormTable()

    /// One entry per code point of `blocks`, in order.
    var entries: [Entry]
    /// The forms' scalars, back to back.
    var scalars: [NormalizedScalar]
}

/// Forms outside the shared table, computed on first sight and kept for the process.
final class ScalarFormCache: @unchecked Sendable {
    /// The process-wide cache.
    static let shared = ScalarFormCache()

    /// Guards `forms`.
    private let lock = NSLock()
    /// Forms computed so far, by code point.
    private var forms: [UInt32: ScalarForm] = [:]
}

extension ScalarFormCache {
    /// The form of `value`, computed (outside the lock) if not seen before.
    func form(_ value: UInt32) -> ScalarForm {
        if let known = lock.withLock({ forms[value] }) { return known }
        let form = ScalarForm(computing: Unicode.Scalar(value)!)
        lock.withLock { forms[value] = form }
        return form
    }
}

extension ScalarForm {
    /// The form of a non-ASCII code point, computed from the Unicode tables.
    init(computing scalar: Unicode.Scalar) {
        guard ReferenceUnicode.isAssigned(scalar) else {
            self.init(role: .dropped, scalars: [])
            return
        }
        var role = Role.dropped
        var scalars: [NormalizedScalar] = []
        for lowered in ReferenceUnicode.lowercased(scalar) {
            if ReferenceUnicode.isDropped(lowered) { continue }
            if ReferenceUnicode.isWordBreak(lowered) {
                self.init(role: .wordBreak, scalars: [])
                return
            }
            if ReferenceUnicode.isChinese(lowered.value) {
                role = .ideograph
            } else if role == .dropped {
                role = .text
            }
            for piece in String(Character(lowered)).decomposedStringWithCanonicalMapping.unicodeScalars {
                scalars.append(NormalizedScalar(piece))
            }
        }
        self.init(role: role, scalars: scalars)
    }

    /// The form of a precomposed Hangul syllable (U+AC00...U+D7A3): its two or three jamo.
    init(hangulSyllable value: UInt32) {
        let index = value - 0xAC00
        let lead = 0x1100 + index / 588
        let vowel = 0x1161 + (index % 588) / 28
        let trail = index % 28
        var scalars = [NormalizedScalar(plain: lead), NormalizedScalar(plain: vowel)]
        if trail != 0 { scalars.append(NormalizedScalar(plain: 0x11A7 + trail)) }
        self.init(role: .text, scalars: scalars)
    }
}

extension NormalizedScalar {
    /// The properties of `scalar` as the reference sees them.
    init(_ scalar: Unicode.Scalar) {
        self.init(
            value: scalar.value,
            combiningClass: UInt8(truncatingIfNeeded: scalar.properties.canonicalCombiningClass.rawValue),
            isNonspacingMark: ReferenceUnicode.isNonspacingMark(scalar),
            isPunctuation: ReferenceUnicode.isPunctuation(scalar))
    }

    /// A starter that is neither a mark nor punctuation (Hangul jamo).
    init(plain value: UInt32) {
        self.init(value: value, combiningClass: 0, isNonspacingMark: false, isPunctuation: false)
    }
}

extension ScalarFormTable {
    /// Starts building `shared` on another thread, once per process. Building takes a few
    /// milliseconds (Foundation's decompositions), which would otherwise land on the first turn
    /// with non-ASCII text; a scanner that needs the table before it is done waits for it.
    static func buildInBackground() {
        _ = startBuilding
    }

    private static let startBuilding: Void = {
        DispatchQueue.global(qos: .userInitiated).async { _ = ScalarFormTable.shared }
    }()

    /// Computes every form in `blocks`.
    init() {
        var entries: [Entry] = []
        var scalars: [NormalizedScalar] = []
        for (range, _) in Self.blocks {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else {
                    entries.append(Entry(start: 0, count: 0, role: .dropped))
                    continue
                }
                let form = ScalarForm(computing: scalar)
                entries.append(Entry(start: UInt32(scalars.count), count: UInt8(form.scalars.count), role: form.role))
                scalars.append(contentsOf: form.scalars)
            }
        }
        self.entries = entries
        self.scalars = scalars
    }

    /// The entry for `value`, when it falls in a precomputed block.
    @inline(__always)
    func entry(_ value: UInt32) -> Entry? {
        for block in Self.blocks where block.range.contains(value) {
            return entries[block.offset + Int(value - block.range.lowerBound)]
        }
        return nil
    }
}
