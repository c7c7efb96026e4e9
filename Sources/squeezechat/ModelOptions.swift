import ArgumentParser
import DefaultModel
import Foundation
import SqueezeBERT

/// `--model DIR`, shared by every command that loads a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A Hugging Face model folder (config.json, model.safetensors, vocab.txt). "
            + "Default: $SQUEEZECHAT_MODEL, else the bundled sentiment model.",
        valueName: "DIR"))
    var model: String?

    @Option(name: .long, help: "Maximum tokens per text, [CLS] and [SEP] included (at most the model's positions).")
    var maxLength: Int = 128

    func validate() throws {
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// The folder to load: --model, else $SQUEEZECHAT_MODEL, else the bundled model.
    func folder() -> URL {
        if let model { return URL(fileURLWithPath: model) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SQUEEZECHAT_MODEL"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        return DefaultModel.folder
    }

    /// Loads the model; a load failure is one line on standard error and exit code 1.
    func load(precision: Precision? = nil, threads: Int? = nil) throws -> EncoderModel {
        let url = folder()
        do {
            return try EncoderModel.load(from: url, maxLength: maxLength, precision: precision, threads: threads)
        } catch let error as ModelLoadError {
            Output.fail(error.description)
        }
    }
}
