// The safetensors writer produces exactly what the reference `safetensors` package writes
// (`writer_expected.safetensors`, from tools/make_safetensors_fixtures.py), its files read
// back through our reader unchanged, and it writes atomically.
//
// To check a Swift-written file with the Python reader by hand:
//   SQUEEZECHAT_WRITER_OUTPUT=build/swift.safetensors swift test --filter SafeTensorsWriterTests
//   python tools/make_safetensors_fixtures.py --verify build/swift.safetensors
import Foundation
import Testing
@testable import SqueezeBERT

@Suite struct SafeTensorsWriterTests {
    /// The tensors `writer_expected.safetensors` holds, taken from the reference fixture.
    static func referenceWriter() throws -> SafeTensorsWriter {
        let source = try SafeTensorsFile(path: safetensorsFixture("reference.safetensors"))
        var writer = SafeTensorsWriter(metadata: ["format": "pt"])
        try writer.add("weight", shape: [2, 3], .f32(source.floats("f32.matrix")))
        try writer.add("half", shape: [20], .f16(source.floats("f16.rounding_source")))
        try writer.add("quant", shape: [3, 4], .i8(source.int8("i8.weight")))
        try writer.add("quant_scale", shape: [3], .f32(source.floats("i8.weight_scale")))
        try writer.add("scalar", shape: [], .f32([2.5]))
        try writer.add("empty", shape: [0], .f16([]))
        try writer.add("odd/\"name\"\\ü!", shape: [2], .i8([7, -8]))
        return writer
    }

    @Test func bytesMatchTheReferenceWriter() throws {
        let writer = try Self.referenceWriter()
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: safetensorsFixture("writer_expected.safetensors"))))
        let encoded = writer.encoded()
        #expect(encoded == expected, "header: \(String(decoding: encoded.prefix(400), as: UTF8.self))")
        if let output = ProcessInfo.processInfo.environment["SQUEEZECHAT_WRITER_OUTPUT"] {
            try writer.write(to: output)
        }
    }

    @Test func headerIsPaddedToEightBytesSoTensorsAreAligned() throws {
        let encoded = try Self.referenceWriter().encoded()
        let headerLength = encoded.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = encoded[8..<(8 + headerLength)]
        let padding = header.reversed().prefix { $0 == UInt8(ascii: " ") }.count
        #expect(headerLength % 8 == 0)
        #expect(padding < 8)
        #expect(header.dropLast(padding).last == UInt8(ascii: "}"))
    }

    @Test func roundTripThroughTheReader() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let cube = (0..<24).map { Float($0) * 0.5 - 3 }
        let halves: [Float] = [0, -0.0, 1, -2.5, 65504, .infinity, -.infinity, 0x1p-24, .nan]
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "note": "round trip"])
        try writer.add("encoder.cube", shape: [2, 3, 4], .f32(cube))
        try writer.add("encoder.half", shape: [9, 1], .f16(halves))
        try writer.add("encoder.q", shape: [2, 3], .i8([-128, -1, 0, 1, 2, 127]))
        try writer.add("encoder.q_scale", shape: [2, 1], .f16([0.5, 0.25]))
        try writer.add("scalar", shape: [], .f32([-7]))
        try writer.add("empty", shape: [0, 3], .i8([]))
        let path = (folder.path as NSString).appendingPathComponent("round.safetensors")
        try writer.write(to: path)

        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == ["format": "pt", "note": "round trip"])
        #expect(Set(file.names) == ["encoder.cube", "encoder.half", "encoder.q", "encoder.q_scale", "scalar", "empty"])
        #expect(file.info("encoder.half") == TensorInfo(dtype: .f16, shape: [9, 1]))
        #expect(file.info("empty") == TensorInfo(dtype: .i8, shape: [0, 3]))
        #expect(identical(try file.floatTensor(name: "encoder.cube", expectedShape: [2, 3, 4]), cube))
        #expect(identical(try file.floats("encoder.half"), halves))
        #expect(try file.floatTensor(name: "encoder.q", expectedShape: [2, 3]) == [-64, -0.5, 0, 0.25, 0.5, 31.75])
        #expect(try file.floatTensor(name: "scalar", expectedShape: []) == [-7])
        #expect(try file.int8("empty") == [])
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.file("model.safetensors", Array("old contents".utf8))
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [1], .f32([1]))
        try writer.write(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
        #expect(try SafeTensorsFile(path: path).floats("w") == [1])
    }

    @Test func writeIntoAMissingFolderNamesTheFile() throws {
        let path = "/nonexistent-squeezechat-folder/model.safetensors"
        let error = #expect(throws: SafeTensorsWriter.WriteError.self) { try SafeTensorsWriter().write(to: path) }
        #expect(error?.file == path)
        #expect(error?.description.hasPrefix("\(path): cannot create a temporary file") == true)
    }

    @Test func addRefusesInconsistentTensors() throws {
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [2], .f32([1, 2]))
        let cases: [(String, [Int], SafeTensorsWriter.Values, String)] = [
            ("w", [1], .f32([1]), "tensor 'w': already added"),
            ("__metadata__", [1], .f32([1]), "tensor '__metadata__': the name is reserved"),
            ("x", [2, 2], .i8([1, 2, 3]), "tensor 'x': shape [2, 2] holds 4 values, got 3"),
            ("y", [-1], .f16([]), "tensor 'y': shape [-1] has a negative dimension"),
            ("z", [1 << 32, 1 << 32], .f32([]), "tensor 'z': shape [4294967296, 4294967296] is too large"),
        ]
        for (name, shape, values, problem) in cases {
            let error = #expect(throws: SafeTensorsWriter.WriteError.self) { try writer.add(name, shape: shape, values) }
            #expect(error?.problem.hasPrefix(problem) == true, "\(String(describing: error))")
            #expect(error?.file == nil)
        }
    }
}
