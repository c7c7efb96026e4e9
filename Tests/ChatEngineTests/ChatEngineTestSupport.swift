import Foundation
import SqueezeBERT

/// Shared fixtures: the engine tests run on the engine's tiny random classifier model, which
/// exercises every code path (embeddings, sentiment head) without a trained model.
enum ChatFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let intents = root.appendingPathComponent("intents")
    static let tinyModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SqueezeBERTTests/Fixtures/models/tiny-squeezebert-classifier").standardizedFileURL

    static func model() throws -> EncoderModel { try EncoderModel.load(from: tinyModel) }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
