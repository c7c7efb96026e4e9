import Foundation
import TextAnalysis

/// Scores a sentiment model on a `sentence<TAB>label` file: the evaluation behind
/// `eval sentiment`, reused by `bench --compare --eval`.
///
/// Labels are 0/1 or negative/neutral/positive, a header line "sentence<TAB>label" is optional. A
/// file without neutral rows is scored on the positive-vs-negative decision alone (argmax of the
/// two probabilities, from the direction head where there is one; neutral not decided); a file
/// with neutral rows on all three labels, with the model's neutral head, band or neutral class. The file is streamed: memory is two small ints a row.
struct SentimentEvaluation {
    /// Class indices used throughout: 0 negative, 1 neutral, 2 positive.
    static let classNames = ["negative", "neutral", "positive"]

    /// Rows scored.
    let n: Int
    /// True when the file has neutral rows and all three labels were scored.
    let threeWay: Bool
    /// The scored classes, as indices into `classNames`.
    let classes: [Int]
    let score: ClassificationScore

    /// The scored classes' names, in confusion-matrix order.
    var labelNames: [String] { classes.map { Self.classNames[$0] } }
    /// "three-way" or "positive-vs-negative", as the JSON outputs name the decision.
    var decision: String { threeWay ? "three-way" : "positive-vs-negative" }

    /// A problem with the file or the model, as one line (without the `squeezechat: ` prefix).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `path` and scores `analyzer` on every row.
    static func run(path: String, analyzer: SentimentAnalyzer) throws(Failure) -> SentimentEvaluation {
        let reader: LineReader
        do {
            reader = try LineReader.open(path)
        } catch {
            throw Failure(description: "\(error.path): \(error.problem)")
        }
        let head = analyzer.model.config.labels
        guard Set(head).isSubset(of: classNames), head.contains("negative"), head.contains("positive") else {
            throw Failure(description: "the model's labels \(head) are not negative/(neutral/)positive")
        }
        let negativeIndex = head.firstIndex(of: "negative")!, positiveIndex = head.firstIndex(of: "positive")!
        // Per row, two predictions: the polar decision (argmax of negative vs positive) and the
        // full decision (with the neutral head or band, or a neutral class).
        var gold: [Int] = [], polar: [Int] = [], full: [Int] = []
        var pending: [(text: String, label: Int)] = []
        func flush() {
            for (row, result) in zip(pending, analyzer.analyze(pending.map(\.text))) {
                gold.append(row.label)
                polar.append(result.probabilities[positiveIndex] >= result.probabilities[negativeIndex] ? 2 : 0)
                full.append(classNames.firstIndex(of: result.label) ?? 1)
            }
            pending.removeAll(keepingCapacity: true)
        }
        var number = 0
        while let line = reader.nextLine() {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let tab = line.lastIndex(of: "\t") else {
                throw Failure(description: "\(path):\(number): expected sentence<TAB>label, found no tab")
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
                throw Failure(description: "\(path):\(number): label \"\(field)\" is not 0, 1, negative, neutral or positive")
            }
            if text.allSatisfy(\.isWhitespace) { throw Failure(description: "\(path):\(number): empty sentence") }
            pending.append((text, label))
            if pending.count >= analyzer.batchSize * 4 { flush() }
        }
        flush()
        guard !gold.isEmpty else { throw Failure(description: "\(path): no labelled rows") }

        let threeWay = gold.contains(1)
        let classes = threeWay ? [0, 1, 2] : [0, 2]
        return SentimentEvaluation(n: gold.count, threeWay: threeWay, classes: classes,
                                   score: ClassificationScore(gold: gold, predicted: threeWay ? full : polar, classes: classes))
    }
}
