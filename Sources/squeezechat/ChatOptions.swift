import ArgumentParser
import BuiltInIntents
import ChatEngine
import Foundation
import SqueezeBERT

/// `--intents DIR`, for every command that reads an intent set.
struct IntentsOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "A folder of intent files (YAML or JSON). Default: $SQUEEZECHAT_INTENTS, else the built-in set.",
        valueName: "DIR"))
    var intents: String?

    /// The intent folder to load: --intents, else $SQUEEZECHAT_INTENTS, else the built-in set.
    var folder: URL {
        if let intents { return URL(fileURLWithPath: intents) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["SQUEEZECHAT_INTENTS"], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        return BuiltInIntents.folder
    }
}

/// Options of the commands that chat: which intents, the out-of-scope threshold, the cache.
struct ChatOptions: ParsableArguments {
    @OptionGroup var intentSet: IntentsOption

    @Option(name: .long, help: "Out-of-scope threshold on intent confidence, 0-1 (default: calibrated on the examples).")
    var threshold: Float?

    @Flag(name: .long, help: "Do not read or write the embedding cache.")
    var noCache = false

    func validate() throws {
        if let threshold, !(0...1).contains(threshold) { throw ValidationError("--threshold must be between 0 and 1") }
    }

    /// The intent folder to load (see `IntentsOption`).
    var folder: URL { intentSet.folder }

    /// Loads an intent folder; a bad file is one line on standard error, exit 1.
    static func load(_ folder: URL) -> IntentSet {
        do {
            return try IntentLoader.load(folder: folder)
        } catch let error as IntentFileError {
            Output.fail(error.description)
        } catch {
            Output.fail("\(folder.path): \(error.localizedDescription)")
        }
    }

    /// One line when a folder of the user's own has problems the cheap checks of `validate` find
    /// (the built-in set is checked by its tests); nil otherwise.
    func folderNotice() -> String? {
        let folder = self.folder
        guard folder.standardizedFileURL != BuiltInIntents.folder.standardizedFileURL else { return nil }
        let issues = IntentValidator.cheapChecks(folder: folder).issues
        guard !issues.isEmpty else { return nil }
        let errors = issues.filter { $0.severity == .error }.count
        return "\(folder.path): \(errors) error\(errors == 1 ? "" : "s") and \(issues.count - errors) warning\(issues.count - errors == 1 ? "" : "s") in the intent files; squeezechat validate --intents \(folder.path) lists them"
    }

    /// Loads the intents and builds the engine; a bad file is one line on standard error, exit 1.
    func engine(model: EncoderModel) -> ChatEngine {
        let set = Self.load(folder)
        var options = ChatEngine.Options(cacheDirectory: noCache ? nil : ChatEngine.defaultCacheDirectory())
        options.threshold = threshold
        do {
            let engine = try ChatEngine(model: model, intents: set, options: options)
            if let warning = engine.startup.cacheWarning { Output.warn(warning) }
            return engine
        } catch {
            Output.fail("\(error)")
        }
    }
}
