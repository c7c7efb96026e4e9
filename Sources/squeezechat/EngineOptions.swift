import ArgumentParser
import SqueezeBERT

/// `--precision` and `--threads`: how the encoder runs, for commands that run it.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: """
        Weight precision: fp32 or int8 (one scale per output channel; float models are quantised at load). \
        Default: as the model folder stores its weights (int8 for the bundled model).
        """)
    var precision: Precision?

    @Option(name: .long, help: "Threads per forward pass (default: the active cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

extension Precision: ExpressibleByArgument {}
