import ArgumentParser

@main
struct SqueezeChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "squeezechat",
        abstract: "On-device SqueezeBERT chat and text analysis for the terminal."
    )
}
