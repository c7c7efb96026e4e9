import ChatEngine
import Foundation
import SqueezeBERT

/// Latencies of the turns since the app started: rolling median and p95, and a sparkline of the recent ones.
public struct LatencyStats: Sendable, Equatable {
    public private(set) var samples: [Double] = []
    public init(_ samples: [Double] = []) { self.samples = samples }

    public mutating func add(_ milliseconds: Double) { samples.append(milliseconds) }
    public var count: Int { samples.count }
    public var median: Double? { percentile(50) }
    public var p95: Double? { percentile(95) }

    /// Nearest-rank percentile (0-100) of all samples; nil when there are none.
    public func percentile(_ p: Double) -> Double? {
        nearestRankPercentile(samples.sorted(), p / 100)
    }

    /// One block character per recent turn (at most `count`), scaled from the lowest to the highest shown.
    public func sparkline(count: Int = 16) -> String {
        let recent = samples.suffix(count)
        guard let low = recent.min(), let high = recent.max() else { return "" }
        let blocks = Array("▁▂▃▄▅▆▇█")
        return String(recent.map { value -> Character in
            guard high > low else { return blocks[0] }
            return blocks[min(blocks.count - 1, Int((value - low) / (high - low) * Double(blocks.count - 1) + 0.5))]
        })
    }
}

/// The two lines of the status bar, cut to the width.
public enum StatusBar {
    /// Line one: the last turn's total and stages, the running median and p95, the sparkline. The
    /// last stage is "ret" (choosing the reply), or "ask" when the turn asked which intent was meant.
    /// Line two: intent and confidence (or the intents asked about), how the conversation's memory
    /// shaped the turn, sentiment, model and threads (or what the app is doing).
    public static func lines(last: Turn?, stats: LatencyStats, model: String, threads: Int, busy: String?,
                             width: Int) -> [String] {
        var first: String
        if let last {
            let t = last.timings
            first = String(format: " %.1f ms  tok %.1f · enc %.1f · cls %.1f · mem %.1f · %@ %.1f", t.total, t.tokenize,
                           t.encode, t.classify, t.memory, last.isQuestion ? "ask" : "ret", t.retrieve)
            if let median = stats.median, let p95 = stats.p95 {
                first += String(format: " │ p50 %.1f p95 %.1f ms (%d) │ ", median, p95, stats.count) + stats.sparkline()
            }
        } else {
            first = " no turns yet │ type a message, /help for commands"
        }
        var second = " "
        if let busy {
            second += busy + " │ "
        }
        if let last {
            if last.isQuestion {
                second += "asking: " + last.clarify.map(\.intent).joined(separator: " or ") + String(format: " %.2f", last.confidence)
            } else {
                second += String(format: "%@ %.2f", last.intentLabel, last.confidence)
            }
            if let note = Transcript.memoryNote(last) { second += " (\(note))" }
            if let sentiment = last.sentiment {
                second += String(format: " │ %@ %.2f", sentiment.label, sentiment.score)
            }
            second += " │ "
        }
        second += "\(model) │ \(threads) thread\(threads == 1 ? "" : "s")"
        return [DisplayWidth.fit(first, columns: width), DisplayWidth.fit(second, columns: width)]
    }
}
