import Foundation
import Testing
@testable import SqueezeBERT

/// A model folder that is incomplete, corrupt or inconsistent fails with one typed error that
/// names the file and the problem; it never crashes.
struct ModelFolderTests {
    /// A writable copy of a tiny fixture folder (the SqueezeBERT one unless `fixture` says), with
    /// `edit` applied to its parts.
    func brokenCopy(
        of fixture: String = "tiny-squeezebert", dropping dropped: String? = nil, reshaping reshaped: String? = nil,
        config edit: ((inout [String: Any]) -> Void)? = nil, removing removed: String? = nil
    ) throws -> URL {
        let source = Fixtures.model(fixture)
        let folder = try Fixtures.temporaryFolder()
        for name in ["config.json", "model.safetensors", "vocab.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        if dropped != nil || reshaped != nil {
            let original = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
            var writer = SafeTensorsWriter()
            for name in original.names where name != dropped {
                let values = try original.floats(name)
                let shape = name == reshaped ? [values.count] : original.info(name)!.shape
                try writer.add(name, shape: shape, .f32(values))
            }
            try writer.write(to: folder.appendingPathComponent("model.safetensors").path)
        }
        if let edit {
            let url = folder.appendingPathComponent("config.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        if let removed { try FileManager.default.removeItem(at: folder.appendingPathComponent(removed)) }
        return folder
    }

    func expectFailure(_ folder: URL, _ kind: ModelLoadError.Kind, file: String, _ fragment: String) {
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try EncoderModel.load(from: folder)
            Issue.record("loaded a broken folder; expected \(kind) \"\(fragment)\"")
        } catch let error as ModelLoadError {
            #expect(error.kind == kind, "\(error)")
            #expect(error.file == folder.appendingPathComponent(file).path, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func missingFolder() {
        let folder = URL(fileURLWithPath: "/nonexistent/squeezechat-model")
        #expect(throws: ModelLoadError(.missingFile, file: folder.path, "model folder not found")) {
            try EncoderModel.load(from: folder)
        }
    }

    @Test(arguments: ["config.json", "model.safetensors", "vocab.txt"])
    func missingFile(_ name: String) throws {
        expectFailure(try brokenCopy(removing: name), .missingFile, file: name, "file not found")
    }

    @Test func missingTensor() throws {
        let name = "encoder.layers.1.intermediate.conv1d.weight"
        expectFailure(try brokenCopy(dropping: name), .missingTensor, file: "model.safetensors", name)
    }

    @Test func wrongShape() throws {
        let name = "encoder.layers.0.attention.query.weight"
        expectFailure(try brokenCopy(reshaping: name), .shapeMismatch, file: "model.safetensors", name)
    }

    /// Shapes alone cannot tell the group counts: a config that says otherwise is caught by shape.
    @Test func groupCountsThatDisagreeWithTheWeights() throws {
        expectFailure(try brokenCopy(config: { $0["q_groups"] = 2 }), .shapeMismatch, file: "model.safetensors",
                      "encoder.layers.0.attention.query.weight")
    }

    @Test func configWithoutRequiredKey() throws {
        expectFailure(try brokenCopy(config: { $0.removeValue(forKey: "num_attention_heads") }), .invalidConfig,
                      file: "config.json", "missing required key \"num_attention_heads\"")
    }

    @Test func vocabularyLargerThanTheEmbeddingTable() throws {
        expectFailure(try brokenCopy(config: { $0["vocab_size"] = 10 }), .malformedFile, file: "vocab.txt",
                      "vocab_size 10")
    }

    @Test func truncatedWeights() throws {
        let folder = try brokenCopy()
        let url = folder.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        expectFailure(folder, .malformedFile, file: "model.safetensors", "past the end")
    }
}
