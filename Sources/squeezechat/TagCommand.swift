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
            """)

    enum Unit: String, ExpressibleByArgument, CaseIterable {
        case line, sentence, document
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, jsonl, tsv
    }

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "What one result covers: line, sentence or document (a whole file or standard input).")
    var by: Unit = .sentence

    @Option(name: .long, help: "table (coloured on a terminal), jsonl or tsv.")
    var format: Format = .table

    @Option(name: .long, help: "Texts encoded per forward pass.")
    var batchSize = 32

    @Flag(name: .long, help: .hidden)
    var logits = false

    @Argument(help: "Files to read; standard input when none are given.")
    var files: [String] = []

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
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
            analyzer = try SentimentAnalyzer(model: model.load(), batchSize: batchSize)
        } catch let error as AnalysisError {
            Output.fail(error.description)
        }
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
            if pending.count >= batchSize * 4 {
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
        if windowed > 0 {
            let window = analyzer.model.tokenizer.maxLength
            Terminal.writeError("squeezechat: note: \(windowed) text\(windowed == 1 ? " was" : "s were") longer than the "
                                + "\(window)-token window and scored over overlapping windows (see \"windows\" in --format jsonl)\n")
        }
    }
}
