import ArgumentParser
import DefaultModel
import Foundation
import SqueezeBERT

/// `--model DIR`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A Hugging Face model folder (config.json, model.safetensors, vocab.txt), or a bundled one: "
            + "dense, grouped. Default: $SQUEEZECHAT_MODEL, else the bundled sentiment model.",
        valueName: "DIR"))
    var model: String?

    @Option(name: .long, help: "Maximum tokens per text, [CLS] and [SEP] included (at most the model's positions).")
    var maxLength: Int = 128

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// The folder to load: --model, else $SQUEEZECHAT_MODEL, else the bundled model.
    func folder() -> URL {
        if let model { return Self.resolve(model) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SQUEEZECHAT_MODEL"], !fromEnvironment.isEmpty {
            return Self.resolve(fromEnvironment)
        }
        return DefaultModel.folder
    }

    /// A model argument as a folder: a bundled model's short name ("dense", "grouped") unless a
    /// path by that name exists, else the path itself.
    static func resolve(_ argument: String) -> URL {
        if !FileManager.default.fileExists(atPath: argument), let bundled = DefaultModel.folder(shortName: argument) {
            return bundled
        }
        return URL(fileURLWithPath: argument)
    }

    /// Loads the model; a load failure is one line on standard error and exit code 1.
    func load(precision: Precision? = nil, threads: Int? = nil, instructionSet: InstructionSet? = nil) throws -> EncoderModel {
        let url = folder()
        do {
            return try EncoderModel.load(from: url, maxLength: maxLength, precision: precision, threads: threads,
                                         instructionSet: instructionSet)
        } catch let error as ModelLoadError {
            Output.fail(error.description)
        }
    }
}
