import ArgumentParser
import Foundation
import SqueezeBERT
import TextAnalysis

/// `squeezechat eval sentiment --data FILE.tsv`: accuracy, macro-F1 and the confusion matrix.
struct EvalSentimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentiment",
        abstract: "Accuracy, macro-F1 and confusion matrix on a sentence<TAB>label file.",
        discussion: """
            Labels are 0/1 (negative/positive) or the words negative, neutral, positive; a header \
            line "sentence<TAB>label" is optional. A file without neutral rows is scored on the \
            positive-vs-negative decision alone (neutral is not decided); a file with neutral rows \
            is scored on all three labels, neutral decided by the model's neutral head (or band). \
            Where the model folder stores a direction head, it gives positive vs negative.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions

    @Option(name: .long, help: ArgumentHelp("The labelled file: sentence<TAB>label per line.", valueName: "FILE.tsv"))
    var data: String

    @Flag(name: .long, help: "Print one JSON object (n, accuracy, macro_f1, labels, confusion).")
    var json = false

    @Option(name: .long, help: "Texts encoded per forward pass.")
    var batchSize = 32

    func run() throws {
        let analyzer: SentimentAnalyzer
        do {
            analyzer = try SentimentAnalyzer(model: model.load(engine), batchSize: batchSize)
        } catch let error as AnalysisError {
            Output.fail(error.description)
        }
        let result: SentimentEvaluation
        do {
            result = try SentimentEvaluation.run(path: data, analyzer: analyzer)
        } catch {
            Output.fail(error.description)
        }
        let score = result.score, names = result.labelNames
        if json {
            JSONOutput.print(SentimentEvaluationRecord(result))
            return
        }
        print("n         \(result.n)")
        print("decision  \(result.threeWay ? "negative / neutral / positive (neutral decided as by tag)" : "positive vs negative")")
        print("accuracy  \(String(format: "%.4f", score.accuracy))")
        print("macro-F1  \(String(format: "%.4f", score.macroF1))")
        print("")
        print("confusion (rows: gold, columns: predicted)")
        let width = max(10, (names.map(\.count).max() ?? 0) + 2)
        print("".padding(toLength: width, withPad: " ", startingAt: 0)
              + names.map { $0.leftPadded(to: width) }.joined())
        for (name, row) in zip(names, score.confusion) {
            print(name.padding(toLength: width, withPad: " ", startingAt: 0) + row.map { String($0).leftPadded(to: width) }.joined())
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
