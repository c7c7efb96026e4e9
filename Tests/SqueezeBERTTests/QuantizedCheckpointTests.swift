import Foundation
import SqueezeBERT
import Testing

/// A checkpoint stored as int8 (I8 plus `<name>_scale`, as training/export.py writes the bundled
/// model) runs on its own int8 values: projections are packed without widening to Float, and
/// embedding rows are gathered from the mapped int8 tables.
@Suite struct QuantizedCheckpointTests {
    static let texts = ["the cat sat on the mat", "a quick test", "hello"]

    /// Writes `name`'s fixture twice: every matrix as I8 with per-row scales, and the same
    /// dequantised values as F32. Returns (int8 folder, float folder).
    static func quantizedCopies(of name: String, in root: URL) throws -> (URL, URL) {
        let source = Fixtures.model(name)
        let file = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var int8 = SafeTensorsWriter(), float = SafeTensorsWriter()
        for tensor in file.names {
            let shape = file.info(tensor)!.shape
            let values = try file.floats(tensor)
            guard shape.count >= 2, let rows = shape.first, rows > 0 else {
                try int8.add(tensor, shape: shape, .f32(values))
                try float.add(tensor, shape: shape, .f32(values))
                continue
            }
            let columns = values.count / rows
            var q = [Int8](), scales = [Float](), dequantised = [Float]()
            for r in 0..<rows {
                let row = values[(r * columns)..<((r + 1) * columns)]
                let peak = row.map(abs).max() ?? 0
                let s = peak > 0 ? peak / 127 : 1
                let codes = row.map { Int8(max(-127, min(127, ($0 / s).rounded()))) }
                q += codes
                scales.append(s)
                dequantised += codes.map { Float($0) * s }
            }
            try int8.add(tensor, shape: shape, .i8(q))
            try int8.add(tensor + SafeTensorsFile.scaleSuffix, shape: [rows], .f32(scales))
            try float.add(tensor, shape: shape, .f32(dequantised))
        }
        var folders: [URL] = []
        for (suffix, writer) in [("int8", int8), ("float", float)] {
            let folder = root.appendingPathComponent("\(name)-\(suffix)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for other in ["config.json", "vocab.txt"] {
                try FileManager.default.copyItem(at: source.appendingPathComponent(other),
                                                 to: folder.appendingPathComponent(other))
            }
            try writer.write(to: folder.appendingPathComponent("model.safetensors").path)
            folders.append(folder)
        }
        return (folders[0], folders[1])
    }

    @Test(arguments: ["tiny-squeezebert-classifier", "tiny-bert-classifier", "tiny-forked-regrouped"])
    func int8CheckpointRunsOnItsStoredValues(model name: String) throws {
        let root = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (int8Folder, floatFolder) = try Self.quantizedCopies(of: name, in: root)

        // Default precision follows the checkpoint.
        #expect(try EncoderModel.load(from: int8Folder).encoder.precision == .int8)
        // On the float kernels (the integer ones quantise the activations too: IntegerKernelTests).
        let floatKernels: InstructionSet = InstructionSet.avx512.isAvailable ? .avx512 : .avx2
        let asStored = try EncoderModel.load(from: int8Folder, instructionSet: floatKernels)
        #expect(try EncoderModel.load(from: floatFolder).encoder.precision == .fp32)

        // fp32 on the int8 folder widens the stored values: the same function as the float folder,
        // bit for bit (the int8 embedding tables are gathered as q * scale, as the F32 copy holds them).
        let widened = try EncoderModel.load(from: int8Folder, precision: .fp32).encode(Self.texts).output
        let reference = try EncoderModel.load(from: floatFolder, precision: .fp32).encode(Self.texts).output
        #expect(widened.lastHiddenState == reference.lastHiddenState)

        // int8 kernels on the stored codes: only the order of rounding differs (scale after the sum).
        let native = asStored.encode(Self.texts).output
        let hidden = WorstDifference(native.lastHiddenState, reference.lastHiddenState)
        #expect(hidden.value <= 1e-4, "\(hidden)")
        let logits = WorstDifference(try #require(native.logits), try #require(reference.logits))
        #expect(logits.value <= 1e-4, "\(logits)")

        // Re-quantising the float copy at load finds the same codes and scales.
        let requantised = try EncoderModel.load(from: floatFolder, precision: .int8, instructionSet: floatKernels)
            .encode(Self.texts).output
        #expect(WorstDifference(requantised.lastHiddenState, native.lastHiddenState).value <= 1e-5)
    }

    @Test func scaleTensorWithTheWrongShapeIsALoadError() throws {
        let root = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (int8Folder, _) = try Self.quantizedCopies(of: "tiny-bert", in: root)
        let weights = int8Folder.appendingPathComponent("model.safetensors").path
        let file = try SafeTensorsFile(path: weights)
        var broken = SafeTensorsWriter()
        for tensor in file.names {
            let info = file.info(tensor)!
            if tensor.hasSuffix(SafeTensorsFile.scaleSuffix) && tensor.contains("layer.0.attention.self.query") {
                try broken.add(tensor, shape: [info.shape[0] - 1], .f32(Array(try file.floats(tensor).dropLast())))
            } else if info.dtype == .i8 {
                try broken.add(tensor, shape: info.shape, .i8(try file.int8(tensor)))
            } else {
                try broken.add(tensor, shape: info.shape, .f32(try file.floats(tensor)))
            }
        }
        try broken.write(to: weights)
        #expect {
            _ = try EncoderModel.load(from: int8Folder)
        } throws: { error in
            let message = "\(error)"
            return message.contains("model.safetensors") && message.contains("_scale") && message.contains("shape")
        }
    }
}
