import Foundation

/// The model folder that ships inside the package: all-MiniLM-L6-v2 converted to SqueezeBERT,
/// fine-tuned for sentiment with its sentence embeddings kept, stored as int8 (see training/).
public enum DefaultModel {
    /// The folder's name inside the resource bundle.
    public static let name = "squeezechat-sentiment"

    /// The bundled folder (config.json, model.safetensors, vocab.txt).
    public static var folder: URL {
        Bundle.module.resourceURL!.appendingPathComponent(name, isDirectory: true)
    }
}
