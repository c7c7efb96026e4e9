import Foundation
import TextAnalysis

/// Prints `tag` results as an aligned table, JSON lines, tab-separated values or CSV.
struct ResultWriter {
    let format: TagCommand.Format
    /// The model head's labels, for the probability columns.
    let labels: [String]
    let withLogits: Bool
    let color: Bool

    func header() {
        switch format {
        case .tsv: print(columns.joined(separator: "\t"))
        case .csv: print(DelimitedWriter(delimiter: ",").line(columns))
        case .table, .jsonl: break
        }
    }

    private var columns: [String] { ["text", "label", "score"] + labels.map { "p_\($0)" } + ["windows"] }

    mutating func write(_ result: Sentiment) {
        switch format {
        case .jsonl:
            JSONOutput.print(SentimentRecord(result, withLogits: withLogits))
        case .tsv:
            let text = result.text.map { $0 == "\t" || $0.isNewline ? " " : String($0) }.joined()
            print(([text, result.label, format3(result.score)] + result.probabilities.map(format3) + [String(result.windows)])
                .joined(separator: "\t"))
        case .csv:
            print(DelimitedWriter(delimiter: ",").line(
                [result.text, result.label, format3(result.score)] + result.probabilities.map(format3) + [String(result.windows)]))
        case .table:
            let padded = result.label.padding(toLength: 8, withPad: " ", startingAt: 0)
            let mark = result.windows > 1 ? " [\(result.windows) windows]" : ""
            let text = Terminal.visible(result.text.map { $0.isNewline ? " " : String($0) }.joined())
            print("\(Terminal.paint(padded, colorCode(result.label), enabled: color))  \(format3(result.score))  \(text)\(mark)")
        }
    }

    private func colorCode(_ label: String) -> Int {
        switch label {
        case "positive": 32
        case "negative": 31
        default: 33
        }
    }
}

/// A probability with three decimals, e.g. "0.973".
func format3(_ value: Float) -> String {
    String(format: "%.3f", Double(value))
}
