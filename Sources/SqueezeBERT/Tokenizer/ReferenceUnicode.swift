// The character predicates of the reference tokenizer, written against Swift's Unicode tables.
//
// Hugging Face's BertTokenizer classifies characters with Python's `unicodedata`, which in the
// pinned Python 3.11 is Unicode 14.0; Swift 6.3 carries Unicode 17. To give the same ids, code
// points assigned after Unicode 14 are treated as unassigned (category Cn), which the reference
// drops as control characters. An exhaustive comparison of every code point (category, lower
// case, NFD) between the two found one other difference that matters here, listed below.
// This file is only the predicates; what is done with them lives in ScalarForm.swift.

/// Python-3.11-compatible character classes used by the basic (pre-WordPiece) tokenizer.
enum ReferenceUnicode {
    /// The Unicode version of the reference's tables.
    static let version: Unicode.Version = (major: 14, minor: 0)

    /// U+1171E AHOM CONSONANT SIGN MEDIAL RA became Mc in Unicode 15; Unicode 14 says Mn, so the
    /// reference strips it as an accent. (U+0295 also changed, Ll to Lo, which changes nothing here.)
    static let nonspacingBefore15: UInt32 = 0x1171E
}

extension ReferenceUnicode {
    /// Whether the code point was assigned in the reference's Unicode version.
    static func isAssigned(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < version.major || (age.major == version.major && age.minor <= version.minor)
    }

    /// The general category as Unicode 14 gives it.
    static func category(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory {
        if scalar.value == nonspacingBefore15 { return .nonspacingMark }
        let category = scalar.properties.generalCategory
        if category == .privateUse || isAssigned(scalar) { return category }
        return .unassigned
    }

    /// Python's `str.lower()` of one character: the full lower-case mapping (so "İ" gives two
    /// scalars), and nothing for code points the reference does not know.
    static func lowercased(_ scalar: Unicode.Scalar) -> String.UnicodeScalarView {
        let properties = scalar.properties
        guard properties.changesWhenLowercased, isAssigned(scalar) else {
            return String(Character(scalar)).unicodeScalars
        }
        return properties.lowercaseMapping.unicodeScalars
    }

    /// `_clean_text` drops NUL, U+FFFD and `_is_control` characters (category C*, but not \t \n \r).
    static func isDropped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0, 0xFFFD: return true
        case 0x09, 0x0A, 0x0D: return false
        default: break
        }
        switch category(scalar) {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// Where the reference splits words: `_is_whitespace` (space, \t, \n, \r, Zs), plus the two
    /// separators that survive cleaning and that `str.split()` still splits on.
    static func isWordBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x2028, 0x2029: return true
        default: return category(scalar) == .spaceSeparator
        }
    }

    /// `_is_punctuation`: every non-alphanumeric printable ASCII character, and categories P*.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<128: return false
        default: break
        }
        switch category(scalar) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// `_is_chinese_char`: the CJK ideograph blocks, each of which becomes a word of its own.
    static func isChinese(_ value: UInt32) -> Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Whether the reference strips the scalar after NFD (category Mn).
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x300 && category(scalar) == .nonspacingMark
    }
}
