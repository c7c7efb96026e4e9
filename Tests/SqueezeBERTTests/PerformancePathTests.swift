import CThreads
import Foundation
import Testing
@testable import SqueezeBERT

/// The speed machinery must not change results: threads, reused workspaces, concurrent callers
/// and the micro-kernel's edge cases (row and column remainders); int8 weights stay close.
struct PerformancePathTests {
    static let models = ["tiny-squeezebert", "tiny-squeezebert-classifier", "tiny-bert", "tiny-bert-classifier",
                         "tiny-forked", "tiny-forked-regrouped"]
    static let texts = ["Hello, world! This movie was really good.", "I hate it.",
                        "Why can't I transfer money from my account to my card? It was declined again and again."]

    /// Two threads, and a workspace reused across different shapes, give the one-thread result.
    @Test(arguments: models)
    func threadsAndReuseDoNotChangeResults(model name: String) throws {
        let model = try EncoderModel.load(from: Fixtures.model(name), threads: 2)
        let batch = model.tokenizer.encodeBatch(Self.texts)
        let one = model.encoder.forward(ids: batch.ids, lengths: batch.lengths, sequenceLength: batch.sequenceLength,
                                        threads: 1)
        _ = model.embed(["short"])  // a different shape through the same workspace
        let two = model.encoder.forward(ids: batch.ids, lengths: batch.lengths, sequenceLength: batch.sequenceLength,
                                        threads: 2)
        #expect(WorstDifference(one.lastHiddenState, two.lastHiddenState).value <= 1e-6)
        #expect(one.logits == nil || WorstDifference(one.logits!, two.logits!).value <= 1e-6)
    }

    /// The encoder is shared across threads by the app: concurrent calls get their own workspace.
    @Test func concurrentCallersGetTheirOwnResults() throws {
        let model = try EncoderModel.load(from: Fixtures.model("tiny-squeezebert"), threads: 2)
        let expected = Self.texts.map { model.embed([$0])[0] }
        let worst = Mutex64()
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let result = model.embed([Self.texts[i % Self.texts.count]])[0]
            worst.record(WorstDifference(result, expected[i % Self.texts.count]).value)
        }
        #expect(worst.value <= 1e-6)
    }

    /// The instruction sets this CPU runs (AVX-512 and VNNI are checked only where they exist).
    static let instructionSets = InstructionSet.allCases.filter(\.isAvailable)
    /// Those whose int8 products widen the weights to floats (VNNI quantises the activations too).
    static let floatInt8Sets = instructionSets.filter { $0 != .avx512vnni }

    /// The packed micro-kernel against a plain triple loop, on every instruction set this CPU
    /// runs, over row counts 1...13 (every remainder of the 4- and 6-row tiles, and more than one
    /// tile), partial column panels (16 and 32 wide), groups and every epilogue.
    @Test(arguments: [(96, 40, 4), (24, 24, 1), (8, 3, 1), (64, 256, 4), (50, 26, 2), (384, 100, 1)], instructionSets)
    func matmulMatchesNaiveLoop(shape: (Int, Int, Int), instructionSet: InstructionSet) {
        let (K, N, G) = shape
        var state: UInt32 = 12345
        func random() -> Float { state = state &* 1664525 &+ 1013904223; return Float(state >> 8) / Float(1 << 24) - 0.5 }
        let weight = (0..<(N * K / G)).map { _ in random() }, bias = (0..<N).map { _ in random() }
        let matrix = PackedMatrix(weight: weight, bias: bias, inputs: K, outputs: N, groups: G, precision: .fp32,
                                  instructionSet: instructionSet)
        for M in 1...13 {
            let inp = (0..<(M * K)).map { _ in random() }, residual = (0..<(M * N)).map { _ in random() }
            var expected = [Float](repeating: 0, count: M * N)
            let Kg = K / G, Ng = N / G
            for m in 0..<M {
                for n in 0..<N {
                    let g = n / Ng
                    var sum = bias[n]
                    for k in 0..<Kg { sum += inp[m * K + g * Kg + k] * weight[n * Kg + k] }
                    expected[m * N + n] = sum
                }
            }
            for (epilogue, worst) in epilogueErrors(matrix: matrix, inp: inp, residual: residual, rows: M, expected: expected) {
                #expect(worst.value <= 1e-5, "M \(M) K \(K) N \(N) G \(G) \(epilogue) \(instructionSet): \(worst)")
            }
        }
    }

    /// int8 products over more than `Matmul.streamingRows` rows convert each panel to floats once per
    /// 64-row chunk; the result is the quantised weights' product either way (a 130-row product
    /// mixes converted chunks with a 2-row streamed one).
    @Test(arguments: [(384, 100, 1), (96, 40, 4)], floatInt8Sets)
    func int8OverManyRowsMatchesNaiveLoop(shape: (Int, Int, Int), instructionSet: InstructionSet) {
        let (K, N, G) = shape, Kg = K / G, Ng = N / G
        var state: UInt32 = 999
        func random() -> Float { state = state &* 1664525 &+ 1013904223; return Float(state >> 8) / Float(1 << 24) - 0.5 }
        let weight = (0..<(N * Kg)).map { _ in random() }, bias = (0..<N).map { _ in random() }
        let matrix = PackedMatrix(weight: weight, bias: bias, inputs: K, outputs: N, groups: G, precision: .int8,
                                  instructionSet: instructionSet)
        // The same symmetric per-output-channel quantisation PackedMatrix applies.
        let scales = (0..<N).map { n in max(weight[n * Kg..<(n + 1) * Kg].map(abs).max()! / 127, .leastNonzeroMagnitude) }
        let quantised = weight.indices.map { i in (weight[i] / scales[i / Kg]).rounded() }
        for M in [25, 64, 70, 130] {
            let inp = (0..<(M * K)).map { _ in random() }
            var out = [Float](repeating: .nan, count: M * N)
            inp.withUnsafeBufferPointer { i in
                out.withUnsafeMutableBufferPointer { o in
                    Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, matrix: matrix, rows: M)
                }
            }
            var want = [Float](repeating: 0, count: M * N)
            for m in 0..<M {
                for n in 0..<N {
                    let g = n / Ng
                    var sum: Float = 0
                    for k in 0..<Kg { sum += inp[m * K + g * Kg + k] * quantised[n * Kg + k] }
                    want[m * N + n] = bias[n] + scales[n] * sum
                }
            }
            #expect(WorstDifference(out, want).value <= 1e-4, "M \(M) K \(K) N \(N) G \(G) \(instructionSet)")
        }
    }

    /// A whole model gives the same result on every float kernel this CPU runs, fp32 and int8
    /// (the AVX-512 kernels sum in the same order; only the panel width differs).
    @Test(arguments: models, [Precision.fp32, .int8])
    func instructionSetsAgree(model name: String, precision: Precision) throws {
        let sets = precision == .int8 ? Self.floatInt8Sets : Self.instructionSets
        let results = try sets.map { set in
            try EncoderModel.load(from: Fixtures.model(name), precision: precision, instructionSet: set).embed(Self.texts)
        }
        for result in results.dropFirst() {
            for (a, b) in zip(results[0], result) { #expect(WorstDifference(a, b).value <= 1e-5) }
        }
    }

    /// The sentiment branch's last layer computes only the first tokens the pooler reads: the same
    /// pooled output and logits as running it over every token, on each instruction set, for a
    /// padded batch of unequal lengths (one of a single token), one sequence, and a batch of
    /// one-token sequences (nothing to move to the front).
    @Test(arguments: ["tiny-forked", "tiny-forked-regrouped"], [Precision.fp32, .int8])
    func branchFirstTokensMatchTheFullLastLayer(model name: String, precision: Precision) throws {
        for set in Self.instructionSets {
            let model = try EncoderModel.load(from: Fixtures.model(name), precision: precision, threads: 2,
                                              instructionSet: set)
            let batch = model.tokenizer.encodeBatch(Self.texts + ["Fine."])
            let T = batch.sequenceLength
            var lengths = batch.lengths
            lengths[1] = 1
            let cases: [(ids: [Int32], lengths: [Int], T: Int)] = [
                (batch.ids, lengths, T),
                (Array(batch.ids[0..<T]), [batch.lengths[0]], T),
                (stride(from: 0, to: batch.ids.count, by: T).map { batch.ids[$0] }, batch.lengths.map { _ in 1 }, 1),
            ]
            for (ids, lengths, T) in cases {
                for threads in [1, 2] {
                    func run(_ firstTokensOnly: Bool) -> EncoderOutput {
                        model.encoder.forward(ids: ids, tokenTypes: nil, lengths: lengths, sequenceLength: T,
                                              keepHiddenStates: false, threads: threads,
                                              branchFirstTokensOnly: firstTokensOnly)
                    }
                    let first = run(true), full = run(false)
                    let label = "\(name) \(precision) \(set) lengths \(lengths) threads \(threads)"
                    #expect(WorstDifference(try #require(first.logits), try #require(full.logits)).value <= 1e-5, "\(label)")
                    #expect(WorstDifference(try #require(first.pooled), try #require(full.pooled)).value <= 1e-5, "\(label)")
                    #expect(first.lastHiddenState == full.lastHiddenState, "\(label)")
                }
            }
        }
    }

    /// Every length class of the dot product's loops (32-wide blocks, 8-wide tail, scalar tail).
    @Test(arguments: [0, 1, 7, 8, 31, 32, 33, 77, 384])
    func dotAndMatrixVectorMatchNaiveSums(count: Int) {
        var state: UInt32 = 777
        func random() -> Float { state = state &* 1664525 &+ 1013904223; return Float(state >> 8) / Float(1 << 24) - 0.5 }
        let rows = 5
        let matrix = (0..<(rows * count)).map { _ in random() }, vector = (0..<count).map { _ in random() }
        var out = [Float](repeating: .nan, count: rows)
        Kernels.matrixVector(matrix, rows: rows, columns: count, vector, into: &out)
        for r in 0..<rows {
            var want: Double = 0
            for i in 0..<count { want += Double(matrix[r * count + i]) * Double(vector[i]) }
            #expect(abs(Double(out[r]) - want) <= 1e-5, "row \(r) of \(count)")
            let single = matrix.withUnsafeBufferPointer { Kernels.dot($0.baseAddress! + r * count, vector, count: count) }
            #expect(single == out[r])
        }
    }

    /// The pool's claims (chunks that shrink as a region drains) run every task exactly once, for
    /// region sizes from 1 to past the row count of a 32 x 32 batch, back to back as a forward
    /// pass issues them, and with fewer threads requested than the pool has.
    @Test func poolRunsEveryTaskExactlyOnce() {
        let pool = ComputePool(threads: 2)
        defer { pool.shutdown() }
        for tasks in [1, 2, 3, 5, 8, 17, 64, 100, 384, 1025] {
            for requested in [1, 2] {
                let counts = UnsafeMutablePointer<Int64>.allocate(capacity: tasks)
                counts.initialize(repeating: 0, count: tasks)
                defer { counts.deallocate() }
                for _ in 0..<20 {
                    pool.parallel(tasks: tasks, threads: requested) { range in
                        for task in range { cthreads_fetch_add(counts + task, 1) }
                    }
                }
                let wrong = (0..<tasks).filter { counts[$0] != 20 }
                #expect(wrong.isEmpty, "\(tasks) tasks, \(requested) threads: tasks \(wrong.prefix(5)) ran \(wrong.prefix(5).map { counts[$0] }) times")
            }
        }
    }

    /// Attention on each available kernel (AVX2; AVX-512 where the CPU has it) against a plain
    /// softmax(QK^T / sqrt(HS)) V with a key padding mask, over head sizes on the 32-wide path
    /// (32, 64), beside it (40) and below it (16), and token counts that leave a query without a
    /// partner (odd T), fill no key block (5), exactly one of sixteen (16) or several (17, 33).
    /// Run whole and split into single (sequence, head) tasks, which must agree exactly.
    @Test(arguments: [16, 32, 40, 64], [InstructionSet.avx2, .avx512].filter(\.isAvailable))
    func attentionMatchesNaiveSoftmax(headSize HS: Int, instructionSet: InstructionSet) {
        var state: UInt32 = 99
        func random() -> Float { state = state &* 1664525 &+ 1013904223; return Float(state >> 8) / Float(1 << 24) - 0.5 }
        let NH = 2, B = 2, C = HS * NH
        for T in [1, 2, 5, 8, 16, 17, 33] {
            let lengths = [T, max(1, T - 3)]
            let q = (0..<(B * T * C)).map { _ in random() * 4 }, k = (0..<(B * T * C)).map { _ in random() * 4 }
            let v = (0..<(B * T * C)).map { _ in random() }
            var out = [Float](repeating: .nan, count: B * T * C), split = out
            let perTask = Kernels.attentionScratch(tokens: T, headSize: HS)
            var scratch = [Float](repeating: .nan, count: B * NH * perTask)
            Kernels.attention(out: &out, q: q, k: k, v: v, lengths: lengths, scores: &scratch,
                              batch: B, tokens: T, channels: C, heads: NH, instructionSet: instructionSet)
            for task in (0..<(B * NH)).reversed() {
                Kernels.attention(out: &split, q: q, k: k, v: v, lengths: lengths, scores: &scratch,
                                  batch: B, tokens: T, channels: C, heads: NH, tasks: task..<(task + 1),
                                  instructionSet: instructionSet)
            }
            #expect(out == split, "\(instructionSet) HS \(HS), T \(T): one task at a time differs")
            var worst: Double = 0
            for b in 0..<B {
                for h in 0..<NH {
                    for t in 0..<T {
                        let base = b * T * C + h * HS
                        var weights = (0..<lengths[b]).map { s in
                            (0..<HS).reduce(0.0) { $0 + Double(q[base + t * C + $1]) * Double(k[base + s * C + $1]) }
                                / Double(HS).squareRoot()
                        }
                        let top = weights.max()!
                        weights = weights.map { Foundation.exp($0 - top) }
                        let total = weights.reduce(0, +)
                        for i in 0..<HS {
                            var want: Double = 0
                            for s in 0..<lengths[b] { want += weights[s] / total * Double(v[base + s * C + i]) }
                            worst = max(worst, abs(Double(out[base + t * C + i]) - want))
                        }
                    }
                }
            }
            #expect(worst <= 1e-5, "\(instructionSet) HS \(HS), T \(T): worst difference \(worst)")
        }
    }

    /// Int8 weights: results move, but little. Prints the change for the README.
    @Test(arguments: models)
    func int8StaysClose(model name: String) throws {
        let fp32 = try EncoderModel.load(from: Fixtures.model(name))
        let int8 = try EncoderModel.load(from: Fixtures.model(name), precision: .int8)
        #expect(int8.encoder.precision == .int8)
        let a = fp32.encode(Self.texts).output, b = int8.encode(Self.texts).output
        let embeddingsA = a.sentenceEmbeddings(normalize: true), embeddingsB = b.sentenceEmbeddings(normalize: true)
        var worstCosine: Float = 1
        for (x, y) in zip(embeddingsA, embeddingsB) { worstCosine = min(worstCosine, zip(x, y).map(*).reduce(0, +)) }
        let hidden = WorstDifference(a.lastHiddenState, b.lastHiddenState)
        var line = "int8 \(name): max |hidden difference| \(hidden.value), min cosine(fp32, int8) \(worstCosine)"
        if let la = a.logits, let lb = b.logits {
            line += ", max |logit difference| \(WorstDifference(la, lb).value)"
            #expect(WorstDifference(la, lb).value <= 0.1)
        }
        print(line)
        #expect(worstCosine >= 0.995)
    }
}

/// The largest value recorded from many threads.
final class Mutex64: @unchecked Sendable {
    private let lock = NSLock()
    private var largest: Float = 0
    func record(_ value: Float) { lock.lock(); largest = max(largest, value.isNaN ? .infinity : value); lock.unlock() }
    var value: Float { lock.lock(); defer { lock.unlock() }; return largest }
}

/// `Kernels.matmul` over `rows` rows with each epilogue (none, exact GELU, tanh GELU, ReLU, a
/// residual add), each against `expected` (the product plus bias, computed by the test) with that
/// epilogue applied.
func epilogueErrors(
    matrix: PackedMatrix, inp: [Float], residual: [Float], rows M: Int, expected: [Float]
) -> [(epilogue: String, worst: WorstDifference)] {
    ["none", "gelu", "geluTanh", "relu", "residual"].map { epilogue in
        var out = [Float](repeating: .nan, count: expected.count)
        inp.withUnsafeBufferPointer { i in
            residual.withUnsafeBufferPointer { r in
                out.withUnsafeMutableBufferPointer { o in
                    let e: Epilogue = switch epilogue {
                    case "gelu": .gelu
                    case "geluTanh": .geluTanh
                    case "relu": .relu
                    case "residual": .residual(r.baseAddress!)
                    default: .none
                    }
                    Kernels.matmul(out: o.baseAddress!, inp: i.baseAddress!, matrix: matrix, rows: M, epilogue: e)
                }
            }
        }
        let want: [Float] = expected.indices.map { j in
            let v = expected[j]
            switch epilogue {
            case "gelu": return Float(0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot())))
            case "geluTanh":
                let x = Double(v)
                return Float(0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))))
            case "relu": return max(v, 0)
            case "residual": return v + residual[j]
            default: return v
            }
        }
        return (epilogue, WorstDifference(out, want))
    }
}
