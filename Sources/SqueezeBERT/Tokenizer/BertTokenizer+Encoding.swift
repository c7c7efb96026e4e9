// What BertTokenizer does with text: word pieces alone, one framed and truncated sequence, or a
// padded batch. Truncation keeps the first tokens, like Hugging Face's default
// `truncation=True` ("longest_first" on a single text): `[CLS]`, the first maxLength - 2 pieces,
// `[SEP]`. Scanning stops as soon as those are found, so long texts cost only what is kept.

extension BertTokenizer {
    /// The word pieces of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenize(_ text: String) -> [String] {
        var scanner = WordPieceScanner(vocabulary: vocabulary, limit: .max, recordsSpans: false)
        scanner.scan(text)
        return scanner.ids.map { vocabulary.tokens[Int($0)] }
    }

    /// `text` as `[CLS] pieces [SEP]`, at most `maxLength` tokens (default `self.maxLength`;
    /// never more than `maxPositions`, never fewer than 2), with each token's span.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        let length = sequenceLength(maxLength)
        var scanner = WordPieceScanner(vocabulary: vocabulary, limit: length - 1, recordsSpans: true)
        scanner.emit(vocabulary.classifierID, from: 0, to: 0)
        scanner.scan(text)
        scanner.limit += 1
        scanner.emit(vocabulary.separatorID, from: 0, to: 0)
        return Encoding(
            tokens: scanner.ids.map { vocabulary.tokens[Int($0)] }, ids: scanner.ids, offsets: scanner.spans)
    }

    /// Each text encoded as by `encode(_:maxLength:)`, padded with `[PAD]` to the longest.
    public func encodeBatch(_ texts: [String], maxLength: Int? = nil) -> TokenBatch {
        let length = sequenceLength(maxLength)
        var scanner = WordPieceScanner(vocabulary: vocabulary, limit: length - 1, recordsSpans: false)
        var sequences: [[Int32]] = []
        sequences.reserveCapacity(texts.count)
        for text in texts {
            scanner.ids.removeAll(keepingCapacity: true)
            scanner.limit = length - 1
            scanner.emit(vocabulary.classifierID, from: 0, to: 0)
            scanner.scan(text)
            scanner.limit += 1
            scanner.emit(vocabulary.separatorID, from: 0, to: 0)
            sequences.append(scanner.ids)
        }
        return TokenBatch(sequences: sequences, paddingID: vocabulary.paddingID)
    }

    /// The sequence length for a call: the request or the default, clamped to 2...maxPositions.
    func sequenceLength(_ requested: Int?) -> Int {
        min(max(requested ?? maxLength, 2), maxPositions)
    }
}
