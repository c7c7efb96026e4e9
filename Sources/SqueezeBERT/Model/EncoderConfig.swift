import Foundation

/// The hyper-parameters of a SqueezeBERT or BERT-family encoder, decoded from a Hugging Face
/// `config.json`.
///
/// Both architectures run through the same SqueezeBERT code: a BERT checkpoint is a SqueezeBERT
/// whose six group counts are all 1. Defaults are the reference implementation's own
/// (`SqueezeBertConfig`, `BertConfig`), so a folder that loads in `transformers` loads here.
public struct EncoderConfig: Sendable, Equatable {
    /// Which checkpoint layout (key names and tensor shapes) the weights use.
    public enum Architecture: String, Sendable, Equatable {
        case squeezebert
        case bert
    }

    /// The activation after the intermediate (feed-forward) projection.
    public enum Activation: String, Sendable, Equatable {
        /// Exact GELU, `x * Φ(x)` with the error function (`"gelu"` in transformers).
        case gelu
        /// The tanh approximation (`"gelu_new"`, `"gelu_pytorch_tanh"`).
        case geluTanh
        case relu
    }

    /// Group counts of the six position-wise 1x1 convolutions in every layer.
    public struct Groups: Sendable, Equatable {
        public var query, key, value, postAttention, intermediate, output: Int

        /// Every group count 1: the dense BERT layer.
        public static let dense = Groups(query: 1, key: 1, value: 1, postAttention: 1, intermediate: 1, output: 1)

        /// The most groups of any projection.
        public var largest: Int { max(query, key, value, postAttention, intermediate, output) }
    }

    /// A second copy of the top layers that ends in the classifier (`"squeezechat":
    /// {"sentiment_branch": ...}`): layers 0..<fromLayer are shared, layers fromLayer..<N continue
    /// to the last hidden state (the sentence embedding), and the branch's N - fromLayer layers,
    /// fed the same layer fromLayer - 1 output, end in its own pooler and classifier (the logits).
    public struct SentimentBranch: Sendable, Equatable {
        /// The first trunk layer the branch duplicates, in 1..<N.
        public var fromLayer: Int
        /// Group counts of the branch's layers: the trunk's wherever the section leaves one out.
        public var groups: Groups
    }

    public var architecture: Architecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    /// Epsilon of the embeddings LayerNorm (and of every LayerNorm in BERT).
    public var layerNormEps: Float
    /// Epsilon of the LayerNorms inside the encoder layers. The reference SqueezeBERT hard-codes
    /// 1e-12 there whatever the config says; BERT uses `layerNormEps`.
    public var encoderLayerNormEps: Float
    public var activation: Activation
    public var groups: Groups
    /// Class names of the classification head, in logit order; empty without a head.
    public var labels: [String]
    public var padTokenId: Int
    /// The file's `"squeezechat"` section, decoded but not typed: settings for the layers above the
    /// engine (TextAnalysis reads its sentiment heads there). Nil when the file has none. Its
    /// `sentiment_branch`, the one entry the engine runs on, is typed in `sentimentBranch`.
    public var squeezechat: JSONValue?
    /// The sentiment branch, typed from the `"squeezechat"` section; nil for a plain model.
    public var sentimentBranch: SentimentBranch? = nil

    /// Size of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// Layers of the sentiment branch (N - fromLayer); 0 for a plain model.
    public var branchLayerCount: Int { sentimentBranch.map { layerCount - $0.fromLayer } ?? 0 }
}

extension EncoderConfig {
    /// Decodes `config.json` at `url`; every problem is a `ModelLoadError` naming the file.
    public static func load(from url: URL) throws -> EncoderConfig {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelLoadError(.missingFile, file: url.path, "cannot read config (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// Decodes the bytes of a `config.json`; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws -> EncoderConfig {
        guard let root = JSONValue.parse(data) else {
            throw ModelLoadError(.malformedFile, file: file, "config is not valid JSON")
        }
        guard let json = root.object else {
            throw ModelLoadError(.malformedFile, file: file, "config is not a JSON object")
        }
        return try ConfigReader(json: json, file: file).config()
    }
}

/// Reads typed values out of the decoded JSON, turning every absence or type error into one line.
private struct ConfigReader {
    let json: [String: JSONValue]
    let file: String

    func fail(_ problem: String) -> ModelLoadError {
        ModelLoadError(.invalidConfig, file: file, problem)
    }

    /// The value of `key`, nil when it is absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = json[key], value != .null else { return nil }
        return value
    }

    func int(_ key: String, default fallback: Int? = nil) throws -> Int {
        guard let value = value(key) else {
            if let fallback { return fallback }
            throw fail("missing required key \"\(key)\"")
        }
        // Booleans and non-integral numbers are not integers.
        guard case .integer(let exact) = value else { throw fail("\"\(key)\" must be an integer") }
        return exact
    }

    func positive(_ key: String, default fallback: Int? = nil) throws -> Int {
        let value = try int(key, default: fallback)
        guard value > 0 else { throw fail("\"\(key)\" must be positive, got \(value)") }
        return value
    }

    func float(_ key: String, default fallback: Float) throws -> Float {
        guard let value = value(key) else { return fallback }
        guard let number = value.number else { throw fail("\"\(key)\" must be a number") }
        return Float(number)
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else { throw fail("\"\(key)\" must be a string") }
        return text
    }

    func labels() throws -> [String] {
        guard let raw = value("id2label") else { return [] }
        guard let table = raw.object else { throw fail("\"id2label\" must be an object") }
        var labels = [String](repeating: "", count: table.count)
        for (key, value) in table {
            guard let index = Int(key), index >= 0, index < table.count else {
                throw fail("\"id2label\" keys must be 0..<\(table.count), got \"\(key)\"")
            }
            guard let name = value.string else { throw fail("\"id2label\"[\"\(key)\"] must be a string") }
            labels[index] = name
        }
        return labels
    }

    func config() throws -> EncoderConfig {
        guard let modelType = try string("model_type") else { throw fail("missing required key \"model_type\"") }
        guard let architecture = EncoderConfig.Architecture(rawValue: modelType) else {
            throw fail("unsupported model_type \"\(modelType)\" (expected \"squeezebert\" or \"bert\")")
        }
        let activationName = try string("hidden_act") ?? "gelu"
        let activation: EncoderConfig.Activation
        switch activationName {
        case "gelu": activation = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": activation = .geluTanh
        case "relu": activation = .relu
        default: throw fail("unsupported hidden_act \"\(activationName)\"")
        }
        let hidden = try positive("hidden_size")
        let heads = try positive("num_attention_heads")
        guard hidden % heads == 0 else {
            throw fail("hidden_size \(hidden) is not a multiple of num_attention_heads \(heads)")
        }
        let intermediate = try positive("intermediate_size")
        if architecture == .squeezebert, case .integer(let embedding)? = json["embedding_size"], embedding != hidden {
            throw fail("embedding_size \(embedding) must equal hidden_size \(hidden) for SqueezeBERT")
        }

        let groups: EncoderConfig.Groups
        switch architecture {
        case .bert:
            groups = .dense
        case .squeezebert:
            // Defaults are SqueezeBertConfig's: the paper's grouping.
            groups = EncoderConfig.Groups(
                query: try positive("q_groups", default: 4), key: try positive("k_groups", default: 4),
                value: try positive("v_groups", default: 4),
                postAttention: try positive("post_attention_groups", default: 1),
                intermediate: try positive("intermediate_groups", default: 4),
                output: try positive("output_groups", default: 4))
        }
        try checkDivides(groups, hidden: hidden, intermediate: intermediate)

        let eps = try float("layer_norm_eps", default: 1e-12)
        let labels = try labels()
        var config = EncoderConfig(
            architecture: architecture,
            vocabSize: try positive("vocab_size"),
            hiddenSize: hidden,
            layerCount: try positive("num_hidden_layers"),
            headCount: heads,
            intermediateSize: intermediate,
            maxPositions: try positive("max_position_embeddings", default: 512),
            typeVocabSize: try positive("type_vocab_size", default: 2),
            layerNormEps: eps,
            encoderLayerNormEps: architecture == .squeezebert ? 1e-12 : eps,
            activation: activation,
            groups: groups,
            labels: labels,
            padTokenId: try int("pad_token_id", default: 0),
            squeezechat: value("squeezechat"))
        config.sentimentBranch = try sentimentBranch(
            layers: config.layerCount, trunk: groups, architecture: architecture, hidden: hidden,
            intermediate: intermediate, labels: labels)
        return config
    }

    /// Each grouped convolution needs both channel counts divisible by its group count; `section`
    /// prefixes the key in the message (the branch's groups).
    func checkDivides(_ groups: EncoderConfig.Groups, hidden: Int, intermediate: Int, section: String = "") throws {
        let convolutions: [(String, Int, Int, Int)] = [
            ("q_groups", groups.query, hidden, hidden), ("k_groups", groups.key, hidden, hidden),
            ("v_groups", groups.value, hidden, hidden), ("post_attention_groups", groups.postAttention, hidden, hidden),
            ("intermediate_groups", groups.intermediate, hidden, intermediate),
            ("output_groups", groups.output, intermediate, hidden),
        ]
        for (key, count, input, output) in convolutions where input % count != 0 || output % count != 0 {
            throw fail("\(section)\(key) \(count) does not divide the channel counts \(input) -> \(output)")
        }
    }

    /// `"squeezechat": {"sentiment_branch": {"from_layer": F, "groups": {...}}}`, typed; nil when
    /// absent. The rest of the section stays untyped for the layers above the engine.
    func sentimentBranch(
        layers: Int, trunk: EncoderConfig.Groups, architecture: EncoderConfig.Architecture, hidden: Int,
        intermediate: Int, labels: [String]
    ) throws -> EncoderConfig.SentimentBranch? {
        guard let raw = value("squeezechat")?.object?["sentiment_branch"], raw != .null else { return nil }
        let name = "squeezechat.sentiment_branch"
        guard let section = raw.object else { throw fail("\"\(name)\" must be an object") }
        guard let rawFrom = section["from_layer"], rawFrom != .null else {
            throw fail("\"\(name)\" has no \"from_layer\"")
        }
        guard case .integer(let from) = rawFrom else { throw fail("\"\(name).from_layer\" must be an integer") }
        guard from >= 1 && from < layers else {
            throw fail("\"\(name).from_layer\" must be in 1..<\(layers) (num_hidden_layers), got \(from)")
        }
        guard !labels.isEmpty else { throw fail("has a \"\(name)\" (a classifier) but no \"id2label\"") }
        var groups = trunk
        if let rawGroups = section["groups"], rawGroups != .null {
            guard let table = rawGroups.object else { throw fail("\"\(name).groups\" must be an object") }
            guard architecture == .squeezebert else {
                throw fail("\"\(name).groups\" needs model_type \"squeezebert\" (BERT layers are dense)")
            }
            let fields: [(String, WritableKeyPath<EncoderConfig.Groups, Int>)] = [
                ("q_groups", \.query), ("k_groups", \.key), ("v_groups", \.value),
                ("post_attention_groups", \.postAttention), ("intermediate_groups", \.intermediate),
                ("output_groups", \.output),
            ]
            // A misspelt key would silently keep the trunk's count.
            if let unknown = table.keys.sorted().first(where: { key in !fields.contains { $0.0 == key } }) {
                throw fail("\"\(name).groups\" has an unknown key \"\(unknown)\"")
            }
            for (key, path) in fields {
                guard let value = table[key], value != .null else { continue }
                guard case .integer(let count) = value, count > 0 else {
                    throw fail("\"\(name).groups.\(key)\" must be a positive integer")
                }
                groups[keyPath: path] = count
            }
            try checkDivides(groups, hidden: hidden, intermediate: intermediate, section: "\(name).groups.")
        }
        return EncoderConfig.SentimentBranch(fromLayer: from, groups: groups)
    }
}
