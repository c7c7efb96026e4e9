/// Timing and its statistics, for the runtime's spin-waits and for everything above that reports
/// latencies: one stopwatch and one percentile.

/// A monotonic stopwatch.
public struct Stopwatch: Sendable {
    private var start = ContinuousClock.now

    /// A stopwatch started now.
    public init() {}

    /// Seconds since the start (or the last lap).
    public var seconds: Double { Self.seconds(start.duration(to: .now)) }

    /// Milliseconds since the start (or the last lap).
    public var milliseconds: Double { Self.milliseconds(start.duration(to: .now)) }

    /// Milliseconds since the last lap (or the start), and restarts.
    public mutating func lap() -> Double {
        let now = ContinuousClock.now
        let elapsed = start.duration(to: now)
        start = now
        return Self.milliseconds(elapsed)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

/// The nearest-rank percentile of `sorted` (ascending): the smallest value with at least
/// `fraction` (0...1) of the values at or below it; nil when there are none.
public func nearestRankPercentile(_ sorted: [Double], _ fraction: Double) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}
