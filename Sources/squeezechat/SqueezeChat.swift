import ArgumentParser

/// The `squeezechat` command line: a thin shell over the engine; each subcommand lives in its own file.
@main
struct SqueezeChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squeezechat",
        abstract: "On-device SqueezeBERT chat and text analysis for the terminal.",
        version: "0.1.0",
        subcommands: [ChatCommand.self, AskCommand.self, TagCommand.self, EvalCommand.self, BenchCommand.self,
                      TokenizeCommand.self, EmbedCommand.self, ValidateCommand.self],
        defaultSubcommand: ChatCommand.self
    )
}
