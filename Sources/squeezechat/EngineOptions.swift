import ArgumentParser
import SqueezeBERT

/// `--precision` and `--threads`: how the encoder runs, for commands that run it.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: "Weight precision: fp32 (matches transformers) or int8 (per-channel quantised at load).")
    var precision: Precision = .fp32

    @Option(name: .long, help: "Threads per forward pass (default: the active cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

extension Precision: ExpressibleByArgument {}
