import ArgumentParser

/// `squeezechat eval`: accuracy on labelled data, one subcommand per task.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure accuracy on a labelled data file.",
        subcommands: [EvalSentimentCommand.self, EvalIntentsCommand.self, EvalChatCommand.self]
    )
}
