import ArgumentParser
import SqueezeBERT

/// `squeezechat embed`: one JSON object with the sentence embedding per text.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print {\"text\": ..., \"embedding\": [...]} for each text (or each standard-input line).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions

    @Option(name: .long, help: "How token vectors become one: mean (masked mean) or cls (first token).")
    var pooling: Pooling = .mean

    @Flag(name: .long, help: "L2-normalise each embedding (sentence-transformers models do).")
    var normalize = false

    @Option(name: .long, help: "Texts encoded per forward pass.")
    var batchSize = 32

    @Argument(help: "Texts to embed; standard input lines when none are given.")
    var texts: [String] = []

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let encoder = try model.load(engine)
        var pending: [String] = []
        func flush() {
            for (text, vector) in zip(pending, encoder.embed(pending, pooling: pooling, normalize: normalize)) {
                JSONOutput.print(EmbeddingRecord(text: text, embedding: vector))
            }
            pending.removeAll(keepingCapacity: true)
        }
        TextInput.forEach(arguments: texts) { text in
            pending.append(text)
            if pending.count == batchSize { flush() }
        }
        flush()
    }
}

extension Pooling: ExpressibleByArgument {}
