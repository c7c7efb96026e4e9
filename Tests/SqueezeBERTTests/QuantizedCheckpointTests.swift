import Foundation
import SqueezeBERT
import Testing

/// A checkpoint stored as int8 (I8 plus `<name>_scale`, as training/export.py writes the bundled
/// model) runs on its own int8 values: projections are packed without widening to Float, and
/// embedding rows are gathered from the mapped int8 tables.
@Suite struct QuantizedCheckpointTests {
    static let texts = ["the cat sat on the mat", "a quick test", "hello"]

    /// Writes `name`'s fixture twice: every matrix as I8 with per-row scales, and the same
    /// dequantised values as F32. Returns (int8 folder, float folder). `smoothed`: every encoder
    /// projection is stored as export.py --smooth-alpha stores it, its input channel c multiplied
    /// by a factor (the same for every projection of one input width, 0.5-2.1) before quantising,
    /// with the factors as `<name>_smooth`; the float copy holds the values divided back.
    static func quantizedCopies(of name: String, in root: URL, smoothed: Bool = false) throws -> (URL, URL) {
        let source = Fixtures.model(name)
        let file = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json")))
            as! [String: Any]
        let hidden = config["hidden_size"] as! Int, intermediate = config["intermediate_size"] as! Int
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
            // The projection's inputs over all groups: the feed-forward output reads the
            // intermediate width, every other projection the hidden one.
            let isProjection = smoothed && tensor.contains(".layer") && !tensor.contains("embeddings")
            let readsIntermediate = tensor.contains("output") && !tensor.contains("attention")
                && !tensor.contains("post_attention")
            let inputs = readsIntermediate ? intermediate : hidden
            let factors = isProjection ? (0..<inputs).map { 0.5 + Float(($0 * 7) % 5) * 0.4 } : nil
            var q = [Int8](), scales = [Float](), dequantised = [Float]()
            for r in 0..<rows {
                let first = factors.map { (r / (rows / ($0.count / columns))) * columns } ?? 0
                let row = (0..<columns).map { values[r * columns + $0] * (factors?[first + $0] ?? 1) }
                let peak = row.map(abs).max() ?? 0
                let s = peak > 0 ? peak / 127 : 1
                let codes = row.map { Int8(max(-127, min(127, ($0 / s).rounded()))) }
                q += codes
                scales.append(s)
                dequantised += codes.indices.map { Float(codes[$0]) * s / (factors?[first + $0] ?? 1) }
            }
            try int8.add(tensor, shape: shape, .i8(q))
            try int8.add(tensor + SafeTensorsFile.scaleSuffix, shape: [rows], .f32(scales))
            if let factors { try int8.add(tensor + SafeTensorsFile.smoothingSuffix, shape: [inputs], .f32(factors)) }
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

    /// A folder stored smoothed runs on the integer unit with its inputs divided by the factors;
    /// fp32 divides the factors back out of the weights, and the float kernels, which cannot divide
    /// inputs, quantise those float values again.
    @Test(arguments: ["tiny-squeezebert-classifier", "tiny-bert-classifier", "tiny-forked-regrouped"])
    func smoothedCheckpointRunsOnEveryPath(model name: String) throws {
        let root = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (int8Folder, floatFolder) = try Self.quantizedCopies(of: name, in: root, smoothed: true)
        let file = try SafeTensorsFile(path: int8Folder.appendingPathComponent("model.safetensors").path)
        #expect(file.names.contains { $0.hasSuffix(SafeTensorsFile.smoothingSuffix) })

        let reference = try EncoderModel.load(from: floatFolder, precision: .fp32).encode(Self.texts).output
        let widened = try EncoderModel.load(from: int8Folder, precision: .fp32).encode(Self.texts).output
        let unsmoothed = WorstDifference(widened.lastHiddenState, reference.lastHiddenState)
        #expect(unsmoothed.value == 0, "\(unsmoothed)")

        let floatKernels: InstructionSet = InstructionSet.avx512.isAvailable ? .avx512 : .avx2
        let requantised = try EncoderModel.load(from: floatFolder, precision: .int8, instructionSet: floatKernels)
            .encode(Self.texts).output
        let onFloatKernels = try EncoderModel.load(from: int8Folder, instructionSet: floatKernels).encode(Self.texts).output
        let floatPath = WorstDifference(onFloatKernels.lastHiddenState, requantised.lastHiddenState)
        #expect(floatPath.value == 0, "\(floatPath)")

        guard InstructionSet.avx512vnni.isAvailable else { return }
        let integer = try EncoderModel.load(from: int8Folder, instructionSet: .avx512vnni)
        let floats = try EncoderModel.load(from: floatFolder, precision: .fp32)
        for (x, y) in zip(integer.embed(Self.texts), floats.embed(Self.texts)) {
            let dot = zip(x, y).map(*).reduce(0, +)
            let cosine = dot / (x.map { $0 * $0 }.reduce(0, +) * y.map { $0 * $0 }.reduce(0, +)).squareRoot()
            #expect(cosine >= 0.9995, "\(name): cosine \(cosine)")
        }
        let logits = WorstDifference(try #require(integer.encode(Self.texts).output.logits), try #require(reference.logits))
        #expect(logits.value <= 0.05, "\(logits)")
    }

    /// A smoothing tensor the weights cannot use (a factor that is not positive, or the wrong
    /// count) is a load error naming the file and the tensor.
    @Test(arguments: ["zero", "count"])
    func badSmoothingTensorIsALoadError(fault: String) throws {
        let root = try Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let (int8Folder, _) = try Self.quantizedCopies(of: "tiny-bert", in: root, smoothed: true)
        let weights = int8Folder.appendingPathComponent("model.safetensors").path
        let file = try SafeTensorsFile(path: weights)
        var broken = SafeTensorsWriter()
        let target = try #require(file.names.first { $0.hasSuffix(SafeTensorsFile.smoothingSuffix) && $0.contains("query") })
        for tensor in file.names {
            let info = file.info(tensor)!
            if tensor == target {
                var factors = try file.floats(tensor)
                if fault == "zero" { factors[3] = 0 } else { factors += [1] }
                try broken.add(tensor, shape: [factors.count], .f32(factors))
            } else if info.dtype == .i8 {
                try broken.add(tensor, shape: info.shape, .i8(try file.int8(tensor)))
            } else {
                try broken.add(tensor, shape: info.shape, .f32(try file.floats(tensor)))
            }
        }
        try broken.write(to: weights)
        for precision in Precision.allCases {
            #expect {
                _ = try EncoderModel.load(from: int8Folder, precision: precision)
            } throws: { error in
                let message = "\(error)"
                return message.contains("model.safetensors") && message.contains(target)
            }
        }
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
