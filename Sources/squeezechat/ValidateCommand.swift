import ArgumentParser
import ChatEngine
import Foundation

/// `squeezechat validate`: lints an intents folder; errors exit 1.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an intents folder for mistakes and for intents the bot will confuse.",
        discussion: """
            Errors (exit status 1): a file the chat would refuse, and the same example under two intents \
            or under an intent and out_of_scope. Warnings (exit status 0): repeated examples or responses, \
            intents with fewer than 12 examples or 3 responses, near-duplicate examples of different \
            intents and out-of-scope examples that look like an intent's (by embedding similarity), and \
            pairs of intents that cross-validation confuses. Each problem is one line, FILE:LINE: problem. \
            --cheap skips the checks that need the model (the chat runs the rest at start-up).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions

    @OptionGroup var intentSet: IntentsOption

    @Flag(name: .long, help: "Only the checks that read the files (no model, no embeddings).")
    var cheap = false

    @Flag(name: .long, help: "Print one JSON object instead of lines.")
    var json = false

    func run() throws {
        let folder = intentSet.folder
        var (set, source, issues) = IntentValidator.cheapChecks(folder: folder)
        if !cheap, let set, let source {
            let encoder = try model.load(engine)
            issues += IntentValidator.embeddingChecks(set: set, source: source) {
                encoder.embedMany($0, pooling: .mean, normalize: true)
            }
        }
        let errors = issues.filter { $0.severity == .error }.count
        if json {
            JSONOutput.print(ValidationRecord(
                folder: folder.path, errors: errors, warnings: issues.count - errors,
                issues: issues.map { .init(severity: $0.severity.rawValue, check: $0.check, file: $0.file,
                                           line: OrNull($0.line), problem: $0.problem) }))
        } else {
            for issue in issues { print(issue) }
            print("\(folder.path): \(errors) error\(errors == 1 ? "" : "s"), "
                  + "\(issues.count - errors) warning\(issues.count - errors == 1 ? "" : "s")")
        }
        if errors > 0 { throw ExitCode(1) }
    }
}
