import Foundation

/// A Hugging Face model folder, loaded: `config.json`, `model.safetensors` and `vocab.txt` become a
/// tokenizer and an encoder that agree with each other.
public final class EncoderModel: Sendable {
    /// The folder the model came from.
    public let folder: URL
    /// The decoded `config.json`, its `"squeezechat"` section included, read once at load.
    public let config: EncoderConfig
    public let tokenizer: BertTokenizer
    public let encoder: SqueezeBertEncoder

    /// Loads and cross-checks the three files; every problem is a `ModelLoadError` naming its file.
    ///
    /// - Parameters:
    ///   - maxLength: maximum tokens per text; the encoder's workspace is sized for it.
    ///   - precision: how projection weights are stored (int8 quantises them at load); nil: as the
    ///     checkpoint stores them (an int8 folder such as the bundled model runs on its own int8 values).
    ///   - threads: worker threads for one forward pass; nil means the active cores.
    ///   - instructionSet: the matrix products' kernels; nil: the fastest this CPU has.
    public static func load(
        from folder: URL, maxLength: Int = 128, precision: Precision? = nil, threads: Int? = nil,
        instructionSet: InstructionSet? = nil
    ) throws -> EncoderModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelLoadError(.missingFile, file: folder.path, "model folder not found")
        }
        let configURL = Self.configFile(in: folder)
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        let vocabularyURL = folder.appendingPathComponent("vocab.txt")
        for url in [configURL, weightsURL, vocabularyURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw ModelLoadError(.missingFile, file: url.path, "file not found (a model folder needs config.json, model.safetensors and vocab.txt)")
        }
        let config = try EncoderConfig.load(from: configURL)
        let vocabulary = try Vocabulary(contentsOf: vocabularyURL)
        // A vocabulary larger than the embedding table would index past it on some input.
        guard vocabulary.count <= config.vocabSize else {
            throw ModelLoadError(.malformedFile, file: vocabularyURL.path,
                                 "\(vocabulary.count) tokens but config.json has vocab_size \(config.vocabSize)")
        }
        let weights = try SafeTensorsFile(path: weightsURL.path)
        let encoder = try SqueezeBertEncoder(config: config, weights: weights, precision: precision, threads: threads,
                                             instructionSet: instructionSet, maxTokens: min(maxLength, config.maxPositions))
        let tokenizer = BertTokenizer(vocabulary: vocabulary, maxLength: min(maxLength, config.maxPositions),
                                      maxPositions: config.maxPositions)
        return EncoderModel(folder: folder, config: config, tokenizer: tokenizer, encoder: encoder)
    }

    init(folder: URL, config: EncoderConfig, tokenizer: BertTokenizer, encoder: SqueezeBertEncoder) {
        self.folder = folder
        self.config = config
        self.tokenizer = tokenizer
        self.encoder = encoder
    }

    /// The folder's name, e.g. "all-MiniLM-L6-v2".
    public var name: String { folder.lastPathComponent }

    /// The `config.json` the model was loaded from, for messages about its contents.
    public var configURL: URL { Self.configFile(in: folder) }

    static func configFile(in folder: URL) -> URL { folder.appendingPathComponent("config.json") }

    /// Tokenizes and encodes a batch of texts in one forward pass.
    public func encode(_ texts: [String], keepHiddenStates: Bool = false) -> (batch: TokenBatch, output: EncoderOutput) {
        let batch = tokenizer.encodeBatch(texts)
        let output = encoder.forward(ids: batch.ids, lengths: batch.lengths, sequenceLength: batch.sequenceLength,
                                     keepHiddenStates: keepHiddenStates)
        return (batch, output)
    }

    /// Sentence embeddings of many texts: sorted by token count and encoded `batchSize` at a
    /// time, so batches hold texts of similar length and little compute goes to padding.
    /// Results come back in the order of `texts`.
    public func embedMany(_ texts: [String], pooling: Pooling = .mean, normalize: Bool = false,
                          batchSize: Int = 32) -> [[Float]] {
        let encodings = texts.map { tokenizer.encode($0).ids }
        let order = encodings.indices.sorted { encodings[$0].count < encodings[$1].count }
        var result = [[Float]](repeating: [], count: texts.count)
        for start in stride(from: 0, to: order.count, by: max(batchSize, 1)) {
            let rows = Array(order[start..<min(start + batchSize, order.count)])
            let batch = TokenBatch(sequences: rows.map { encodings[$0] }, paddingID: tokenizer.vocabulary.paddingID)
            let output = encoder.forward(ids: batch.ids, lengths: batch.lengths, sequenceLength: batch.sequenceLength)
            for (position, row) in rows.enumerated() {
                result[row] = output.sentenceEmbedding(position, pooling: pooling, normalize: normalize)
            }
        }
        return result
    }

    /// Sentence embeddings of `texts`, one forward pass for the batch.
    public func embed(_ texts: [String], pooling: Pooling = .mean, normalize: Bool = false) -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        return encode(texts).output.sentenceEmbeddings(pooling: pooling, normalize: normalize)
    }
}
