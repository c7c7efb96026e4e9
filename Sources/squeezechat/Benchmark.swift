import Foundation
import SqueezeBERT

/// Latency benchmarking of the encoder for `squeezechat bench` and `bench --compare`, so that both
/// measure the same way. It lives above the engine because it reads the process's own memory use.
///
/// One case is a (batch, tokens, threads) shape run on synthetic token ids: warm-up passes first,
/// then timed passes until both a minimum count and a minimum time are reached, reporting
/// percentiles of the per-pass wall time.
public enum Benchmark {}

extension Benchmark {
    /// One benchmark shape.
    public struct Case: Sendable, Hashable {
        public var batch: Int
        public var tokens: Int
        public var threads: Int

        public init(batch: Int, tokens: Int, threads: Int) {
            self.batch = batch
            self.tokens = tokens
            self.threads = threads
        }
    }

    /// How long to measure each case.
    public struct Budget: Sendable {
        /// Untimed passes before measuring (and at least this long, in seconds).
        public var warmupRuns = 3, warmupSeconds = 0.2
        /// Timed passes: at least `minRuns` and at least `minSeconds`, at most `maxRuns`.
        public var minRuns = 20, minSeconds = 1.0, maxRuns = 2000

        public init() {}
        public init(warmupRuns: Int, warmupSeconds: Double, minRuns: Int, minSeconds: Double, maxRuns: Int) {
            (self.warmupRuns, self.warmupSeconds) = (warmupRuns, warmupSeconds)
            (self.minRuns, self.minSeconds, self.maxRuns) = (minRuns, minSeconds, maxRuns)
        }
    }

    /// The measured latency of one case.
    public struct Result: Sendable {
        public let batch, tokens, threads: Int
        public let precision: Precision
        /// The matrix products' kernels.
        public let kernels: InstructionSet
        /// Timed passes.
        public let runs: Int
        /// Percentiles of one forward pass, in milliseconds.
        public let p50, p95, p99: Double
        /// Sequences per second at the median: batch / p50.
        public var sequencesPerSecond: Double { Double(batch) / (p50 / 1000) }
    }

    /// Deterministic synthetic input for a case: ids drawn from the vocabulary's ordinary range,
    /// [CLS]-like first and [SEP]-like last tokens, every sequence full length.
    public static func inputs(batch B: Int, tokens T: Int, vocabSize V: Int) -> [Int32] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var ids = [Int32](repeating: 0, count: B * T)
        let low = min(1000, V - 1), span = max(V - low, 1)
        for i in ids.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            ids[i] = Int32(low + Int((state >> 33) % UInt64(span)))
        }
        for b in 0..<B {
            ids[b * T] = Int32(min(101, V - 1))
            ids[b * T + T - 1] = Int32(min(102, V - 1))
        }
        return ids
    }

    /// Measures one case on `encoder`.
    public static func run(_ shape: Case, encoder: SqueezeBertEncoder, budget: Budget = Budget()) -> Result {
        let ids = inputs(batch: shape.batch, tokens: shape.tokens, vocabSize: encoder.config.vocabSize)
        let lengths = [Int](repeating: shape.tokens, count: shape.batch)
        func pass() -> Double {
            let stopwatch = Stopwatch()
            let output = encoder.forward(ids: ids, lengths: lengths, sequenceLength: shape.tokens,
                                         threads: shape.threads)
            let elapsed = stopwatch.milliseconds
            precondition(output.lastHiddenState.count == shape.batch * shape.tokens * encoder.config.hiddenSize)
            return elapsed
        }
        let warmup = Stopwatch()
        var warm = 0
        while warm < budget.warmupRuns || warmup.seconds < budget.warmupSeconds {
            _ = pass()
            warm += 1
        }
        var times: [Double] = []
        var total = 0.0
        while times.count < budget.maxRuns && (times.count < budget.minRuns || total / 1000 < budget.minSeconds) {
            let t = pass()
            times.append(t)
            total += t
        }
        times.sort()
        func percentile(_ p: Double) -> Double { nearestRankPercentile(times, p) ?? 0 }
        return Result(batch: shape.batch, tokens: shape.tokens, threads: shape.threads,
                      precision: encoder.precision, kernels: encoder.instructionSet, runs: times.count,
                      p50: percentile(0.50), p95: percentile(0.95), p99: percentile(0.99))
    }
}

extension Benchmark {
    /// Peak resident set size of this process so far, in bytes (Linux `VmHWM`; getrusage elsewhere).
    public static func peakResidentBytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                return digits * 1024
            }
        }
        #if os(Linux)
        return 0
        #else
        var usage = rusage()
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss
        #endif
    }
}
