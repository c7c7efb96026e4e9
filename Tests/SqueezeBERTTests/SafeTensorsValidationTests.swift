// The safetensors reader refuses every malformed file at open time (or, for problems that
// depend on what is asked for, at read time) with the specific ModelLoadError.Kind and a
// one-line problem naming what is wrong. Each corrupt file is built inside the test.
import Foundation
import Testing
@testable import SqueezeBERT

@Suite struct SafeTensorsValidationTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    /// Writes a file with `header` and `data` and expects opening it to fail with `kind` and `words`.
    func expectOpenFails(
        _ kind: ModelLoadError.Kind, mentioning words: String, header: String, data: [UInt8] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = try folder.file("corrupt.safetensors", safetensorsBytes(header: header, data: data))
        expectLoadError(kind, file: path, mentioning: words, sourceLocation: sourceLocation) {
            _ = try SafeTensorsFile(path: path)
        }
    }

    /// A valid file holding F32 `w` of shape [2, 3] and I8 `q` of shape [2, 2].
    func validFile() throws -> String {
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [2, 3], .f32([1, 2, 3, 4, 5, 6]))
        try writer.add("q", shape: [2, 2], .i8([1, -1, 2, -2]))
        let path = (folder.path as NSString).appendingPathComponent("valid.safetensors")
        try writer.write(to: path)
        return path
    }

    // MARK: The file itself

    @Test func missingFile() {
        defer { folder.remove() }
        let path = (folder.path as NSString).appendingPathComponent("absent.safetensors")
        expectLoadError(.missingFile, file: path, mentioning: "file not found") {
            _ = try SafeTensorsFile(path: path)
        }
    }

    @Test func folderInsteadOfFile() {
        defer { folder.remove() }
        expectLoadError(.missingFile, file: folder.path, mentioning: "not a regular file") {
            _ = try SafeTensorsFile(path: folder.path)
        }
    }

    @Test(arguments: [0, 5])
    func fileShorterThanTheHeaderLength(size: Int) throws {
        defer { folder.remove() }
        let path = try folder.file("short.safetensors", [UInt8](repeating: 2, count: size))
        expectLoadError(.malformedFile, file: path, mentioning: "file is \(size) bytes, too short") {
            _ = try SafeTensorsFile(path: path)
        }
    }

    @Test func headerLengthPastTheEnd() throws {
        defer { folder.remove() }
        var bytes = safetensorsBytes(header: "{}")
        bytes[0] = 200
        let path = try folder.file("long.safetensors", bytes)
        expectLoadError(.malformedFile, file: path, mentioning: "header length 200 runs past the end of the 10-byte file") {
            _ = try SafeTensorsFile(path: path)
        }
    }

    @Test func hugeHeaderLengthDoesNotOverflow() throws {
        defer { folder.remove() }
        var bytes = safetensorsBytes(header: "{}")
        for i in 0..<8 { bytes[i] = 0xff }
        let path = try folder.file("huge.safetensors", bytes)
        expectLoadError(.malformedFile, file: path, mentioning: "header length 18446744073709551615 runs past") {
            _ = try SafeTensorsFile(path: path)
        }
    }

    @Test func dataSectionTruncated() throws {
        defer { folder.remove() }
        let valid = try validFile()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: valid)))
        let path = try folder.file("truncated.safetensors", Array(bytes.dropLast(3)))
        // Tensors are stored widest first, so I8 `q` is last and loses its bytes.
        expectLoadError(.malformedFile, file: path, mentioning: "tensor 'q': data_offsets end 28 is past the end of the 25-byte data section") {
            _ = try SafeTensorsFile(path: path)
        }
    }

    // MARK: The header JSON

    @Test func headerJSONMalformed() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "header is not valid JSON",
                            header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]"#, data: [0, 0, 0, 0])
    }

    @Test func headerNotUTF8() throws {
        defer { folder.remove() }
        var bytes = safetensorsBytes(header: #"{"__metadata__": {"a": "x"}}"#)
        bytes[bytes.count - 4] = 0xff  // the "x"
        let path = try folder.file("latin.safetensors", bytes)
        expectLoadError(.malformedFile, file: path, mentioning: "header is not valid JSON") {
            _ = try SafeTensorsFile(path: path)
        }
    }

    @Test func headerNotAnObject() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "header is not a JSON object", header: "[1, 2]")
    }

    @Test(arguments: [
        (#"{"dtype": "F32", "shape": [1]}"#, "missing \"data_offsets\""),
        (#"{"dtype": "F32", "data_offsets": [0, 4]}"#, "missing \"shape\""),
        (#"{"shape": [1], "data_offsets": [0, 4]}"#, "missing \"dtype\""),
        (#"[0, 4]"#, "entry is not an object"),
        (#"{"dtype": 32, "shape": [1], "data_offsets": [0, 4]}"#, "\"dtype\" is not a string"),
        (#"{"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}"#, "\"shape\" is not an array of non-negative integers"),
        (#"{"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}"#, "\"shape\" is not an array of non-negative integers"),
        (#"{"dtype": "F32", "shape": "1", "data_offsets": [0, 4]}"#, "\"shape\" is not an array of non-negative integers"),
        (#"{"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}"#, "\"data_offsets\" is not two non-negative integers"),
        (#"{"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}"#, "\"data_offsets\" is not two non-negative integers"),
    ])
    func entryWithMissingOrMistypedFields(entry: String, problem: String) throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "tensor 'w': \(problem)",
                            header: #"{"w": \#(entry)}"#, data: [0, 0, 0, 0])
    }

    @Test func metadataNotStrings() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "__metadata__ value for 'n' is not a string",
                            header: #"{"__metadata__": {"n": 1}}"#)
    }

    // MARK: Offsets and sizes

    @Test func offsetsRunBackwards() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "tensor 'w': data_offsets [4, 0] end before they begin",
                            header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, data: [0, 0, 0, 0])
    }

    @Test func offsetsPastTheEnd() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "tensor 'w': data_offsets end 8 is past the end of the 4-byte data section",
                            header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0])
    }

    @Test func overlappingTensors() throws {
        defer { folder.remove() }
        try expectOpenFails(
            .malformedFile, mentioning: "tensors 'a' and 'b' overlap (bytes 0..<8 and 4..<12)",
            header: #"{"b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}, "#
                + #""a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#,
            data: [UInt8](repeating: 0, count: 12))
    }

    @Test func tensorInsideAnotherOverlaps() throws {
        defer { folder.remove() }
        try expectOpenFails(
            .malformedFile, mentioning: "tensors 'outer' and 'inner' overlap",
            header: #"{"outer": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "#
                + #""inner": {"dtype": "I8", "shape": [2], "data_offsets": [8, 10]}}"#,
            data: [UInt8](repeating: 0, count: 16))
    }

    @Test func byteLengthDisagreesWithShapeAndDType() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "tensor 'w': F16 [2, 3] needs 12 bytes but data_offsets span 24",
                            header: #"{"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 24]}}"#,
                            data: [UInt8](repeating: 0, count: 24))
    }

    @Test func shapeTooLargeDoesNotOverflow() throws {
        defer { folder.remove() }
        try expectOpenFails(.malformedFile, mentioning: "tensor 'w': shape [4294967296, 4294967296] is too large",
                            header: #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}"#)
    }

    @Test func unknownDType() throws {
        defer { folder.remove() }
        try expectOpenFails(.unsupportedDType, mentioning: "tensor 'w' has unknown dtype \"F17\"",
                            header: #"{"w": {"dtype": "F17", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
    }

    // MARK: What is allowed

    @Test func gapsTrailingBytesAndEmptyTensorsAreAllowed() throws {
        defer { folder.remove() }
        let header = #"{"a": {"dtype": "I8", "shape": [2], "data_offsets": [0, 2]}, "#
            + #""b": {"dtype": "I8", "shape": [2], "data_offsets": [4, 6]}, "#
            + #""e1": {"dtype": "F32", "shape": [0], "data_offsets": [1, 1]}, "#
            + #""e2": {"dtype": "F32", "shape": [3, 0], "data_offsets": [1, 1]}}"#
        let path = try folder.file("gaps.safetensors", safetensorsBytes(header: header, data: [1, 2, 9, 9, 3, 4, 9]))
        let file = try SafeTensorsFile(path: path)
        #expect(file.names == ["a", "e1", "e2", "b"])
        #expect(file.metadata.isEmpty)
        #expect(try file.int8("b") == [3, 4])
        #expect(try file.floats("e2") == [])
    }

    // MARK: Reading what is not there

    @Test func missingTensor() throws {
        defer { folder.remove() }
        let path = try validFile()
        let file = try SafeTensorsFile(path: path)
        expectLoadError(.missingTensor, file: path, mentioning: "tensor 'encoder.w' not found") {
            _ = try file.floatTensor(name: "encoder.w", expectedShape: [2, 3])
        }
    }

    @Test func wrongShape() throws {
        defer { folder.remove() }
        let path = try validFile()
        let file = try SafeTensorsFile(path: path)
        expectLoadError(.shapeMismatch, file: path, mentioning: "tensor 'w' has shape [2, 3], expected [3, 2]") {
            _ = try file.floatTensor(name: "w", expectedShape: [3, 2])
        }
    }

    @Test func int8WithoutItsScale() throws {
        defer { folder.remove() }
        let path = try validFile()
        let file = try SafeTensorsFile(path: path)
        expectLoadError(.missingTensor, file: path, mentioning: "I8 tensor 'q' has no scale tensor 'q_scale'") {
            _ = try file.floatTensor(name: "q", expectedShape: [2, 2])
        }
        #expect(try file.int8("q") == [1, -1, 2, -2])
    }

    @Test(arguments: [[3], [2, 2], [1, 2], []])
    func int8WithWrongShapedScale(scaleShape: [Int]) throws {
        defer { folder.remove() }
        var writer = SafeTensorsWriter()
        try writer.add("q", shape: [2, 2], .i8([1, -1, 2, -2]))
        try writer.add("q_scale", shape: scaleShape, .f32([Float](repeating: 1, count: scaleShape.reduce(1, *))))
        let path = (folder.path as NSString).appendingPathComponent("scaled.safetensors")
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        expectLoadError(.shapeMismatch, file: path,
                        mentioning: "scale tensor 'q_scale' has shape \(describe(shape: scaleShape)), expected [2] or [2, 1]") {
            _ = try file.dequantized("q")
        }
    }

    @Test func int8WithNonFloatScale() throws {
        defer { folder.remove() }
        var writer = SafeTensorsWriter()
        try writer.add("q", shape: [2, 1], .i8([1, -1]))
        try writer.add("q_scale", shape: [2], .i8([1, 1]))
        let path = (folder.path as NSString).appendingPathComponent("scaled.safetensors")
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        expectLoadError(.unsupportedDType, file: path, mentioning: "tensor 'q_scale' is I8") {
            _ = try file.dequantized("q")
        }
    }

    @Test func scalarInt8HasNoRowsToScale() throws {
        defer { folder.remove() }
        var writer = SafeTensorsWriter()
        try writer.add("q", shape: [], .i8([3]))
        let path = (folder.path as NSString).appendingPathComponent("scalar.safetensors")
        try writer.write(to: path)
        let file = try SafeTensorsFile(path: path)
        expectLoadError(.malformedFile, file: path, mentioning: "I8 tensor 'q' is a scalar") {
            _ = try file.dequantized("q")
        }
    }
}
