import Foundation
import Testing
@testable import SqueezeBERT

/// The int8 products on AVX-512 VNNI's integer unit (checked only where the CPU has it): exact
/// against a plain integer loop over the same quantised activations, and close to the float
/// kernels on whole models.
@Suite(.enabled(if: InstructionSet.avx512vnni.isAvailable, "this CPU has no AVX-512 VNNI"))
struct IntegerKernelTests {
    /// Asymmetric u8 quantisation of one row's group slice, as the kernel defines it:
    /// x ~ s * (q - z), the range always holding 0 (padding to a multiple of 4 is never read back).
    static func quantize(_ row: ArraySlice<Float>) -> (q: [Int32], scale: Float, zero: Int32) {
        let low = min(row.min()!, 0), high = max(row.max()!, 0)
        var s = (high - low) / 255
        if !(s > 0) { s = 1 }
        let z = Int32(max(0, min(255, (-low / s).rounded(.toNearestOrEven))))
        let inverse = 1 / s
        let q = row.map { Int32(max(0, min(255, Int32((($0 * inverse)).rounded(.toNearestOrEven)) + z))) }
        return (q, s, z)
    }

    static func norm(_ v: [Float]) -> Float { v.map { $0 * $0 }.reduce(0, +).squareRoot() }

    /// Runs `body` with room for `rows` rows quantised once for `matrix`, as the encoder shares
    /// them between products and threads; the room is freed after.
    static func withSharedRows(for matrix: PackedMatrix, rows M: Int, _ body: (QuantizedActivations) -> Void) {
        let G = matrix.groups, stride = G * matrix.paddedGroupInputs
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: M * stride)
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: M * G)
        let zeros = UnsafeMutablePointer<Int32>.allocate(capacity: M * G)
        defer { bytes.deallocate(); scales.deallocate(); zeros.deallocate() }
        body(QuantizedActivations(bytes: bytes, stride: stride, scales: scales, zeros: zeros, groupStride: M, for: matrix))
    }

    static func random(_ state: inout UInt32) -> Float {
        state = state &* 1664525 &+ 1013904223
        return Float(state >> 8) / Float(1 << 24) - 0.5
    }

    /// Row counts 1...13 (every remainder of the 8-row tile), 25...33 (over the streaming
    /// products' rows, where two panels share a tile: every remainder of its 6 rows) and over one
    /// 64-row chunk, partial 32-column panels, groups, inputs not a multiple of 4, and every
    /// epilogue, against sum_k q[m, k] * w[n, k] in integers, dequantised, with a scale and zero
    /// point per row and group. Panels per group: 1 (single-panel tiles only), 2 (one pair, 4
    /// groups), 3 (a pair and a lone full panel; a pair and a lone narrow one, 2 groups) and 4 (a
    /// pair and a pair whose second panel is narrow).
    @Test(arguments: [(96, 40, 4), (24, 24, 1), (8, 3, 1), (64, 256, 4), (50, 26, 2), (384, 100, 1), (1536, 64, 4),
                      (40, 96, 1), (64, 168, 2)])
    func integerProductMatchesNaiveIntegerLoop(shape: (Int, Int, Int)) {
        let (K, N, G) = shape, Kg = K / G, Ng = N / G
        var state: UInt32 = 4242
        let weight = (0..<(N * Kg)).map { _ in Self.random(&state) }, bias = (0..<N).map { _ in Self.random(&state) }
        let matrix = PackedMatrix(weight: weight, bias: bias, inputs: K, outputs: N, groups: G, precision: .int8,
                                  instructionSet: .avx512vnni)
        #expect(matrix.usesIntegerProducts)
        let scales = (0..<N).map { n in max(weight[n * Kg..<(n + 1) * Kg].map(abs).max()! / 127, .leastNonzeroMagnitude) }
        let codes = weight.indices.map { i in Int32(max(-127, min(127, (weight[i] / scales[i / Kg]).rounded()))) }
        for M in Array(1...13) + Array(25...33) + [64, 70, 130] {
            // Activations with a wide, uneven range per row, like a GELU's output, and a different
            // range in each group (the last group's values ten times the first's).
            let inp = (0..<(M * K)).map { i in
                (Self.random(&state) * (i % 7 == 0 ? 6 : 1) + 0.1) * (1 + 9 * Float((i % K) / Kg) / Float(max(1, G - 1)))
            }
            let residual = (0..<(M * N)).map { _ in Self.random(&state) }
            var expected = [Float](repeating: 0, count: M * N)
            for m in 0..<M {
                for g in 0..<G {
                    let (q, s, z) = Self.quantize(inp[(m * K + g * Kg)..<(m * K + (g + 1) * Kg)])
                    for n in (g * Ng)..<((g + 1) * Ng) {
                        var sum: Int32 = 0
                        for k in 0..<Kg { sum += (q[k] - z) * codes[n * Kg + k] }
                        expected[m * N + n] = Float(sum) * (s * scales[n]) + bias[n]
                    }
                }
            }
            for (epilogue, worst) in epilogueErrors(matrix: matrix, inp: inp, residual: residual, rows: M, expected: expected) {
                #expect(worst.value <= 1e-4, "M \(M) K \(K) N \(N) G \(G) \(epilogue): \(worst)")
            }
        }
    }

    /// Rows quantised once and shared (as the encoder shares them between Q, K and V and across
    /// threads) give exactly what each task quantising for itself gives, task by task.
    @Test func sharedQuantisationMatchesPerTaskQuantisation() {
        let (K, N, G, M) = (96, 64, 2, 80)
        var state: UInt32 = 99
        let matrix = PackedMatrix(weight: (0..<(N * K / G)).map { _ in Self.random(&state) },
                                  bias: (0..<N).map { _ in Self.random(&state) }, inputs: K, outputs: N, groups: G,
                                  precision: .int8, instructionSet: .avx512vnni)
        let inp = (0..<(M * K)).map { _ in Self.random(&state) }
        var perTask = [Float](repeating: .nan, count: M * N), fromShared = perTask
        Self.withSharedRows(for: matrix, rows: M) { shared in
            inp.withUnsafeBufferPointer { i in
                shared.quantize(i.baseAddress!, rows: 0..<M)
                let tasks = Kernels.matmulTasks(rows: M, matrix: matrix)
                for task in (0..<tasks).reversed() {
                    perTask.withUnsafeMutableBufferPointer { o in
                        Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, matrix: matrix, rows: M,
                                       tasks: task..<(task + 1))
                    }
                    fromShared.withUnsafeMutableBufferPointer { o in
                        Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, quantized: shared, matrix: matrix, rows: M,
                                       tasks: task..<(task + 1))
                    }
                }
            }
        }
        #expect(perTask == fromShared)
        #expect(!perTask.contains { $0.isNaN })
    }

    /// A task range that starts or ends between the two panels of a pair, or holds one task:
    /// exactly the range's tasks are written (each row chunk x panel block, nothing else), with the
    /// values the whole product gives. Every range of a product with 2 row chunks (the second
    /// 11 rows), 2 groups and 3 panels per group, the last one narrow (rows enough for pairs).
    @Test(arguments: ["gelu", "residual"])
    func everyTaskRangeWritesExactlyItsTasks(epilogue: String) {
        let (K, N, G, M) = (48, 168, 2, 75)
        var state: UInt32 = 7
        let matrix = PackedMatrix(weight: (0..<(N * K / G)).map { _ in Self.random(&state) },
                                  bias: (0..<N).map { _ in Self.random(&state) }, inputs: K, outputs: N, groups: G,
                                  precision: .int8, instructionSet: .avx512vnni)
        let P = matrix.panels, NR = matrix.panelWidth, Ng = N / G, chunkRows = 64
        #expect(P == 3)
        let inp = (0..<(M * K)).map { _ in Self.random(&state) * 4 }, residual = (0..<(M * N)).map { _ in Self.random(&state) }
        let tasks = Kernels.matmulTasks(rows: M, matrix: matrix)
        #expect(tasks == 2 * G * P)
        func run(_ range: Range<Int>?) -> [Float] {
            var out = [Float](repeating: .nan, count: M * N)
            inp.withUnsafeBufferPointer { i in
                residual.withUnsafeBufferPointer { r in
                    out.withUnsafeMutableBufferPointer { o in
                        Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, matrix: matrix, rows: M,
                                       epilogue: epilogue == "gelu" ? .gelu : .residual(r.baseAddress!), tasks: range)
                    }
                }
            }
            return out
        }
        let whole = run(nil)
        #expect(!whole.contains { $0.isNaN })
        /// The task that writes out[m, n].
        func task(_ m: Int, _ n: Int) -> Int { (m / chunkRows * G + n / Ng) * P + n % Ng / NR }
        for lower in 0..<tasks {
            for upper in (lower + 1)...tasks {
                let out = run(lower..<upper)
                var wrong = 0
                for m in 0..<M {
                    for n in 0..<N where (lower..<upper).contains(task(m, n)) ? out[m * N + n] != whole[m * N + n] : !out[m * N + n].isNaN {
                        wrong += 1
                    }
                }
                #expect(wrong == 0, "tasks \(lower)..<\(upper) (\(epilogue)): \(wrong) outputs wrong")
            }
        }
    }

    /// Whole fixture models on the integer kernels against the same int8 weights on the float
    /// kernels: the activations' 8-bit rounding moves each sentence embedding by well under 1%.
    @Test(arguments: PerformancePathTests.models)
    func modelsStayCloseToTheFloatKernels(model name: String) throws {
        let floatKernels = try EncoderModel.load(from: Fixtures.model(name), precision: .int8, instructionSet: .avx512)
        let integer = try EncoderModel.load(from: Fixtures.model(name), precision: .int8, instructionSet: .avx512vnni)
        let a = floatKernels.embed(PerformancePathTests.texts), b = integer.embed(PerformancePathTests.texts)
        for (x, y) in zip(a, b) {
            let dot: Float = zip(x, y).map(*).reduce(0, +)
            let norms: Float = Self.norm(x) * Self.norm(y)
            let cosine = dot / norms
            #expect(cosine >= 0.9995, "\(name): cosine \(cosine)")
            #expect(x != y, "\(name): the integer kernels were not used")
        }
    }

    /// A matrix stored smoothed (its input channel c multiplied by factor f_c before quantising,
    /// as training/export.py writes a LayerNorm-fed projection) quantises its inputs divided by the
    /// factors: exactly the naive integer product over x / f. On inputs with a few wide channels it
    /// lands closer to the float product than the same weights unsmoothed.
    @Test func smoothedMatrixQuantisesItsInputsDividedByItsFactors() throws {
        let (K, N, G, M) = (96, 40, 2, 11)
        let Kg = K / G, Ng = N / G
        var state: UInt32 = 31
        let weight = (0..<(N * Kg)).map { _ in Self.random(&state) }, bias = (0..<N).map { _ in Self.random(&state) }
        // Every 13th channel 40x wider, as a LayerNorm output's few peak channels are.
        let inp = (0..<(M * K)).map { i in Self.random(&state) * (i % K % 13 == 0 ? 40 : 1) }
        // Factors sqrt(input peak / weight peak) per channel: SmoothQuant's alpha 0.5.
        let factors = (0..<K).map { c -> Float in
            let g = c / Kg, k = c % Kg
            let inputPeak = (0..<M).map { abs(inp[$0 * K + c]) }.max()!
            let weightPeak = ((g * Ng)..<((g + 1) * Ng)).map { abs(weight[$0 * Kg + k]) }.max()!
            return (inputPeak / weightPeak).squareRoot()
        }
        var codes = [Int8](), scales = [Float]()
        for n in 0..<N {
            let row = (0..<Kg).map { k in weight[n * Kg + k] * factors[(n / Ng) * Kg + k] }
            let s = row.map(abs).max()! / 127
            scales.append(s)
            codes += row.map { Int8(max(-127, min(127, ($0 / s).rounded()))) }
        }
        let smoothing = InputSmoothing(factors: factors)
        let smoothed = codes.withUnsafeBufferPointer {
            PackedMatrix(quantized: $0.baseAddress!, scales: scales, bias: bias, inputs: K, outputs: N, groups: G,
                         smoothing: smoothing, instructionSet: .avx512vnni)
        }
        let divided = inp.indices.map { inp[$0] * (1 / factors[$0 % K]) }
        var expected = [Float](repeating: 0, count: M * N)
        for m in 0..<M {
            for g in 0..<G {
                let (q, s, z) = Self.quantize(divided[(m * K + g * Kg)..<(m * K + (g + 1) * Kg)])
                for n in (g * Ng)..<((g + 1) * Ng) {
                    var sum: Int32 = 0
                    for k in 0..<Kg { sum += (q[k] - z) * Int32(codes[n * Kg + k]) }
                    expected[m * N + n] = Float(sum) * (s * scales[n]) + bias[n]
                }
            }
        }
        func product(_ matrix: PackedMatrix) -> [Float] {
            var out = [Float](repeating: .nan, count: M * N)
            inp.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, matrix: matrix, rows: M)
                }
            }
            return out
        }
        let got = product(smoothed)
        #expect(WorstDifference(got, expected).value <= 1e-4, "\(WorstDifference(got, expected))")

        var exact = [Float](repeating: 0, count: M * N)
        for m in 0..<M {
            for n in 0..<N {
                let g = n / Ng
                exact[m * N + n] = bias[n] + (0..<Kg).map { inp[m * K + g * Kg + $0] * weight[n * Kg + $0] }.reduce(0, +)
            }
        }
        let plain = product(PackedMatrix(weight: weight, bias: bias, inputs: K, outputs: N, groups: G, precision: .int8,
                                         instructionSet: .avx512vnni))
        let smoothedError = WorstDifference(got, exact).value, plainError = WorstDifference(plain, exact).value
        #expect(smoothedError < plainError / 2, "smoothed \(smoothedError), plain \(plainError)")

        // Shared rows fit only a matrix smoothed by the same factors.
        let sibling = codes.withUnsafeBufferPointer {
            PackedMatrix(quantized: $0.baseAddress!, scales: scales, bias: bias, inputs: K, outputs: N, groups: G,
                         smoothing: smoothing, instructionSet: .avx512vnni)
        }
        var fromShared = [Float](repeating: .nan, count: M * N)
        Self.withSharedRows(for: smoothed, rows: M) { shared in
            #expect(shared.fits(sibling))
            #expect(!shared.fits(PackedMatrix(weight: weight, bias: bias, inputs: K, outputs: N, groups: G,
                                              precision: .int8, instructionSet: .avx512vnni)))
            inp.withUnsafeBufferPointer { i in
                shared.quantize(i.baseAddress!, rows: 0..<M)
                fromShared.withUnsafeMutableBufferPointer { o in
                    Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, quantized: shared, matrix: sibling, rows: M)
                }
            }
        }
        #expect(fromShared == got)
    }
}
