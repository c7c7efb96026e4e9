// The result of tokenising one text: what the model reads, and where each token came from.

/// One tokenised sequence, `[CLS] ... [SEP]`, with each token's span in the input.
public struct Encoding: Sendable, Equatable {
    /// The tokens' spellings in the vocabulary (`[UNK]` for words it cannot spell).
    public var tokens: [String]
    /// The token ids, as the model's embedding table indexes them.
    public var ids: [Int32]
    /// Each token's span in the input text, counted in Unicode scalars (Python string indices);
    /// `0..<0` for `[CLS]` and `[SEP]`, as in Hugging Face's `offset_mapping`.
    public var offsets: [Range<Int>]

    /// The number of tokens, specials included.
    public var count: Int { ids.count }

    /// An encoding from its parts, which must have equal lengths.
    public init(tokens: [String], ids: [Int32], offsets: [Range<Int>]) {
        precondition(tokens.count == ids.count && ids.count == offsets.count, "parts differ in length")
        self.tokens = tokens
        self.ids = ids
        self.offsets = offsets
    }
}
