// Several tokenised texts padded into one rectangular batch, the shape the encoder consumes.
// Legend: B = batchSize (texts), T = sequenceLength (the longest text's tokens, specials included).

/// Token ids for B texts padded to a common length T, row-major (B, T).
public struct TokenBatch: Sendable, Equatable {
    /// B, the number of texts.
    public let batchSize: Int
    /// T, the length of the longest sequence; shorter ones are padded to it.
    public let sequenceLength: Int
    /// Token ids, (B, T) row-major; padding positions hold the vocabulary's `[PAD]` id.
    public let ids: [Int32]
    /// Segment ids, (B, T); all zero, since every row is a single sentence.
    public let tokenTypeIds: [Int32]
    /// 1 where a position holds a token, 0 where it is padding, (B, T).
    public let attentionMask: [Int32]
    /// Each row's token count before padding, specials included, (B).
    public let lengths: [Int]
}

extension TokenBatch {
    /// Pads `sequences` (each already framed by `[CLS]`/`[SEP]`) with `paddingID` to the longest.
    public init(sequences: [[Int32]], paddingID: Int32) {
        let length = sequences.map(\.count).max() ?? 0
        var ids = [Int32](repeating: paddingID, count: sequences.count * length)
        var mask = [Int32](repeating: 0, count: sequences.count * length)
        for (row, sequence) in sequences.enumerated() {
            let base = row * length
            for (column, id) in sequence.enumerated() {
                ids[base + column] = id
                mask[base + column] = 1
            }
        }
        self.init(
            batchSize: sequences.count, sequenceLength: length, ids: ids,
            tokenTypeIds: [Int32](repeating: 0, count: ids.count), attentionMask: mask,
            lengths: sequences.map(\.count))
    }

    /// The ids of row `row` without its padding.
    public func ids(ofRow row: Int) -> ArraySlice<Int32> {
        let start = row * sequenceLength
        return ids[start..<start + lengths[row]]
    }
}
