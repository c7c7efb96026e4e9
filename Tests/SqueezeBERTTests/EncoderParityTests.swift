import Foundation
import Testing
@testable import SqueezeBERT

/// Every tensor the encoder produces, against transformers' own on the committed tiny models
/// (tools/make_model_fixtures.py): embeddings output, each layer, pooled output, mean-pooled
/// embeddings and logits, for a padded batch of unequal lengths and a single sequence. The forked
/// models' hidden states and embeddings are the ordinary layers', their pooled output and logits
/// the sentiment branch's.
struct EncoderParityTests {
    static let tolerance: Float = 1e-4
    static let models = ["tiny-squeezebert", "tiny-squeezebert-classifier", "tiny-bert", "tiny-bert-classifier",
                         "tiny-forked", "tiny-forked-regrouped"]

    @Test(arguments: models, ["batch", "single"])
    func matchesReference(model name: String, inputs: String) throws {
        let folder = Fixtures.model(name)
        let model = try EncoderModel.load(from: folder)
        let reference = try SafeTensorsFile(path: folder.appendingPathComponent("reference-\(inputs).safetensors").path)
        let idsShape = try #require(reference.info("input_ids")).shape
        let (B, T) = (idsShape[0], idsShape[1])
        let ids = try reference.floatTensor(name: "input_ids", expectedShape: [B, T]).map { Int32($0) }
        let mask = try reference.floatTensor(name: "attention_mask", expectedShape: [B, T])
        let lengths = (0..<B).map { b in Int(mask[(b * T)..<((b + 1) * T)].reduce(0, +)) }

        // The tokenizer must produce exactly the reference's padded batch.
        let cases = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Fixtures.models.appendingPathComponent("cases.json"))) as! [String: Any]
        let texts = ((cases[name] as! [String: Any])["texts"] as! [String: [String]])[inputs]!
        let batch = model.tokenizer.encodeBatch(texts)
        #expect(batch.ids == ids, "token ids differ from BertTokenizer")
        #expect(batch.lengths == lengths)

        let output = model.encoder.forward(ids: ids, lengths: lengths, sequenceLength: T, keepHiddenStates: true)
        let C = model.config.hiddenSize
        func check(_ actual: [Float]?, _ tensor: String, _ shape: [Int]) throws {
            let expected = try reference.floatTensor(name: tensor, expectedShape: shape)
            let actual = try #require(actual, "\(tensor) was not computed")
            let worst = WorstDifference(actual, expected)
            #expect(worst.value <= Self.tolerance, "\(name) \(inputs) \(tensor): \(worst)")
        }
        #expect(output.hiddenStates.count == model.config.layerCount + 1)
        for (index, hidden) in output.hiddenStates.enumerated() {
            try check(hidden, "hidden_states.\(index)", [B, T, C])
        }
        try check(output.lastHiddenState, "hidden_states.\(model.config.layerCount)", [B, T, C])
        try check(output.pooled, "pooled", [B, C])
        try check(output.sentenceEmbeddings(pooling: .mean).flatMap { $0 }, "mean_embedding", [B, C])
        try check(output.sentenceEmbeddings(pooling: .mean, normalize: true).flatMap { $0 },
                  "mean_embedding_normalized", [B, C])
        if reference.info("logits") != nil {
            let L = model.config.labels.count
            try check(output.logits, "logits", [B, L])
            try check((0..<B).flatMap { output.probabilities($0)! }, "probabilities", [B, L])
        } else {
            #expect(output.logits == nil)
        }
    }

    @Test func groupCountsComeFromTheConfig() throws {
        let config = try EncoderModel.load(from: Fixtures.model("tiny-squeezebert")).config
        #expect(config.groups == EncoderConfig.Groups(query: 4, key: 4, value: 4, postAttention: 1,
                                                       intermediate: 4, output: 4))
        #expect(try EncoderModel.load(from: Fixtures.model("tiny-bert")).config.groups == .dense)
    }

    @Test func classifierLabelsComeFromId2label() throws {
        let model = try EncoderModel.load(from: Fixtures.model("tiny-squeezebert-classifier"))
        #expect(model.encoder.hasClassifier)
        #expect(model.config.labels == ["negative", "neutral", "positive"])
        #expect(model.config.encoderLayerNormEps == 1e-12 && model.config.layerNormEps == 1e-5)
    }

    /// Padding must not change a sequence's result: the same text alone and inside a padded batch.
    @Test func paddingDoesNotChangeResults() throws {
        let model = try EncoderModel.load(from: Fixtures.model("tiny-squeezebert-classifier"))
        let texts = ["I hate it.", "Hello, world! This movie was really good and the music was great."]
        let together = model.embed(texts)
        for (index, text) in texts.enumerated() {
            let alone = model.embed([text])[0]
            #expect(WorstDifference(alone, together[index]).value <= 1e-5)
        }
    }
}
