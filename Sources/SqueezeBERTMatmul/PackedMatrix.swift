import CPUFeatures

/// How the encoder stores its projection weights, chosen at load.
public enum Precision: String, Sendable, CaseIterable {
    /// Float32 weights, as in the checkpoint: matches transformers to 1e-4.
    case fp32
    /// Int8 weights with one symmetric scale per output channel, dequantised on the fly in the
    /// matrix-product kernel; activations stay Float32.
    case int8
}

/// The vector instructions a matrix product runs on, chosen per packed matrix at load.
///
/// Both run the same tile (`Matmul`): 6 rows x 2 vectors, 12 accumulators. AVX-512 makes each
/// vector 16 Floats instead of 8, so one instruction does twice the work. On Zen 4, which splits a
/// 512-bit FMA over its two 256-bit units, the peak is the same: on a quiet core both tiles reach
/// it (`bench/tile_probe.c`: 117 GFLOP/s), but with the core's other hardware thread busy the
/// AVX-512 tile, with half the instructions to decode and issue, ran 1.15-1.45x faster.
public enum InstructionSet: String, Sendable, CaseIterable {
    /// 8-lane vectors: AVX2 + FMA on x86-64 (the build's baseline); the portable path elsewhere.
    case avx2
    /// 16-lane vectors: AVX-512F, a separately compiled module, used only where the CPU has it.
    case avx512

    /// The fastest set this CPU (and its OS) runs, detected once.
    public static let fastest: InstructionSet = cpu_has_avx512f() != 0 ? .avx512 : .avx2

    /// Whether this CPU can run it.
    public var isAvailable: Bool { self == .avx2 || Self.fastest == .avx512 }

    /// Floats per vector.
    public var lanes: Int { self == .avx512 ? 16 : 8 }
}

/// A projection's weights packed for `Matmul`: per group, column panels of NR output channels
/// (two vectors of the instruction set: 16 for AVX2, 32 for AVX-512), each panel (K/G, NR)
/// contiguous, the last one zero-padded. Float32, or int8 with one symmetric scale per output channel.
///
/// weight (G, P, K/G, NR) with P = ceil((N/G) / NR) panels per group; bias and scale (G, P, NR).
public final class PackedMatrix: @unchecked Sendable {
    public let inputs: Int, outputs: Int, groups: Int
    /// The kernels that read it; fixes the panel width.
    public let instructionSet: InstructionSet
    /// Output channels per panel: the micro-kernel's two vectors.
    public var panelWidth: Int { 2 * instructionSet.lanes }
    /// Panels per group.
    public let panels: Int
    public let precision: Precision
    /// Float32 or Int8 panels (read-only after init).
    @usableFromInline let weights: UnsafeMutableRawPointer
    @usableFromInline let bias: UnsafeMutablePointer<Float>
    /// Per output channel dequantisation scale (int8 only; all 1 for fp32).
    @usableFromInline let scale: UnsafeMutablePointer<Float>

    /// Packs a PyTorch-layout weight (N, K/G) (row n is output channel n's inputs within its group)
    /// and bias (N); int8 quantises each output channel symmetrically (scale = max |w| / 127).
    /// `instructionSet` must be available on this CPU.
    public convenience init(weight: [Float], bias: [Float], inputs K: Int, outputs N: Int, groups G: Int,
                            precision: Precision, instructionSet: InstructionSet = .fastest) {
        precondition(K % G == 0 && N % G == 0 && weight.count == N * (K / G) && bias.count == N)
        self.init(inputs: K, outputs: N, groups: G, precision: precision, instructionSet: instructionSet, bias: bias)
        let Kg = K / G, NR = panelWidth
        weight.withUnsafeBufferPointer { weight in
            for n in 0..<N {
                let row = weight.baseAddress! + n * Kg
                switch precision {
                case .fp32:
                    let w = weights.assumingMemoryBound(to: Float.self) + place(n).column
                    for k in 0..<Kg { w[k * NR] = row[k] }
                case .int8:
                    var largest: Float = 0
                    for k in 0..<Kg { largest = max(largest, abs(row[k])) }
                    let s = largest > 0 ? largest / 127 : 1
                    let (slot, column) = place(n)
                    scale[slot] = s
                    let w = weights.assumingMemoryBound(to: Int8.self) + column
                    for k in 0..<Kg { w[k * NR] = Int8(max(-127, min(127, (row[k] / s).rounded()))) }
                }
            }
        }
    }

    /// Packs an already quantised weight (N, K/G) with its per-output-channel scales as int8
    /// panels, unchanged: a checkpoint stored as int8 runs on exactly its own values.
    public convenience init(quantized weight: UnsafePointer<Int8>, scales: [Float], bias: [Float],
                            inputs K: Int, outputs N: Int, groups G: Int, instructionSet: InstructionSet = .fastest) {
        precondition(K % G == 0 && N % G == 0 && scales.count == N && bias.count == N)
        self.init(inputs: K, outputs: N, groups: G, precision: .int8, instructionSet: instructionSet, bias: bias)
        let Kg = K / G, NR = panelWidth
        let w = weights.assumingMemoryBound(to: Int8.self)
        for n in 0..<N {
            let row = weight + n * Kg
            let (slot, column) = place(n)
            scale[slot] = scales[n]
            for k in 0..<Kg { w[column + k * NR] = row[k] }
        }
    }

    /// Zeroed panels of the right size, with the bias in place and every scale 1.
    private init(inputs K: Int, outputs N: Int, groups G: Int, precision: Precision, instructionSet: InstructionSet,
                 bias: [Float]) {
        precondition(instructionSet.isAvailable, "\(instructionSet) kernels on a CPU without them")
        let NR = 2 * instructionSet.lanes
        let Kg = K / G, Ng = N / G
        let P = (Ng + NR - 1) / NR
        self.inputs = K; self.outputs = N; self.groups = G; self.panels = P; self.precision = precision
        self.instructionSet = instructionSet
        let slots = G * P * NR
        let byteCount = max(slots * Kg * (precision == .fp32 ? 4 : 1), 1)
        weights = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        weights.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        self.bias = .allocate(capacity: slots)
        self.bias.initialize(repeating: 0, count: slots)
        scale = .allocate(capacity: slots)
        scale.initialize(repeating: 1, count: slots)
        for n in 0..<N { self.bias[slot(of: n)] = bias[n] }
    }

    /// Output channel n's index in the (G, P, NR) bias and scale arrays.
    private func slot(of n: Int) -> Int {
        let Ng = outputs / groups, NR = panelWidth
        let g = n / Ng, within = n % Ng
        return (g * panels + within / NR) * NR + within % NR
    }

    /// Output channel n's (slot in bias/scale, element index of its k = 0 weight in the panels);
    /// its k-th weight is `panelWidth * k` elements further.
    private func place(_ n: Int) -> (slot: Int, column: Int) {
        let slot = slot(of: n), NR = panelWidth
        return (slot, (slot / NR) * (inputs / groups) * NR + slot % NR)
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
        scale.deallocate()
    }
}
