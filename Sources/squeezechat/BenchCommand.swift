import ArgumentParser
import Foundation
import SqueezeBERT

/// `squeezechat bench`: encoder latency over a grid of batch sizes, lengths, threads and precisions.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure encoder latency (p50/p95/p99) and throughput on synthetic input.",
        discussion: """
            Every case runs warm-up passes, then timed passes for at least --min-time seconds \
            (and 20 passes). Also reports the time from the command's start to its first embedding \
            (model load included; bench/compare.py times a whole `squeezechat embed` process for \
            process start to first embedding) and peak resident memory.

            With --compare DIR_A DIR_B, prints two model folders side by side instead: parameters \
            (as their config.json implies: embeddings, every layer with its grouped convolutions, \
            pooler and classifier when present), model.safetensors size, FLOPs per token, batch-1 \
            p50 latency at each --seq (one thread unless --threads says otherwise; A then B at each \
            length) with the ratio B/A and, with --eval FILE.tsv, each model's sentiment accuracy \
            on that file, scored as `eval sentiment` scores it.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Tokens per sequence, comma-separated.")
    var seq = "8,16,32,64,128"

    @Option(name: .long, help: "Sequences per forward pass, comma-separated (default: 1,32; --compare: 1).")
    var batch: String?

    @Option(name: .long, help: "Worker threads, comma-separated (default: the active cores; --compare: 1).")
    var threads: String?

    @Option(name: .long, help: "Weight precisions, comma-separated: fp32, int8 (default: as the model folder stores them; --compare: one of them).")
    var precision: String?

    @Option(name: .long, help: """
        Matrix-product kernels, comma-separated: \(InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")) \
        (default: the fastest this CPU has, \(InstructionSet.fastest.rawValue) here; avx512-vnni runs int8 \
        weights on the integer unit, float ones as avx512).
        """)
    var kernels: String?

    @Option(name: .long, parsing: .upToNextOption,
            help: ArgumentHelp("Compare two model folders side by side.", valueName: "DIR_A DIR_B"))
    var compare: [String] = []

    @Option(name: .customLong("eval"),
            help: ArgumentHelp("With --compare: a sentence<TAB>label file to score both models on.", valueName: "FILE.tsv"))
    var evalFile: String?

    @Option(name: .long, help: "With --eval: texts encoded per forward pass.")
    var evalBatchSize = 32

    @Option(name: .long, help: "Minimum seconds of timed passes per case.")
    var minTime = 1.0

    @Flag(name: .long, help: "Print one JSON object with a results array instead of a table.")
    var json = false

    func validate() throws {
        guard compare.isEmpty || compare.count == 2 else {
            throw ValidationError("--compare takes two model folders, got \(compare.count)")
        }
        if !compare.isEmpty {
            if model.model != nil { throw ValidationError("--model cannot be combined with --compare (name both folders there)") }
            if batch != nil { throw ValidationError("--compare measures batch 1 only; drop --batch") }
            if try precisions().count != 1 { throw ValidationError("--compare takes one --precision (fp32 or int8)") }
            if kernels != nil { throw ValidationError("--compare runs on the fastest kernels; drop --kernels") }
        } else if evalFile != nil {
            throw ValidationError("--eval needs --compare DIR_A DIR_B (for one model, use `squeezechat eval sentiment`)")
        }
        guard evalBatchSize >= 1 else { throw ValidationError("--eval-batch-size must be at least 1") }
    }

    /// The --precision list, parsed; [nil] (as stored) when it is not given.
    func precisions() throws -> [Precision?] {
        guard let precision else { return [nil] }
        return try precision.split(separator: ",").map { name -> Precision? in
            guard let value = Precision(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--precision: unknown precision '\(name)' (fp32 or int8)")
            }
            return value
        }
    }

    /// The --kernels list, parsed and checked against this CPU; [nil] (the fastest) when not given.
    func instructionSets() throws -> [InstructionSet?] {
        guard let kernels else { return [nil] }
        return try kernels.split(separator: ",").map { name -> InstructionSet? in
            guard let value = InstructionSet(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                let known = InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--kernels: unknown kernels '\(name)' (\(known))")
            }
            guard value.isAvailable else { throw ValidationError("--kernels: this CPU cannot run \(value.rawValue)") }
            return value
        }
    }

    func run() throws {
        if !compare.isEmpty { return try runComparison() }
        let seqs = try Self.integers(seq, "--seq"), batches = try Self.integers(batch ?? "1,32", "--batch")
        let threadCounts = try threads.map { try Self.integers($0, "--threads") } ?? [ComputePool.activeCores]
        let precisions = try precisions(), instructionSets = try instructionSets()
        var budget = Benchmark.Budget()
        budget.minSeconds = minTime
        var results: [Benchmark.Result] = []
        let commandStart = Stopwatch()
        var startup: Double? = nil
        if !json { print(Self.header) }
        for precision in precisions {
          for instructionSet in instructionSets {
            let loaded = try model.load(precision: precision, threads: threadCounts.max() ?? 1,
                                        instructionSet: instructionSet)
            if startup == nil {
                _ = loaded.embed(["hello world"])
                startup = commandStart.seconds
            }
            for b in batches {
                for t in seqs where t <= loaded.config.maxPositions {
                    for n in threadCounts {
                        let result = Benchmark.run(.init(batch: b, tokens: t, threads: n), encoder: loaded.encoder,
                                                   budget: budget)
                        results.append(result)
                        if !json { print(Self.row(result)) }
                    }
                }
            }
          }
        }
        let rss = Double(Benchmark.peakResidentBytes()) / 1_048_576
        if json {
            JSONOutput.print(BenchRecord(results: results.map(BenchRecord.Row.init),
                                         loadToFirstEmbeddingMs: OrNull(startup.map { FixedDigits($0 * 1000, 1) }),
                                         peakRssMb: FixedDigits(rss, 1)))
        } else {
            if let startup { print("load to first embedding: \(Self.fixed(startup * 1000, 1)) ms") }
            if InstructionSet.avx512vnni.isAvailable, results.contains(where: { $0.kernels == .avx512vnni && $0.precision == .int8 }) {
                // The ceiling the int8 rows are measured against: vpdpbusd on registers alone.
                let peak = Kernels.integerPeakMultiplyAddsPerSecond() * 2 / 1e9
                print("int8 peak of one core (vpdpbusd loop): \(Self.fixed(peak, 0)) GOP/s")
            }
            print("peak resident memory: \(Self.fixed(rss, 1)) MB")
        }
    }

    /// `--compare DIR_A DIR_B`: see BenchComparison.
    func runComparison() throws {
        var budget = Benchmark.Budget()
        budget.minSeconds = minTime
        let comparison = BenchComparison.run(
            folders: compare, seqs: try Self.integers(seq, "--seq"),
            threadCounts: try threads.map { try Self.integers($0, "--threads") } ?? [1],
            precision: try precisions()[0], budget: budget, maxLength: model.maxLength, evalFile: evalFile,
            batchSize: evalBatchSize)
        for tokens in comparison.skipped {
            Output.warn("--seq \(tokens) is longer than a model's window (--max-length or max_position_embeddings); skipped")
        }
        if json {
            JSONOutput.print(comparison.record)
        } else {
            print(comparison.table())
        }
    }

    static let header = "batch  seq  threads  precision      kernels     p50 ms     p95 ms     p99 ms      seq/s"

    static func row(_ r: Benchmark.Result) -> String {
        func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(width - s.count, 0)) + s }
        return pad("\(r.batch)", 5) + pad("\(r.tokens)", 5) + pad("\(r.threads)", 9) + pad(r.precision.rawValue, 11) + pad(r.kernels.rawValue, 13)
            + pad(fixed(r.p50, 3), 11) + pad(fixed(r.p95, 3), 11) + pad(fixed(r.p99, 3), 11)
            + pad(fixed(r.sequencesPerSecond, 1), 11)
    }

    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func integers(_ list: String, _ option: String) throws -> [Int] {
        try list.split(separator: ",").map { item in
            guard let value = Int(item.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw ValidationError("\(option): '\(item)' is not a positive integer")
            }
            return value
        }
    }
}
