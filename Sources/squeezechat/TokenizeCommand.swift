import ArgumentParser
import SqueezeBERT

/// `squeezechat tokenize`: the WordPiece tokens of each text, with ids and character offsets.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Show the tokens, ids and character offsets of each text (or each standard-input line).",
        discussion: "Offsets count Unicode scalars, as Python counts characters; [CLS] and [SEP] span 0..<0.")

    @OptionGroup var model: ModelOptions

    @Flag(name: .long, help: "Print one JSON object per text with tokens, ids and offsets.")
    var json = false

    @Argument(help: "Texts to tokenize; standard input lines when none are given.")
    var texts: [String] = []

    func run() throws {
        let tokenizer = try model.load().tokenizer
        TextInput.forEach(arguments: texts) { text in
            let encoding = tokenizer.encode(text)
            if json {
                JSONOutput.print(TokensRecord(text: text, encoding: encoding))
            } else {
                let cells = encoding.tokens.indices.map { i in
                    "\(encoding.tokens[i]) \(encoding.ids[i]) \(encoding.offsets[i].lowerBound)..<\(encoding.offsets[i].upperBound)"
                }
                print(cells.joined(separator: "  |  "))
            }
        }
    }
}
