/// Why a model folder (or one of its files) could not be used.
///
/// Every failure names the file it is about and says what is wrong with it in one line,
/// so the command line can print `description` as is.
public struct ModelLoadError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The class of failure, for callers (and tests) that branch on it.
    public enum Kind: String, Sendable, Equatable {
        /// A required file or folder does not exist or cannot be read.
        case missingFile
        /// The file exists but is not well-formed (bad JSON, truncated, offsets out of range, ...).
        case malformedFile
        /// A tensor the architecture needs is not in the checkpoint.
        case missingTensor
        /// A tensor exists but has the wrong shape for the configuration.
        case shapeMismatch
        /// A tensor uses a dtype this runtime does not read.
        case unsupportedDType
        /// `config.json` lacks a required key or holds an impossible value.
        case invalidConfig
    }

    public let kind: Kind
    /// The path of the file the problem is in.
    public let file: String
    /// What is wrong, in a few words, without the path.
    public let problem: String

    public init(_ kind: Kind, file: String, _ problem: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}
