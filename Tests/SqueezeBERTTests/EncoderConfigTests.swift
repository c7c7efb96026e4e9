import Foundation
import Testing
@testable import SqueezeBERT

struct EncoderConfigTests {
    static var minimal: [String: Any] { [
        "model_type": "squeezebert", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 256,
    ] }

    func decode(_ json: [String: Any]) throws -> EncoderConfig {
        try EncoderConfig.decode(try JSONSerialization.data(withJSONObject: json), file: "/m/config.json")
    }

    func expectInvalid(_ json: [String: Any], _ fragment: String, kind: ModelLoadError.Kind = .invalidConfig) {
        do {
            _ = try decode(json)
            Issue.record("accepted a config that should fail with \"\(fragment)\"")
        } catch let error as ModelLoadError {
            #expect(error.kind == kind)
            #expect(error.file == "/m/config.json")
            #expect(error.description.contains(fragment), "\(error.description)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func squeezebertDefaultsAreTheReferenceOnes() throws {
        let config = try decode(Self.minimal)
        #expect(config.groups == EncoderConfig.Groups(query: 4, key: 4, value: 4, postAttention: 1, intermediate: 4, output: 4))
        #expect(config.maxPositions == 512 && config.typeVocabSize == 2 && config.activation == .gelu)
        #expect(config.layerNormEps == 1e-12 && config.encoderLayerNormEps == 1e-12)
        #expect(config.labels.isEmpty && config.headSize == 16)
    }

    @Test func bertIsDenseAndUsesConfigEpsEverywhere() throws {
        var json = Self.minimal
        json["model_type"] = "bert"
        json["layer_norm_eps"] = 1e-7
        json["q_groups"] = 4  // ignored for BERT: its Linear layers are dense
        let config = try decode(json)
        #expect(config.groups == .dense)
        #expect(config.encoderLayerNormEps == Float(1e-7))
    }

    @Test func id2labelNamesTheClassesInOrder() throws {
        var json = Self.minimal
        json["id2label"] = ["1": "positive", "0": "negative"]
        #expect(try decode(json).labels == ["negative", "positive"])
    }

    @Test func missingRequiredKeysAreNamed() {
        for key in ["model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"] {
            var json = Self.minimal
            json.removeValue(forKey: key)
            expectInvalid(json, "missing required key \"\(key)\"")
        }
    }

    @Test func impossibleValuesAreRejected() {
        var json = Self.minimal
        json["model_type"] = "gpt2"
        expectInvalid(json, "unsupported model_type \"gpt2\"")
        json = Self.minimal
        json["num_attention_heads"] = 5
        expectInvalid(json, "not a multiple of num_attention_heads")
        json = Self.minimal
        json["intermediate_groups"] = 3
        expectInvalid(json, "intermediate_groups 3 does not divide")
        json = Self.minimal
        json["hidden_size"] = "64"
        expectInvalid(json, "\"hidden_size\" must be an integer")
        json = Self.minimal
        json["hidden_size"] = true
        expectInvalid(json, "\"hidden_size\" must be an integer")
        json = Self.minimal
        json["hidden_act"] = "swish"
        expectInvalid(json, "unsupported hidden_act")
        json = Self.minimal
        json["vocab_size"] = 0
        expectInvalid(json, "\"vocab_size\" must be positive")
        json = Self.minimal
        json["id2label"] = ["0": "a", "5": "b"]
        expectInvalid(json, "\"id2label\" keys must be")
    }

    @Test func malformedJSONIsAMalformedFile() {
        #expect(throws: ModelLoadError(.malformedFile, file: "/m/config.json", "config is not valid JSON")) {
            try EncoderConfig.decode(Data("{\"model_type\": ".utf8), file: "/m/config.json")
        }
        #expect(throws: ModelLoadError(.malformedFile, file: "/m/config.json", "config is not a JSON object")) {
            try EncoderConfig.decode(Data("[1, 2]".utf8), file: "/m/config.json")
        }
    }
}
