import ArgumentParser
import SqueezeBERT

/// `--precision`, `--threads` and `--kernels`: how the encoder runs, for commands that run it.
struct EngineOptions: ParsableArguments {
    @Option(name: .long, help: """
        Weight precision: fp32 or int8 (one scale per output channel; float models are quantised at load). \
        Default: as the model folder stores its weights (int8 for the bundled model).
        """)
    var precision: Precision?

    @Option(name: .long, help: "Threads per forward pass (default: the active cores).")
    var threads: Int?

    @Option(name: .long, help: """
        Matrix-product kernels: \(InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")) \
        (default: the fastest this CPU has, \(InstructionSet.fastest.rawValue) here).
        """)
    var kernels: InstructionSet?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let kernels, !kernels.isAvailable { throw ValidationError("--kernels: this CPU cannot run \(kernels.rawValue)") }
    }
}

extension Precision: ExpressibleByArgument {}
extension InstructionSet: ExpressibleByArgument {}

extension ModelOptions {
    /// Loads the model as `engine` says it should run.
    func load(_ engine: EngineOptions) throws -> EncoderModel {
        try load(precision: engine.precision, threads: engine.threads, instructionSet: engine.kernels)
    }
}
