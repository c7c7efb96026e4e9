import Foundation
import TextAnalysis

/// One record of structured input (a JSON object, or a CSV/TSV row) on its way through `tag`.
struct TagRecord {
    enum Source {
        /// A JSON object's text as read, without surrounding whitespace; `empty` for `{}`.
        case json(String, empty: Bool)
        /// A CSV/TSV row.
        case row(DelimitedReader.Record)
    }

    let source: Source
    /// The text to score; nil when the record has none (a JSON null).
    let text: String?
}

/// What a structured reader yields: a record, or a record that cannot be read (with its line).
enum TagRecordItem {
    case record(TagRecord)
    case bad(line: Int, problem: String)
}

/// A source of structured records, one file or standard input.
protocol TagRecordSource: AnyObject {
    func next() -> TagRecordItem?
    var bytesRead: Int { get }
}

/// JSON Lines: one object per line (blank lines are skipped); the text is the string under `field`.
final class JSONLRecordSource: TagRecordSource {
    private let reader: LineReader
    private let field: String
    /// Keys that `tag` adds; a record that has one already would end up with it twice.
    private let addedKeys: [String]
    private var lineNumber = 0

    init(reader: LineReader, field: String, addedKeys: [String]) {
        self.reader = reader
        self.field = field
        self.addedKeys = addedKeys
    }

    var bytesRead: Int { reader.bytesRead }

    func next() -> TagRecordItem? {
        while let line = reader.nextLine() {
            lineNumber += 1
            let text = Self.trimmingJSONWhitespace(line)
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
                return .bad(line: lineNumber, problem: "not valid JSON")
            }
            guard let members = object as? [String: Any] else {
                return .bad(line: lineNumber, problem: "not a JSON object")
            }
            if let taken = addedKeys.first(where: { members[$0] != nil }) {
                return .bad(line: lineNumber, problem: "the record already has a \(JSONOutput.quoted(taken)) field, which tag adds")
            }
            guard let value = members[field] else {
                return .bad(line: lineNumber, problem: "no \(JSONOutput.quoted(field)) field")
            }
            let source = TagRecord.Source.json(text, empty: members.isEmpty)
            if value is NSNull { return .record(TagRecord(source: source, text: nil)) }
            guard let string = value as? String else {
                return .bad(line: lineNumber, problem: "\(JSONOutput.quoted(field)) is not a string")
            }
            return .record(TagRecord(source: source, text: string))
        }
        return nil
    }

    /// JSON's whitespace (space, tab, CR, LF) removed from both ends.
    static func trimmingJSONWhitespace(_ line: String) -> String {
        let utf8 = Array(line.utf8)
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        if first == 0 && last == utf8.count - 1 { return line }
        return String(decoding: utf8[first...last], as: UTF8.self)
    }
}

/// CSV or TSV with a header line; the text is the column named `column`.
final class DelimitedRecordSource: TagRecordSource {
    private let reader: DelimitedReader
    let header: DelimitedReader.Record
    private let textIndex: Int

    /// Reads the header; the error says what is wrong with it (no header, no such column).
    init(reader: LineReader, delimiter: UInt8, column: String) throws(RecordSourceError) {
        self.reader = DelimitedReader(reader: reader, delimiter: delimiter)
        switch self.reader.next() {
        case nil:
            throw RecordSourceError(line: 1, problem: "no header line")
        case .bad(let line, let problem):
            throw RecordSourceError(line: line, problem: "header: \(problem)")
        case .record(let header):
            guard let index = header.fields.firstIndex(of: column) else {
                throw RecordSourceError(line: header.line, problem: "no column \(JSONOutput.quoted(column)) in the header "
                                        + "(columns: \(header.fields.map(JSONOutput.quoted).joined(separator: ", ")))")
            }
            self.header = header
            textIndex = index
        }
    }

    var bytesRead: Int { reader.bytesRead }

    func next() -> TagRecordItem? {
        switch reader.next() {
        case nil: return nil
        case .bad(let line, let problem): return .bad(line: line, problem: problem)
        case .record(let row):
            guard row.fields.count == header.fields.count else {
                return .bad(line: row.line, problem: "expected \(header.fields.count) fields as in the header, found \(row.fields.count)")
            }
            return .record(TagRecord(source: .row(row), text: row.fields[textIndex]))
        }
    }
}

/// A structured input that cannot be read at all (its header), with the line.
struct RecordSourceError: Error {
    let line: Int
    let problem: String
}

/// Writes each tagged record: JSON with the result keys added (`TaggedFields`), or the input
/// columns followed by the result columns.
struct TagRecordWriter {
    let format: TagCommand.Format
    /// The CSV/TSV header of the input, when it is CSV/TSV.
    let header: DelimitedReader.Record?
    /// The input's delimiter, when it is CSV/TSV (rows in the same format are copied as read).
    let inputDelimiter: Character?
    /// The model head's labels, for the probability columns.
    let labels: [String]
    let withLogits: Bool

    private var output: DelimitedWriter? {
        switch format {
        case .csv: DelimitedWriter(delimiter: ",")
        case .tsv: DelimitedWriter(delimiter: "\t")
        case .jsonl, .table: nil
        }
    }

    /// The result columns of CSV/TSV output, after the input's own.
    var resultColumns: [String] { ["label", "score"] + labels.map { "p_\($0)" } + ["windows", "error"] }

    func writeHeader() {
        guard let output, let header else { return }
        print(columns(of: header, output) + String(output.delimiter) + output.line(resultColumns))
    }

    /// The record's own part, as the output format writes it.
    private func columns(of row: DelimitedReader.Record, _ output: DelimitedWriter) -> String {
        output.delimiter == inputDelimiter ? row.raw : output.line(row.fields)
    }

    func write(_ record: TagRecord, document: Sentiment?, sentences: [Sentiment]?, error: String?) {
        if let output {
            guard case .row(let row) = record.source else { preconditionFailure("CSV/TSV output takes CSV/TSV rows") }
            var fields: [String]
            if let document {
                fields = [document.label, format3(document.score)] + document.probabilities.map(format3)
                    + [String(document.windows), ""]
            } else {
                fields = Array(repeating: "", count: resultColumns.count - 1) + [error ?? ""]
            }
            fields = fields.map(output.field)
            print(columns(of: row, output) + String(output.delimiter) + fields.joined(separator: String(output.delimiter)))
            return
        }
        let added = JSONOutput.line(TaggedFields(
            sentiment: OrNull(document.map { TaggedFields.Score($0, withLogits: withLogits) }),
            sentences: sentences.map { $0.map { SentimentRecord($0, withLogits: withLogits) } },
            error: error))
        switch record.source {
        case .json(let object, let empty):
            // The record's own text is kept as read; the new keys go before its closing brace.
            print(empty ? added : object.dropLast() + "," + added.dropFirst())
        case .row(let row):
            let object = JSONOutput.line(LabelledValues(header?.fields ?? [], row.fields))
            print(row.fields.isEmpty ? added : object.dropLast() + "," + added.dropFirst())
        }
    }
}

/// Scores records a window of texts at a time (the analyzer sorts each window by length into
/// batches) and writes every record, in input order, once all of its texts are scored.
struct RecordTagger {
    let analyzer: SentimentAnalyzer
    let writer: TagRecordWriter
    let bySentence: Bool
    /// Texts scored together: enough for batches of similar lengths, few enough for flat memory.
    let window: Int
    private let splitter = SentenceSplitter()
    private var texts: [String] = []
    private var records: [(record: TagRecord, first: Int, sentences: Int, error: String?)] = []
    /// Texts scored so far, and texts longer than the model's window.
    private(set) var done = 0, windowed = 0

    init(analyzer: SentimentAnalyzer, writer: TagRecordWriter, bySentence: Bool, window: Int) {
        self.analyzer = analyzer
        self.writer = writer
        self.bySentence = bySentence
        self.window = window
    }

    /// Queues a record; returns true when that filled the window and records were written.
    mutating func add(_ record: TagRecord) -> Bool {
        let first = texts.count
        var sentences = 0, error: String? = nil
        if let text = record.text, !text.allSatisfy(\.isWhitespace) {
            texts.append(text)
            if bySentence {
                let split = splitter.split(text)
                texts.append(contentsOf: split)
                sentences = split.count
            }
        } else {
            error = record.text == nil ? "no text (null)" : "empty text"
        }
        records.append((record, first, sentences, error))
        guard texts.count >= window else { return false }
        flush()
        return true
    }

    /// Scores what is queued and writes its records.
    mutating func flush() {
        let results = texts.isEmpty ? [] : analyzer.analyze(texts)
        for result in results where result.windows > 1 { windowed += 1 }
        for (record, first, sentences, error) in records {
            if error != nil {
                writer.write(record, document: nil, sentences: bySentence ? [] : nil, error: error)
            } else {
                writer.write(record, document: results[first],
                             sentences: bySentence ? Array(results[(first + 1)..<(first + 1 + sentences)]) : nil,
                             error: nil)
            }
        }
        done += texts.count
        texts.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
    }
}
