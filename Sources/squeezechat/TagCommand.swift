import ArgumentParser
import Foundation
import SqueezeBERT
import TextAnalysis

/// `squeezechat tag`: the sentiment of every sentence, line or document of the input.
struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tag the sentiment (negative, neutral, positive) of each sentence, line or document.",
        discussion: """
            Reads the files, or standard input when none are given (UTF-8; invalid bytes are replaced). \
            A newline always ends a sentence; --by document scores each file whole. Texts longer than \
            the model's window are scored over overlapping windows, and the output says so. \
            Neutral and positive-vs-negative come from the heads stored in the model's config.json \
            (squeezechat.neutral_head, squeezechat.direction_head) when it has them, else from the \
            classifier's probabilities and neutral band.

            With --input jsonl, csv or tsv each record's text (--text-field, --text-column) is one \
            document and every record is written back, in input order, with its other fields as read \
            and the result added: in JSON under "sentiment" ({"label", "score", "probabilities"}), \
            "sentences" (with --by sentence) and "error" (when the text is empty or null); in CSV/TSV as \
            the columns label, score, p_<label>..., windows, error after the input's own. A record that \
            cannot be read (not JSON, no such field, a wrong number of columns) is reported on standard \
            error as FILE:LINE and left out, and the exit code is then 1.
            """)

    enum Unit: String, ExpressibleByArgument, CaseIterable {
        case line, sentence, document
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, jsonl, tsv, csv
    }

    enum Input: String, ExpressibleByArgument, CaseIterable {
        case text, jsonl, csv, tsv

        var delimiter: Character? {
            switch self {
            case .csv: ","
            case .tsv: "\t"
            case .text, .jsonl: nil
            }
        }
    }

    /// Texts scored together, in batches: the analyzer sorts each window by length, so that a
    /// batch pads little, and the window bounds memory on any input size.
    static let windowBatches = 16

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: ArgumentHelp(
        "What one result covers: line, sentence (the default) or document (a whole file or standard input). "
            + "With --input jsonl/csv/tsv a record's text is one document (the default there), and sentence adds its sentences.",
        valueName: "unit"))
    var by: Unit?

    @Option(name: .long, help: ArgumentHelp(
        "table (coloured on a terminal), jsonl, tsv or csv. Default: table; for --input jsonl, jsonl; for csv or tsv, the same.",
        valueName: "format"))
    var format: Format?

    @Option(name: .long, help: "text (plain lines), jsonl (one JSON object a line), or csv/tsv with a header line.")
    var input: Input = .text

    @Option(name: .long, help: ArgumentHelp("With --input jsonl: the field that holds the text.", valueName: "name"))
    var textField = "text"

    @Option(name: .long, help: ArgumentHelp("With --input csv or tsv: the column that holds the text.", valueName: "name"))
    var textColumn = "text"

    @Option(name: .long, help: "Texts encoded per forward pass.")
    var batchSize = 32

    @OptionGroup var engine: EngineOptions

    @Flag(name: .long, help: .hidden)
    var logits = false

    @Argument(help: "Files to read; standard input when none are given.")
    var files: [String] = []

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if input != .jsonl, textField != "text" { throw ValidationError("--text-field goes with --input jsonl") }
        if input.delimiter == nil, textColumn != "text" { throw ValidationError("--text-column goes with --input csv or tsv") }
        guard input != .text else { return }
        if by == .line {
            throw ValidationError("--by line reads plain text; with --input \(input.rawValue) a record's text is a document "
                                  + "(--by document), or a document and its sentences (--by sentence)")
        }
        switch (input, outputFormat) {
        case (_, .table):
            throw ValidationError("--format table is for plain text; --input \(input.rawValue) writes jsonl, csv or tsv")
        case (.jsonl, .csv), (.jsonl, .tsv):
            throw ValidationError("--input jsonl writes jsonl")
        case (_, .csv), (_, .tsv):
            if by == .sentence {
                throw ValidationError("--by sentence nests sentences in each record, which needs --format jsonl")
            }
        default: break
        }
    }

    /// --format, else the natural one for the input.
    var outputFormat: Format {
        if let format { return format }
        switch input {
        case .text: return .table
        case .jsonl: return .jsonl
        case .csv: return .csv
        case .tsv: return .tsv
        }
    }

    func run() throws {
        // Open every file first, so a bad path fails before any output.
        var readers: [LineReader] = []
        var totalBytes: Int? = 0
        if files.isEmpty {
            readers = [LineReader(handle: .standardInput, closesHandle: false)]
            totalBytes = nil
        } else {
            for path in files {
                do {
                    readers.append(try LineReader.open(path))
                } catch {
                    Output.fail("\(error.path): \(error.problem)")
                }
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
                totalBytes = totalBytes.map { $0 + (size ?? 0) }
            }
        }
        let analyzer: SentimentAnalyzer
        do {
            analyzer = try SentimentAnalyzer(model: model.load(engine), batchSize: batchSize)
        } catch let error as AnalysisError {
            Output.fail(error.description)
        }
        if input != .text {
            tagRecords(readers: readers, analyzer: analyzer, totalBytes: totalBytes)
            return
        }
        let format = outputFormat, by = by ?? .sentence
        var writer = ResultWriter(format: format, labels: analyzer.model.config.labels, withLogits: logits,
                                  color: format == .table && Terminal.colorsStandardOutput)
        writer.header()
        var progress = ProgressLine(totalBytes: totalBytes)
        let splitter = SentenceSplitter()
        var pending: [String] = [], done = 0, windowed = 0, bytesBefore = 0

        func flush() {
            guard !pending.isEmpty else { return }
            for result in analyzer.analyze(pending) {
                writer.write(result)
                if result.windows > 1 { windowed += 1 }
            }
            done += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        func add(_ text: String, reader: LineReader) {
            pending.append(text)
            if pending.count >= batchSize * Self.windowBatches {
                flush()
                progress.update(texts: done, bytes: bytesBefore + reader.bytesRead)
            }
        }
        for reader in readers {
            switch by {
            case .document:
                add(reader.rest(), reader: reader)
            case .line:
                while let line = reader.nextLine() {
                    if !line.allSatisfy(\.isWhitespace) { add(line, reader: reader) }
                }
            case .sentence:
                while let line = reader.nextLine() {
                    for sentence in splitter.split(line) { add(sentence, reader: reader) }
                }
            }
            bytesBefore += reader.bytesRead
        }
        flush()
        progress.finish()
        noteWindowed(windowed, analyzer: analyzer)
    }

    private func noteWindowed(_ windowed: Int, analyzer: SentimentAnalyzer) {
        guard windowed > 0 else { return }
        let window = analyzer.model.tokenizer.maxLength
        Terminal.writeError("squeezechat: note: \(windowed) text\(windowed == 1 ? " was" : "s were") longer than the "
                            + "\(window)-token window and scored over overlapping windows (see \"windows\" in --format jsonl)\n")
    }

    /// JSONL, CSV or TSV records: each written back with its result, in input order. Records that
    /// cannot be read are reported as FILE:LINE on standard error; then the exit code is 1.
    private func tagRecords(readers: [LineReader], analyzer: SentimentAnalyzer, totalBytes: Int?) {
        let format = outputFormat, bySentence = by == .sentence
        let names = files.isEmpty ? ["<stdin>"] : files
        var tagger: RecordTagger? = nil
        var progress = ProgressLine(totalBytes: totalBytes)
        var bad = 0, bytesBefore = 0
        for (reader, name) in zip(readers, names) {
            let source: any TagRecordSource
            if let delimiter = input.delimiter {
                let rows: DelimitedRecordSource
                do {
                    rows = try DelimitedRecordSource(reader: reader, delimiter: delimiter.asciiValue!, column: textColumn)
                } catch {
                    Output.fail("\(name):\(error.line): \(error.problem)")
                }
                if let first = tagger?.writer.header, first.fields != rows.header.fields {
                    Output.fail("\(name):\(rows.header.line): the header differs from the first file's")
                }
                source = rows
                if tagger == nil {
                    tagger = makeTagger(analyzer: analyzer, format: format, header: rows.header, bySentence: bySentence)
                }
            } else {
                source = JSONLRecordSource(reader: reader, field: textField,
                                           addedKeys: bySentence ? ["sentiment", "sentences", "error"] : ["sentiment", "error"])
                if tagger == nil {
                    tagger = makeTagger(analyzer: analyzer, format: format, header: nil, bySentence: bySentence)
                }
            }
            while let item = source.next() {
                switch item {
                case .bad(let line, let problem):
                    Output.warn("\(name):\(line): \(problem)")
                    bad += 1
                case .record(let record):
                    if tagger!.add(record) {
                        progress.update(texts: tagger!.done, bytes: bytesBefore + source.bytesRead)
                    }
                }
            }
            bytesBefore += source.bytesRead
        }
        tagger?.flush()
        progress.finish()
        noteWindowed(tagger?.windowed ?? 0, analyzer: analyzer)
        if bad > 0 {
            Output.fail("\(bad) record\(bad == 1 ? "" : "s") could not be read and \(bad == 1 ? "was" : "were") left out")
        }
    }

    private func makeTagger(analyzer: SentimentAnalyzer, format: Format, header: DelimitedReader.Record?,
                            bySentence: Bool) -> RecordTagger {
        let writer = TagRecordWriter(format: format, header: header, inputDelimiter: input.delimiter,
                                     labels: analyzer.model.config.labels, withLogits: logits)
        writer.writeHeader()
        return RecordTagger(analyzer: analyzer, writer: writer, bySentence: bySentence, window: batchSize * Self.windowBatches)
    }
}
