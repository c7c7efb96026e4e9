import Dispatch

// The uncased BERT WordPiece tokenizer: Hugging Face's BertTokenizer(do_lower_case=True) for ids,
// and BertTokenizerFast's offset_mapping for spans. It is deliberately only the uncased variant
// (lower-casing and accent stripping always on), which SqueezeBERT and MiniLM checkpoints use;
// a cased one would also need NFC composition. Behaviour is in BertTokenizer+Encoding.swift, the
// per-character rules in WordPieceScanner.swift and ScalarForm.swift.

/// Turns text into `[CLS] wordpieces [SEP]` ids for a BERT-family model.
public struct BertTokenizer: Sendable {
    /// The vocabulary ids come from.
    public let vocabulary: Vocabulary
    /// The sequence length used when a call names none, specials included (at most `maxPositions`).
    public let maxLength: Int
    /// The model's position table size: no sequence is ever longer.
    public let maxPositions: Int

    /// A tokenizer over `vocabulary`. `maxLength` (default 128, counting `[CLS]` and `[SEP]`) is
    /// clamped to `maxPositions`, the model's `max_position_embeddings` (512 for BERT).
    public init(vocabulary: Vocabulary, maxLength: Int = 128, maxPositions: Int = 512) {
        precondition(maxPositions >= 2, "a sequence needs room for [CLS] and [SEP]")
        self.vocabulary = vocabulary
        self.maxPositions = maxPositions
        self.maxLength = min(max(maxLength, 2), maxPositions)
        ScalarFormTable.buildInBackground()
    }
}
