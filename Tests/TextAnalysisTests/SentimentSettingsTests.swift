import DefaultModel
import Foundation
import SqueezeBERT
import Testing
@testable import TextAnalysis

/// The sentiment settings read from the `squeezechat` section that the model load decodes.
struct SentimentSettingsTests {
    /// A copy of the bundled model whose config.json is `edit`ed (the weights and vocabulary are
    /// linked, not copied); removed by the caller.
    static func bundledCopy(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["model.safetensors", "vocab.txt"] {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent(name),
                                                       withDestinationURL: DefaultModel.folder.appendingPathComponent(name))
        }
        let original = DefaultModel.folder.appendingPathComponent("config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: original)) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    @Test("The bundled model loads its band and both heads, one weight per embedding dimension")
    func bundledHeads() throws {
        let model = try EncoderModel.load(from: DefaultModel.folder)
        let settings = try SentimentSettings(model: model)
        let neutral = try #require(settings.neutralHead), direction = try #require(settings.directionHead)
        #expect(neutral.weights.count == 384 && direction.weights.count == 384)
        // The threshold as config.json states it, read here without the loader.
        let raw = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: DefaultModel.folder.appendingPathComponent("config.json"))) as? [String: Any])
        let section = try #require(raw["squeezechat"] as? [String: Any])
        let above = try #require((section["neutral_head"] as? [String: Any])?["above"] as? Double)
        #expect(neutral.above == Float(above) && neutral.label == "neutral")
        #expect(settings.neutralBand == NeutralBand(below: 0.96))
        let analyzer = try SentimentAnalyzer(model: model)
        #expect(analyzer.neutralHead == neutral && analyzer.directionHead == direction && analyzer.neutralBand == settings.neutralBand)
    }

    @Test("A config whose squeezechat section holds only the sentiment branch loads with no heads and no band")
    func noSection() throws {
        let folder = try Self.bundledCopy { config in
            let section = config["squeezechat"] as! [String: Any]
            config["squeezechat"] = ["sentiment_branch": section["sentiment_branch"]!]
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try EncoderModel.load(from: folder)
        #expect(model.config.sentimentBranch?.fromLayer == 5)
        let analyzer = try SentimentAnalyzer(model: model)
        #expect(analyzer.neutralHead == nil && analyzer.directionHead == nil && analyzer.neutralBand == nil)
        #expect(analyzer.outputLabels == ["negative", "positive"])
    }

    @Test("A malformed head in config.json is an error naming the file and the key, not a missing head")
    func malformedHead() throws {
        let folder = try Self.bundledCopy { config in
            var section = config["squeezechat"] as! [String: Any]
            var head = section["direction_head"] as! [String: Any]
            head["weights"] = [1, 2, 3]
            section["direction_head"] = head
            config["squeezechat"] = section
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        // The engine loads the model: the section is the layers' above to type.
        let model = try EncoderModel.load(from: folder)
        let path = folder.appendingPathComponent("config.json").path
        #expect(throws: AnalysisError("\(path): squeezechat.direction_head.weights: expected 384 numbers "
                                      + "(one per embedding dimension), found 3")) {
            try SentimentAnalyzer(model: model)
        }
    }

    @Test("Each broken part of the section is refused in one line naming its key", arguments: [
        (#""yes""#, "squeezechat: must be an object"),
        (#"{"neutral_below": "0.9"}"#, "squeezechat.neutral_below: must be a finite number"),
        (#"{"neutral_below": 1.5}"#, "squeezechat.neutral_below: must be in 0...1, got 1.5"),
        (#"{"neutral_below": 0.9, "neutral_label": 3}"#, "squeezechat.neutral_label: must be a string"),
        (#"{"neutral_head": [1]}"#, "squeezechat.neutral_head: must be an object"),
        (#"{"neutral_head": {"weights": [1], "abs_margin": 0, "margin": 0, "bias": 0}}"#,
         "squeezechat.neutral_head.above: missing (a finite number)"),
        (#"{"direction_head": {"weights": [1, true], "margin": 0, "bias": 0}}"#,
         "squeezechat.direction_head.weights: must be a non-empty array of numbers"),
    ])
    func brokenParts(section: String, message: String) throws {
        let decoded = try #require(JSONValue.parse(Data(section.utf8)))
        #expect(throws: AnalysisError("/m/config.json: \(message)")) {
            try SentimentSettings(section: decoded, file: "/m/config.json")
        }
    }

    @Test("Absent or null parts are no settings; unknown keys are ignored")
    func absentParts() throws {
        for section in [#"{}"#, #"{"note": "x", "neutral_head": null}"#, #"null"#] {
            let decoded = try #require(JSONValue.parse(Data(section.utf8)))
            #expect(try SentimentSettings(section: decoded, file: "/m/config.json") == SentimentSettings())
        }
        #expect(try SentimentSettings(section: nil, file: "/m/config.json") == SentimentSettings())
    }
}
