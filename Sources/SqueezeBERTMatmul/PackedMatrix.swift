import CPUFeatures
import SqueezeBERTInt8

/// How the encoder stores its projection weights, chosen at load.
public enum Precision: String, Sendable, CaseIterable {
    /// Float32 weights, as in the checkpoint: matches transformers to 1e-4.
    case fp32
    /// Int8 weights with one symmetric scale per output channel. On AVX-512 VNNI the activations
    /// are quantised per row to bytes at run time and multiplied on the integer unit
    /// (`Int8Matmul`); elsewhere the weights are widened to Float32 in the kernel.
    case int8
}

/// The vector instructions a matrix product runs on, chosen per packed matrix at load.
///
/// The float products run one tile (`Matmul`): 6 rows x 2 vectors, 12 accumulators. AVX-512 makes
/// each vector 16 Floats instead of 8, so one instruction does twice the work. On Zen 4, which
/// splits a 512-bit FMA over its two 256-bit units, the peak is the same: on a quiet core both
/// tiles reach it (`experiments/tile_probe.c`: 117 GFLOP/s), but with the core's other hardware thread busy the AVX-512 tile,
/// with half the instructions to decode and issue, ran 1.15-1.45x faster. AVX-512 VNNI adds an
/// integer dot product (64 byte multiply-adds per instruction) that int8 matrices run on.
public enum InstructionSet: String, Sendable, CaseIterable {
    /// 8-lane vectors: AVX2 + FMA on x86-64 (the build's baseline); the portable path elsewhere.
    case avx2
    /// 16-lane vectors: AVX-512F, a separately compiled module, used only where the CPU has it.
    case avx512
    /// AVX-512 plus VNNI: int8 matrices run on the integer unit (`Int8Matmul`), float ones as on avx512.
    case avx512vnni = "avx512-vnni"

    /// The fastest set this CPU (and its OS) runs, detected once.
    public static let fastest: InstructionSet =
        cpu_has_avx512vnni() != 0 && int8_kernels_compiled() != 0 ? .avx512vnni
            : cpu_has_avx512f() != 0 ? .avx512 : .avx2

    /// Whether this CPU can run it.
    public var isAvailable: Bool {
        switch self {
        case .avx2: true
        case .avx512: Self.fastest != .avx2
        case .avx512vnni: Self.fastest == .avx512vnni
        }
    }

    /// Floats per vector of the float products.
    public var lanes: Int { self == .avx2 ? 8 : 16 }
}

/// A matrix's per-input-channel smoothing (SmoothQuant's migration of activation outliers into
/// the weights): its stored int8 weights are the float weights with input channel c multiplied by
/// `factors[c]`, so the integer products quantise input c times 1 / `factors[c]`. A LayerNorm
/// output's few wide channels otherwise set every row's quantisation step; divided down, they
/// leave finer steps to the rest. One instance may serve several matrices that read one input
/// (query, key and value), which lets them share one quantisation of it.
public final class InputSmoothing: @unchecked Sendable {
    /// One positive factor per input channel, over all groups.
    public let factors: [Float]
    /// 1 / factors: what the quantiser multiplies each input by.
    let multipliers: UnsafeMutablePointer<Float>

    public init(factors: [Float]) {
        precondition(factors.allSatisfy { $0 > 0 && $0.isFinite }, "smoothing factors must be positive and finite")
        self.factors = factors
        multipliers = .allocate(capacity: max(factors.count, 1))
        for (c, factor) in factors.enumerated() { multipliers[c] = 1 / factor }
    }

    deinit { multipliers.deallocate() }
}

/// A projection's weights packed for `Matmul` (or `Int8Matmul`): per group, column panels of NR
/// output channels (two vectors of the instruction set: 16 for AVX2, 32 for AVX-512), each panel
/// contiguous, the last one zero-padded. Float32, or int8 with one symmetric scale per output channel.
///
/// weight (G, P, K/G, NR) with P = ceil((N/G) / NR) panels per group; bias and scale (G, P, NR).
/// For the integer products (`usesIntegerProducts`) each panel is (KP/4, NR, 4) instead, K/G
/// padded with zeros to KP, a multiple of 4: vpdpbusd reads four consecutive inputs of each
/// output channel, and the panel's (KP/4)th 128-byte row holds them for all 32 channels.
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
    /// Per output channel sum of its int8 weights (G, P, NR), for the activations' zero point;
    /// integer products only.
    @usableFromInline let columnSums: UnsafeMutablePointer<Int32>

    /// The input smoothing its stored int8 weights carry (integer products only; nil for most).
    public let smoothing: InputSmoothing?

    /// Whether its products run on the integer unit (int8 on AVX-512 VNNI).
    public var usesIntegerProducts: Bool { precision == .int8 && instructionSet == .avx512vnni }
    /// Inputs per group as packed: K/G, padded to a multiple of 4 for the integer products.
    public var paddedGroupInputs: Int {
        let Kg = inputs / groups
        return usesIntegerProducts ? (Kg + 3) & ~3 : Kg
    }

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
                    scale[slot(of: n)] = s
                    for k in 0..<Kg { setInt8(Int8(max(-127, min(127, (row[k] / s).rounded()))), n, k) }
                }
            }
        }
        if usesIntegerProducts { sumColumns() }
    }

    /// Packs an already quantised weight (N, K/G) with its per-output-channel scales as int8
    /// panels, unchanged: a checkpoint stored as int8 runs on exactly its own values. Weights
    /// stored smoothed (`smoothing`, K factors) run on the integer unit only, where the quantiser
    /// divides the inputs back.
    public convenience init(quantized weight: UnsafePointer<Int8>, scales: [Float], bias: [Float],
                            inputs K: Int, outputs N: Int, groups G: Int, smoothing: InputSmoothing? = nil,
                            instructionSet: InstructionSet = .fastest) {
        precondition(K % G == 0 && N % G == 0 && scales.count == N && bias.count == N)
        precondition(smoothing == nil || (smoothing!.factors.count == K && instructionSet == .avx512vnni),
                     "smoothed int8 weights need K factors and the integer unit")
        self.init(inputs: K, outputs: N, groups: G, precision: .int8, instructionSet: instructionSet, bias: bias,
                  smoothing: smoothing)
        let Kg = K / G
        for n in 0..<N {
            let row = weight + n * Kg
            scale[slot(of: n)] = scales[n]
            for k in 0..<Kg { setInt8(row[k], n, k) }
        }
        if usesIntegerProducts { sumColumns() }
    }

    /// Zeroed panels of the right size, with the bias in place and every scale 1.
    private init(inputs K: Int, outputs N: Int, groups G: Int, precision: Precision, instructionSet: InstructionSet,
                 bias: [Float], smoothing: InputSmoothing? = nil) {
        precondition(instructionSet.isAvailable, "\(instructionSet) kernels on a CPU without them")
        let NR = 2 * instructionSet.lanes
        let Ng = N / G
        let P = (Ng + NR - 1) / NR
        self.inputs = K; self.outputs = N; self.groups = G; self.panels = P; self.precision = precision
        self.instructionSet = instructionSet
        self.smoothing = smoothing
        let slots = G * P * NR
        let integer = precision == .int8 && instructionSet == .avx512vnni
        let byteCount = max(slots * (integer ? (K / G + 3) & ~3 : K / G) * (precision == .fp32 ? 4 : 1), 1)
        weights = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        weights.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        self.bias = .allocate(capacity: slots)
        self.bias.initialize(repeating: 0, count: slots)
        scale = .allocate(capacity: slots)
        scale.initialize(repeating: 1, count: slots)
        columnSums = .allocate(capacity: slots)
        columnSums.initialize(repeating: 0, count: slots)
        for n in 0..<N { self.bias[slot(of: n)] = bias[n] }
    }

    /// Output channel n's k-th int8 weight, in either int8 layout.
    private func setInt8(_ value: Int8, _ n: Int, _ k: Int) {
        let w = weights.assumingMemoryBound(to: Int8.self)
        if usesIntegerProducts {
            let slot = slot(of: n), NR = panelWidth
            w[(slot / NR) * paddedGroupInputs * NR + (k / 4) * NR * 4 + (slot % NR) * 4 + k % 4] = value
        } else {
            w[place(n).column + k * panelWidth] = value
        }
    }

    /// `columnSums` from the packed integer panels.
    private func sumColumns() {
        let w = weights.assumingMemoryBound(to: Int8.self), NR = panelWidth, KP = paddedGroupInputs
        for slot in 0..<(groups * panels * NR) {
            let panel = w + (slot / NR) * KP * NR, column = slot % NR
            var sum: Int32 = 0
            for k in 0..<KP { sum += Int32(panel[(k / 4) * NR * 4 + column * 4 + k % 4]) }
            columnSums[slot] = sum
        }
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
        columnSums.deallocate()
    }
}
