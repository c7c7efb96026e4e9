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
            positive-vs-negative decision alone (the neutral band is not applied); a file with \
            neutral rows is scored on all three labels, with the model's neutral band.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: ArgumentHelp("The labelled file: sentence<TAB>label per line.", valueName: "FILE.tsv"))
    var data: String

    @Flag(name: .long, help: "Print one JSON object (n, accuracy, macro_f1, labels, confusion).")
    var json = false

    @Option(name: .long, help: "Texts encoded per forward pass.")
    var batchSize = 32

    static let classes = ["negative", "neutral", "positive"]

    func run() throws {
        let reader: LineReader
        do {
            reader = try LineReader.open(data)
        } catch {
            Output.fail("\(error.path): \(error.problem)")
        }
        let analyzer: SentimentAnalyzer
        do {
            analyzer = try SentimentAnalyzer(model: model.load(), batchSize: batchSize)
        } catch let error as AnalysisError {
            Output.fail(error.description)
        }
        let head = analyzer.model.config.labels
        guard Set(head).isSubset(of: Self.classes), head.contains("negative"), head.contains("positive") else {
            Output.fail("the model's labels \(head) are not negative/(neutral/)positive")
        }
        // Per row, two predictions: the polar decision (argmax of negative vs positive) and the
        // full decision (with the neutral band or a neutral class). Memory: two small ints a row.
        var gold: [Int] = [], polar: [Int] = [], full: [Int] = []
        var pending: [(text: String, label: Int)] = []
        func flush() {
            for (row, result) in zip(pending, analyzer.analyze(pending.map(\.text))) {
                gold.append(row.label)
                let negative = result.probabilities[head.firstIndex(of: "negative")!]
                let positive = result.probabilities[head.firstIndex(of: "positive")!]
                polar.append(positive >= negative ? 2 : 0)
                full.append(Self.classes.firstIndex(of: result.label) ?? 1)
            }
            pending.removeAll(keepingCapacity: true)
        }
        var number = 0
        while let line = reader.nextLine() {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let tab = line.lastIndex(of: "\t") else {
                Output.fail("\(data):\(number): expected sentence<TAB>label, found no tab")
            }
            let text = String(line[..<tab])
            let field = line[line.index(after: tab)...].trimmingCharacters(in: .whitespaces).lowercased()
            let label: Int
            switch field {
            case "0", "negative": label = 0
            case "neutral": label = 1
            case "1", "positive": label = 2
            default:
                if number == 1, field == "label" { continue }  // the optional header
                Output.fail("\(data):\(number): label \"\(field)\" is not 0, 1, negative, neutral or positive")
            }
            if text.allSatisfy(\.isWhitespace) { Output.fail("\(data):\(number): empty sentence") }
            pending.append((text, label))
            if pending.count >= batchSize * 4 { flush() }
        }
        flush()
        guard !gold.isEmpty else { Output.fail("\(data): no labelled rows") }

        let threeWay = gold.contains(1)
        let classes = threeWay ? [0, 1, 2] : [0, 2]
        let predicted = threeWay ? full : polar
        let score = Score(gold: gold, predicted: predicted, classes: classes)
        let names = classes.map { Self.classes[$0] }
        if json {
            let matrix = score.confusion.map { JSON.array($0) }.joined(separator: ",")
            print("{\"n\":\(gold.count),\"accuracy\":\(score.accuracy),\"macro_f1\":\(score.macroF1),"
                  + "\"labels\":[\(names.map(JSON.string).joined(separator: ","))],\"confusion\":[\(matrix)],"
                  + "\"decision\":\(JSON.string(threeWay ? "three-way" : "positive-vs-negative"))}")
            return
        }
        print("n         \(gold.count)")
        print("decision  \(threeWay ? "negative / neutral / positive (neutral band applied)" : "positive vs negative")")
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

/// Accuracy, macro-F1 and the confusion matrix of a labelling.
struct Score {
    let accuracy: Double
    let macroF1: Double
    /// confusion[gold][predicted], in the order of `classes`.
    let confusion: [[Int]]

    init(gold: [Int], predicted: [Int], classes: [Int]) {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        var correct = 0
        for (g, p) in zip(gold, predicted) {
            if g == p { correct += 1 }
            // A prediction outside the scored classes (neutral on a binary file cannot happen) is skipped.
            if let gi = classes.firstIndex(of: g), let pi = classes.firstIndex(of: p) { confusion[gi][pi] += 1 }
        }
        var f1s: [Double] = []
        for c in classes.indices {
            let truePositive = Double(confusion[c][c])
            let predictedCount = Double(confusion.map { $0[c] }.reduce(0, +))
            let goldCount = Double(confusion[c].reduce(0, +))
            let precision = predictedCount > 0 ? truePositive / predictedCount : 0
            let recall = goldCount > 0 ? truePositive / goldCount : 0
            f1s.append(precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0)
        }
        self.accuracy = Double(correct) / Double(max(gold.count, 1))
        self.macroF1 = f1s.reduce(0, +) / Double(max(f1s.count, 1))
        self.confusion = confusion
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
