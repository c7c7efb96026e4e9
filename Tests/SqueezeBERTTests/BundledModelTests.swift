import DefaultModel
import Foundation
import SqueezeBERT
import Testing

/// The bundled models (the default, a trunk with a sentiment branch, and the grouped student, both
/// stored int8) against their PyTorch reference (training/forked.py, the weights dequantised), on
/// the committed outputs of tools/make_bundled_reference.py.
struct BundledModelTests {
    struct Case: Decodable {
        let text: String
        let logits: [Float]
        let embedding: [Float]
    }

    struct Reference: Decodable {
        let cases: [Case]
    }

    @Test("Each bundled model's logits and embeddings match the PyTorch reference within 1e-4 on the float kernels",
          arguments: [DefaultModel.folder, DefaultModel.groupedStudentFolder],
          InstructionSet.allCases.filter { $0 != .avx512vnni && $0.isAvailable })
    func matchesReference(folder: URL, instructionSet: InstructionSet) throws {
        let url = Fixtures.root.appendingPathComponent("bundled/\(folder.lastPathComponent).json")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        // Float kernels: the int8 weights widened, activations in float, as the reference computes.
        let model = try EncoderModel.load(from: folder, instructionSet: instructionSet)
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
}
