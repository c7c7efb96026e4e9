// The WordPiece vocabulary: `vocab.txt` as Hugging Face reads it, plus the lookups the
// tokenizer needs. Reading the file is in Vocabulary+Loading.swift.

/// A BERT WordPiece vocabulary: token strings by id, and the special tokens' ids.
public struct Vocabulary: Sendable {
    /// Token strings by id (the line number in `vocab.txt`).
    public let tokens: [String]
    /// The id of `[UNK]`, given to words the vocabulary cannot spell.
    public let unknownID: Int32
    /// The id of `[CLS]`, which opens every sequence.
    public let classifierID: Int32
    /// The id of `[SEP]`, which closes every sequence.
    public let separatorID: Int32
    /// The id of `[PAD]`, which fills batches to a common length.
    public let paddingID: Int32
    /// The id of `[MASK]`, when the vocabulary has one (without it, "[MASK]" in text is ordinary
    /// text; Hugging Face would instead give it a new id past the end of the vocabulary).
    public let maskID: Int32?

    /// Every spelling, for longest-match lookup.
    let trie: TokenTrie
    /// The trie node after "##", where continuation pieces are looked up; -1 if none exist.
    let continuationNode: Int32
    /// The special tokens kept whole when they appear verbatim in text, with their ids.
    let specialTokens: [(spelling: [UInt8], id: Int32)]
}

extension Vocabulary {
    /// The special tokens' spellings, as BertTokenizer names them.
    public static let unknownToken = "[UNK]"
    /// `[CLS]`.
    public static let classifierToken = "[CLS]"
    /// `[SEP]`.
    public static let separatorToken = "[SEP]"
    /// `[PAD]`.
    public static let paddingToken = "[PAD]"
    /// `[MASK]`.
    public static let maskToken = "[MASK]"

    /// The number of ids (lines), which is the model's vocabulary size.
    public var count: Int { tokens.count }

    /// Builds a vocabulary from token strings in id order; `source` names them in errors.
    /// Throws `ModelLoadError` (`.malformedFile`) when the list is empty or lacks `[UNK]`,
    /// `[CLS]`, `[SEP]` or `[PAD]`.
    public init(tokens: [String], source: String = "vocabulary") throws {
        guard !tokens.isEmpty else {
            throw ModelLoadError(.malformedFile, file: source, "the vocabulary is empty")
        }
        guard tokens.reduce(0, { $0 + $1.utf8.count }) <= TokenTrie.maxTotalBytes else {
            throw ModelLoadError(.malformedFile, file: source, "the vocabulary is too large (over 16 MiB of tokens)")
        }
        let trie = TokenTrie(tokens: tokens)
        let required = [Self.unknownToken, Self.classifierToken, Self.separatorToken, Self.paddingToken]
        let missing = required.filter { trie.id(for: $0.utf8) == nil }
        guard missing.isEmpty else {
            let list = missing.joined(separator: ", ")
            throw ModelLoadError(.malformedFile, file: source, "the vocabulary lacks \(list)")
        }
        let mask = trie.id(for: Self.maskToken.utf8)
        self.tokens = tokens
        self.trie = trie
        unknownID = trie.id(for: Self.unknownToken.utf8)!
        classifierID = trie.id(for: Self.classifierToken.utf8)!
        separatorID = trie.id(for: Self.separatorToken.utf8)!
        paddingID = trie.id(for: Self.paddingToken.utf8)!
        maskID = mask
        continuationNode = trie.node(for: "##".utf8)
        let specials = [(Self.classifierToken, classifierID), (Self.separatorToken, separatorID),
                        (Self.paddingToken, paddingID), (Self.unknownToken, unknownID)]
            + (mask.map { [(Self.maskToken, $0)] } ?? [])
        specialTokens = specials.map { (Array($0.0.utf8), $0.1) }
    }

    /// The id of `token`, compared byte for byte; where `vocab.txt` lists it twice, the later line.
    public func id(for token: String) -> Int32? {
        trie.id(for: token.utf8)
    }

    /// The token with id `id`, or nil when out of range.
    public func token(for id: Int32) -> String? {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil
    }
}
