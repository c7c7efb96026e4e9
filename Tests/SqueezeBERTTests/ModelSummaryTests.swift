import Foundation
import SqueezeBERT
import Testing

/// The model summary counts parameters as PyTorch does (the fixtures' cases.json records
/// `sum(p.numel())`), with and without pooler and classifier.
struct ModelSummaryTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/models")

    static func pytorchParameters(_ name: String) throws -> Int {
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: models.appendingPathComponent("cases.json")))
        return try #require(((cases as? [String: Any])?[name] as? [String: Any])?["parameters"] as? Int)
    }

    @Test("parameters as PyTorch counts them", arguments: ["tiny-squeezebert", "tiny-squeezebert-classifier", "tiny-bert",
                                                           "tiny-bert-classifier", "tiny-forked", "tiny-forked-regrouped"])
    func parameters(name: String) throws {
        let model = try EncoderModel.load(from: Self.models.appendingPathComponent(name))
        let summary = ModelSummary(model)
        #expect(summary.totalParameters == (try Self.pytorchParameters(name)))
        #expect(summary.hasClassifier == (name.hasSuffix("-classifier") || name.hasPrefix("tiny-forked")))
        #expect(summary.name == name)
        let bytes = try FileManager.default.attributesOfItem(
            atPath: Self.models.appendingPathComponent("\(name)/model.safetensors").path)[.size] as? Int
        #expect(summary.fileBytes == bytes)
    }

    @Test("FLOPs per token: the grouped projections, plus attention growing with the tokens")
    func flops() throws {
        let summary = ModelSummary(try EncoderModel.load(from: Self.models.appendingPathComponent("tiny-squeezebert")))
        // 2 layers, C 64, I 256, groups q/k/v 4, post-attention 1, intermediate and output 4.
        let perLayer = 3 * 64 * 64 / 4 + 64 * 64 + 64 * 256 / 4 + 256 * 64 / 4
        #expect(summary.projectionFlopsPerToken == 2 * 2 * perLayer)
        #expect(summary.flopsPerToken(tokens: 8) - summary.flopsPerToken(tokens: 4) == 4 * 2 * 4 * 64)
    }

    @Test("a sentiment branch adds its layers, with their own groups, to parameters and FLOPs")
    func sentimentBranch() throws {
        let summary = ModelSummary(try EncoderModel.load(from: Self.models.appendingPathComponent("tiny-forked-regrouped")))
        // Trunk: 3 layers at 4/4/4/1/4/4; branch: layers 1 and 2 again at 1/2/4/2/8/1.
        let trunk = 3 * 64 * 64 / 4 + 64 * 64 + 64 * 256 / 4 + 256 * 64 / 4
        let branch = 64 * 64 + 64 * 64 / 2 + 64 * 64 / 4 + 64 * 64 / 2 + 64 * 256 / 8 + 256 * 64
        #expect(summary.projectionFlopsPerToken == 2 * (3 * trunk + 2 * branch))
        #expect(summary.flopsPerToken(tokens: 8) - summary.flopsPerToken(tokens: 4) == 4 * (3 + 2) * 4 * 64)
        let perLayerRest = 5 * 64 + 256 + 4 * 64  // biases and LayerNorms
        #expect(summary.branchLayerParameters == branch + perLayerRest)
        #expect(summary.branchParameters == 2 * (branch + perLayerRest))
        #expect(summary.encoderParameters == 3 * (trunk + perLayerRest) + 2 * (branch + perLayerRest))
        #expect(summary.hasPooler && summary.poolerParameters == 64 * 64 + 64)
        #expect(summary.sentimentBranchText == "layers 1-2 duplicated for the sentiment head, groups 1/2/4/2/8/1 (q/k/v/post/int/out)")
        let plain = ModelSummary(try EncoderModel.load(from: Self.models.appendingPathComponent("tiny-squeezebert")))
        #expect(plain.sentimentBranchText == nil && plain.branchParameters == 0)
    }
}
