import ArgumentParser

/// The `squeezechat` command line: a thin shell over the engine; each subcommand lives in its own file.
@main
struct SqueezeChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squeezechat",
        abstract: "On-device SqueezeBERT chat and text analysis for the terminal.",
        version: "0.1.0",
        subcommands: [TokenizeCommand.self, EmbedCommand.self, TagCommand.self, EvalCommand.self]
    )
}
