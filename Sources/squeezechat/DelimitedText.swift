import Foundation

/// CSV and TSV as RFC 4180 writes them: fields split by the delimiter, a field that starts with a
/// double quote runs to the matching quote (a doubled quote inside is one quote, and delimiters and
/// newlines inside are data), records end at a newline outside quotes. A quote inside an unquoted
/// field is kept as a plain character, as spreadsheets write it.
final class DelimitedReader {
    /// One record: the line it starts on, its fields, and its text as read (lines joined by "\n"),
    /// so that an output in the same format can copy the input columns byte for byte.
    struct Record {
        let line: Int
        let fields: [String]
        let raw: String
    }

    enum Item {
        case record(Record)
        /// A record that cannot be read, with the line it starts on.
        case bad(line: Int, problem: String)
    }

    private let reader: LineReader
    private let delimiter: UInt8
    /// Lines consumed so far (the last line read is number `lineNumber`).
    private(set) var lineNumber = 0

    init(reader: LineReader, delimiter: UInt8) {
        self.reader = reader
        self.delimiter = delimiter
    }

    var bytesRead: Int { reader.bytesRead }

    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    /// The next record, skipping empty lines; nil at the end.
    func next() -> Item? {
        var line: String
        repeat {
            guard let next = reader.nextLine() else { return nil }
            lineNumber += 1
            line = next
        } while line.isEmpty
        // A byte-order mark from a spreadsheet export is not part of the first column's name.
        if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
        let first = lineNumber
        var raw = line
        var fields: [String] = []
        var field: [UInt8] = []
        var state = State.fieldStart
        let quote = UInt8(ascii: "\"")
        while true {
            for byte in line.utf8 {
                switch state {
                case .fieldStart:
                    if byte == quote {
                        state = .quoted
                    } else if byte == delimiter {
                        fields.append("")
                    } else {
                        field.append(byte)
                        state = .unquoted
                    }
                case .unquoted:
                    if byte == delimiter {
                        fields.append(String(decoding: field, as: UTF8.self))
                        field.removeAll(keepingCapacity: true)
                        state = .fieldStart
                    } else {
                        field.append(byte)
                    }
                case .quoted:
                    if byte == quote { state = .quoteInQuoted } else { field.append(byte) }
                case .quoteInQuoted:
                    if byte == quote {
                        field.append(quote)
                        state = .quoted
                    } else if byte == delimiter {
                        fields.append(String(decoding: field, as: UTF8.self))
                        field.removeAll(keepingCapacity: true)
                        state = .fieldStart
                    } else {
                        return .bad(line: lineNumber, problem: "a quoted field is followed by "
                                    + "\(JSONOutput.quoted(String(decoding: [byte], as: UTF8.self))) "
                                    + "instead of a delimiter or the end of the line")
                    }
                }
            }
            guard state == .quoted else { break }
            // The newline is inside a quoted field: it is data, and the record goes on.
            guard let next = reader.nextLine() else {
                return .bad(line: first, problem: "a quoted field is not closed before the end of the input")
            }
            lineNumber += 1
            field.append(UInt8(ascii: "\n"))
            raw += "\n" + next
            line = next
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return .record(Record(line: first, fields: fields, raw: raw))
    }
}

/// Writes fields as CSV or TSV, quoting (RFC 4180) only a field that holds the delimiter, a quote
/// or a line break.
struct DelimitedWriter {
    let delimiter: Character

    func field(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == delimiter || $0 == "\"" || $0.isNewline }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: String(delimiter))
    }
}
