import DefaultModel
import Foundation
import SqueezeBERT
import Testing

/// The bundled models (the default, a trunk with a sentiment branch, and the grouped student, both
/// stored int8, their projections smoothed for the integer unit) against their PyTorch reference
/// (training/forked.py, the weights dequantised), on the committed outputs of
/// tools/make_bundled_reference.py.
struct BundledModelTests {
    struct Case: Decodable {
        let text: String
        let logits: [Float]
        let embedding: [Float]
    }

    struct Reference: Decodable {
        let cases: [Case]
    }

    static func reference(of folder: URL) throws -> Reference {
        let url = Fixtures.root.appendingPathComponent("bundled/\(folder.lastPathComponent).json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test("Each bundled model's logits and embeddings match the PyTorch reference within 1e-4 in fp32",
          arguments: [DefaultModel.folder, DefaultModel.groupedStudentFolder],
          InstructionSet.allCases.filter { $0 != .avx512vnni && $0.isAvailable })
    func matchesReference(folder: URL, instructionSet: InstructionSet) throws {
        let reference = try Self.reference(of: folder)
        // fp32: the int8 weights widened with their smoothing divided out, as the reference computes.
        let model = try EncoderModel.load(from: folder, precision: .fp32, instructionSet: instructionSet)
        #expect(model.encoder.hasSentimentBranch == (folder == DefaultModel.folder))
        let output = model.encode(reference.cases.map(\.text)).output
        let logits = try #require(output.logits)
        for (index, item) in reference.cases.enumerated() {
            let mine = Array(logits[(index * 2)..<(index * 2 + 2)])
            let logitGap = WorstDifference(mine, item.logits)
            #expect(logitGap.value <= 1e-4, "\(item.text): logits \(logitGap)")
            let embeddingGap = WorstDifference(output.sentenceEmbedding(index), item.embedding)
            #expect(embeddingGap.value <= 1e-4, "\(item.text): embedding \(embeddingGap)")
        }
    }

    /// On the integer unit, where the activations are quantised too (divided by the smoothing
    /// factors first), every text keeps the reference's embedding to a cosine of 0.999.
    @Test(.enabled(if: InstructionSet.avx512vnni.isAvailable, "this CPU has no AVX-512 VNNI"),
          arguments: [DefaultModel.folder, DefaultModel.groupedStudentFolder])
    func integerUnitStaysCloseToTheReference(folder: URL) throws {
        let reference = try Self.reference(of: folder)
        let model = try EncoderModel.load(from: folder, instructionSet: .avx512vnni)
        let output = model.encode(reference.cases.map(\.text)).output
        for (index, item) in reference.cases.enumerated() {
            let mine = output.sentenceEmbedding(index)
            let dot = zip(mine, item.embedding).map(*).reduce(0, +)
            let norms = (mine.map { $0 * $0 }.reduce(0, +) * item.embedding.map { $0 * $0 }.reduce(0, +)).squareRoot()
            #expect(dot / norms >= 0.999, "\(item.text): cosine \(dot / norms)")
        }
    }
}
