import Foundation

/// The texts a command works on: its arguments, or else each line of standard input.
enum TextInput {
    /// Calls `body` with each text, streaming standard input line by line (bounded memory).
    /// Invalid UTF-8 is replaced, never fatal.
    static func forEach(arguments: [String], _ body: (String) throws -> Void) rethrows {
        if !arguments.isEmpty {
            for text in arguments { try body(text) }
            return
        }
        while let line = readLine(strippingNewline: true) {
            try body(line)
        }
    }
}
