import Foundation

/// The model folders that ship inside the package (see training/), both int8.
public enum DefaultModel {
    /// The default folder's name inside the resource bundle: all-MiniLM-L6-v2 converted to
    /// SqueezeBERT with every group 1, fine-tuned for sentiment with its sentence embeddings kept.
    public static let name = "squeezechat-sentiment"
    /// The grouped student's folder name: attention dense and the feed-forward pair in 4 groups
    /// (q, k, v, post-attention 1; intermediate, output 4), distilled from the default's trunk.
    public static let groupedStudentName = "squeezechat-sentiment-grouped"

    /// The bundled default folder (config.json, model.safetensors, vocab.txt).
    public static var folder: URL { resource(name) }

    /// The bundled grouped student's folder.
    public static var groupedStudentFolder: URL { resource(groupedStudentName) }

    /// Short names for the bundled folders, so that `--model grouped` works from any directory:
    /// "dense" is the G = 1 model, "grouped" the student, whichever of them is the default.
    public static let shortNames = ["dense": name, "grouped": groupedStudentName]

    /// The bundled folder a short name stands for, or nil.
    public static func folder(shortName: String) -> URL? { shortNames[shortName].map(resource) }

    private static func resource(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent(name, isDirectory: true)
    }
}
