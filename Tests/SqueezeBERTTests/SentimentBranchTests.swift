import Foundation
import Testing
@testable import SqueezeBERT

/// A forked model: `"squeezechat": {"sentiment_branch": ...}` in config.json and the branch's
/// `sentiment_branch.*` tensors. The section is typed at load; every problem with it or its
/// tensors is one error naming the file. Numerics are in EncoderParityTests.
struct SentimentBranchTests {
    static let trunk = #""model_type": "squeezebert", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 256, "id2label": {"0": "negative", "1": "positive"}"#

    func decode(_ branch: String, trunk: String = trunk) throws -> EncoderConfig {
        try EncoderConfig.decode(Data(#"{\#(trunk), "squeezechat": {"neutral_below": 0.9, "sentiment_branch": \#(branch)}}"#.utf8),
                                 file: "/m/config.json")
    }

    func expectInvalid(_ branch: String, _ fragment: String, trunk: String = trunk) {
        do {
            _ = try decode(branch, trunk: trunk)
            Issue.record("accepted \(branch); expected \"\(fragment)\"")
        } catch let error as ModelLoadError {
            #expect(error.kind == .invalidConfig && error.file == "/m/config.json", "\(error)")
            #expect(error.description.contains(fragment), "\(error.description)")
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func theSectionIsTypedAndMissingGroupsAreTheTrunks() throws {
        let config = try decode(#"{"from_layer": 2, "note": "x", "groups": {"q_groups": 1, "intermediate_groups": 8}}"#)
        let branch = try #require(config.sentimentBranch)
        #expect(branch.fromLayer == 2 && config.branchLayerCount == 1)
        #expect(branch.groups == EncoderConfig.Groups(query: 1, key: 4, value: 4, postAttention: 1, intermediate: 8, output: 4))
        // The rest of the section is still handed on untyped.
        #expect(config.squeezechat?["neutral_below"]?.number == 0.9)
        #expect(try decode(#"{"from_layer": 1}"#).sentimentBranch?.groups == config.groups)
        #expect(try decode("null").sentimentBranch == nil && decode("null").branchLayerCount == 0)
    }

    @Test func aPlainConfigHasNoBranch() throws {
        let config = try EncoderConfig.decode(Data("{\(Self.trunk)}".utf8), file: "/m/config.json")
        #expect(config.sentimentBranch == nil && config.branchLayerCount == 0)
    }

    @Test func badSectionsAreOneLineNamingTheKey() {
        expectInvalid(#"[2]"#, #""squeezechat.sentiment_branch" must be an object"#)
        expectInvalid(#"{}"#, #"has no "from_layer""#)
        for bad in [#""2""#, "2.5", "true"] {
            expectInvalid(#"{"from_layer": \#(bad)}"#, #""squeezechat.sentiment_branch.from_layer" must be an integer"#)
        }
        for outside in [0, 3, -1] {
            expectInvalid(#"{"from_layer": \#(outside)}"#, "must be in 1..<3 (num_hidden_layers), got \(outside)")
        }
        let withoutLabels = Self.trunk.replacingOccurrences(of: #", "id2label": {"0": "negative", "1": "positive"}"#, with: "")
        expectInvalid(#"{"from_layer": 2}"#, #"no "id2label""#, trunk: withoutLabels)
        expectInvalid(#"{"from_layer": 2, "groups": 4}"#, #""squeezechat.sentiment_branch.groups" must be an object"#)
        expectInvalid(#"{"from_layer": 2, "groups": {"intermediate_groups": 3}}"#,
                      "squeezechat.sentiment_branch.groups.intermediate_groups 3 does not divide the channel counts 64 -> 256")
        expectInvalid(#"{"from_layer": 2, "groups": {"q_groups": 0}}"#, "groups.q_groups\" must be a positive integer")
        expectInvalid(#"{"from_layer": 2, "groups": {"q_group": 2}}"#, #"unknown key "q_group""#)
        let bert = Self.trunk.replacingOccurrences(of: "squeezebert", with: "bert")
        expectInvalid(#"{"from_layer": 2, "groups": {"q_groups": 2}}"#, #"needs model_type "squeezebert""#, trunk: bert)
    }

    // MARK: model folders

    /// A writable copy of the tiny forked folder, with `edit` applied to its config and tensors.
    func brokenCopy(
        dropping dropped: String? = nil, reshaping reshaped: String? = nil, config edit: ((inout [String: Any]) -> Void)? = nil
    ) throws -> URL {
        try ModelFolderTests().brokenCopy(of: "tiny-forked", dropping: dropped, reshaping: reshaped, config: edit)
    }

    static func branchSection(_ json: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var section = json["squeezechat"] as! [String: Any]
        var branch = section["sentiment_branch"] as! [String: Any]
        change(&branch)
        section["sentiment_branch"] = branch
        json["squeezechat"] = section
    }

    @Test(arguments: ["sentiment_branch.encoder.layers.0.attention.value.bias", "sentiment_branch.encoder.layers.0.output.layernorm.weight",
                      "sentiment_branch.pooler.dense.weight", "sentiment_branch.classifier.weight",
                      "sentiment_branch.classifier.bias"])
    func missingBranchTensor(_ name: String) throws {
        ModelFolderTests().expectFailure(try brokenCopy(dropping: name), .missingTensor, file: "model.safetensors", name)
    }

    @Test(arguments: ["sentiment_branch.encoder.layers.0.intermediate.conv1d.weight", "sentiment_branch.pooler.dense.weight",
                      "sentiment_branch.classifier.weight"])
    func misshapedBranchTensor(_ name: String) throws {
        ModelFolderTests().expectFailure(try brokenCopy(reshaping: name), .shapeMismatch, file: "model.safetensors", name)
    }

    /// Branch groups that disagree with the stored weights are caught by shape, as the trunk's are.
    @Test func branchGroupsThatDisagreeWithTheWeights() throws {
        let folder = try brokenCopy(config: { json in Self.branchSection(&json) { $0["groups"] = ["k_groups": 2] } })
        ModelFolderTests().expectFailure(folder, .shapeMismatch, file: "model.safetensors", "sentiment_branch.encoder.layers.0.attention.key.weight")
    }

    /// More labels than the branch's classifier has rows.
    @Test func labelsThatDisagreeWithTheBranchClassifier() throws {
        let folder = try brokenCopy(config: { $0["id2label"] = ["0": "negative", "1": "neutral", "2": "positive"] })
        ModelFolderTests().expectFailure(folder, .shapeMismatch, file: "model.safetensors", "sentiment_branch.classifier.")
    }

    @Test func badSectionInAFolder() throws {
        ModelFolderTests().expectFailure(try brokenCopy(config: { json in Self.branchSection(&json) { $0["from_layer"] = 3 } }),
                      .invalidConfig, file: "config.json", "from_layer")
        ModelFolderTests().expectFailure(try brokenCopy(config: { $0.removeValue(forKey: "id2label") }), .invalidConfig, file: "config.json",
                      "id2label")
    }

    /// The trunk's own pooler is optional in a forked folder: nothing reads it.
    @Test func theTrunkPoolerIsNotNeeded() throws {
        let folder = try brokenCopy(dropping: "pooler.dense.weight")
        defer { try? FileManager.default.removeItem(at: folder) }
        let texts = ["I hate it.", "Hello, world! This movie was really good."]
        let without = try EncoderModel.load(from: folder).encode(texts).output
        let with = try EncoderModel.load(from: Fixtures.model("tiny-forked")).encode(texts).output
        #expect(without.logits == with.logits && without.pooled == with.pooled)
        #expect(without.lastHiddenState == with.lastHiddenState)
    }

    /// The ordinary path is the plain model: without the section the same folder loads as a
    /// SqueezeBertModel (its own pooler, no classifier) and gives bit-identical hidden states,
    /// while the forked model's pooled output is the branch's, not the trunk pooler's.
    @Test func theOrdinaryLayersAreThePlainModel() throws {
        let forked = try EncoderModel.load(from: Fixtures.model("tiny-forked"))
        let plainFolder = try brokenCopy(config: { json in
            var section = json["squeezechat"] as! [String: Any]
            section.removeValue(forKey: "sentiment_branch")
            json["squeezechat"] = section
        })
        defer { try? FileManager.default.removeItem(at: plainFolder) }
        let plain = try EncoderModel.load(from: plainFolder)
        #expect(forked.encoder.hasSentimentBranch && !plain.encoder.hasSentimentBranch)
        #expect(forked.encoder.hasClassifier && !plain.encoder.hasClassifier)
        let texts = ["I hate it.", "Hello, world! This movie was really good."]
        let a = forked.encode(texts, keepHiddenStates: true).output, b = plain.encode(texts, keepHiddenStates: true).output
        #expect(a.lastHiddenState == b.lastHiddenState)
        #expect(a.hiddenStates == b.hiddenStates && a.hiddenStates.count == 4)
        #expect(WorstDifference(try #require(a.pooled), try #require(b.pooled)).value > 0.01)
        #expect(a.labels == ["negative", "positive"] && a.logits?.count == 4)
    }
}
