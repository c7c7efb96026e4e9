import Foundation
import Testing
@testable import SqueezeBERT

/// The `squeezechat` section of config.json: decoded with the encoder's fields, handed on untyped.
struct ConfigSectionTests {
    static let encoderFields = #""model_type": "bert", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 256"#

    func decode(_ extra: String) throws -> EncoderConfig {
        try EncoderConfig.decode(Data("{\(Self.encoderFields)\(extra)}".utf8), file: "/m/config.json")
    }

    @Test func theSectionIsHandedOnAsDecodedJSON() throws {
        let config = try decode(#", "squeezechat": {"neutral_below": 0.9, "head": {"weights": [1, 2.5, "a", true, null]}}"#)
        #expect(config.squeezechat == .object([
            "neutral_below": .number(0.9),
            "head": .object(["weights": .array([.integer(1), .number(2.5), .string("a"), .bool(true), .null])]),
        ]))
        #expect(config.squeezechat?["neutral_below"]?.number == 0.9)
        #expect(config.squeezechat?["head"]?["weights"]?.array?.count == 5)
        #expect(config.hiddenSize == 64)
    }

    @Test func anAbsentOrNullSectionIsNil() throws {
        #expect(try decode("").squeezechat == nil)
        #expect(try decode(#", "squeezechat": null"#).squeezechat == nil)
    }

    @Test func theEngineDoesNotJudgeTheSection() throws {
        // Typing it is the job of the layer that uses it; a malformed section still loads.
        #expect(try decode(#", "squeezechat": "not an object""#).squeezechat == .string("not an object"))
    }

    @Test func integersAreWholeNumbersAndBooleansAreNot() throws {
        #expect(try decode(#", "pad_token_id": 3.0"#).padTokenId == 3)
        for bad in [#", "pad_token_id": true"#, #", "pad_token_id": 2.5"#] {
            #expect(throws: ModelLoadError(.invalidConfig, file: "/m/config.json", "\"pad_token_id\" must be an integer")) {
                try decode(bad)
            }
        }
    }

    @Test func theLoadedModelNamesItsConfigFile() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models/tiny-squeezebert")
        let model = try EncoderModel.load(from: folder)
        #expect(model.configURL == folder.appendingPathComponent("config.json"))
    }
}
