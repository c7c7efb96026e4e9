// The safetensors reader against the reference: `reference.safetensors` was written by the
// Python `safetensors` package and `reference.json` holds the float32 values Python computes
// for each tensor (tools/make_safetensors_fixtures.py). Every value must match exactly.
import Foundation
import Testing
@testable import SqueezeBERT

/// One tensor's expectations in `reference.json`.
struct ExpectedTensor: Decodable {
    let dtype: String
    let shape: [Int]
    let floats: [Float]?
    let int8: [Int8]?
    let dequantized: [Float]?
}

/// `reference.json`.
struct ReferenceExpectations: Decodable {
    let metadata: [String: String]
    let tensors: [String: ExpectedTensor]

    static let shared: ReferenceExpectations = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try! Data(contentsOf: safetensorsFixtures.appendingPathComponent("reference.json"))
        return try! decoder.decode(ReferenceExpectations.self, from: data)
    }()
}

@Suite struct SafeTensorsTests {
    let file: SafeTensorsFile
    let expected = ReferenceExpectations.shared

    init() throws {
        file = try SafeTensorsFile(path: safetensorsFixture("reference.safetensors"))
    }

    static let floatTensors = [
        "f32.matrix", "f16.specials", "bf16.values", "f64.values", "i8.weight_scale", "i8.column_scale",
        "scalar", "empty", "cube", "f16.rounding_source",
    ]
    static let int8Tensors = ["i8.weight", "i8.column"]

    @Test func exposesMetadataAndNames() {
        #expect(file.metadata == expected.metadata)
        #expect(Set(file.names) == Set(expected.tensors.keys))
        #expect(file.names.count == expected.tensors.count)
    }

    @Test(arguments: floatTensors + int8Tensors + ["position_ids"])
    func infoGivesDTypeAndShape(name: String) throws {
        let want = try #require(expected.tensors[name])
        let info = try #require(file.info(name))
        #expect(info.dtype.rawValue == want.dtype)
        #expect(info.shape == want.shape)
        #expect(info.elementCount == want.shape.reduce(1, *))
    }

    @Test func infoIsNilForAnAbsentName() {
        #expect(file.info("no.such.tensor") == nil)
    }

    @Test(arguments: floatTensors)
    func floatsMatchPython(name: String) throws {
        let want = try #require(expected.tensors[name]?.floats)
        let got = try file.floats(name)
        #expect(identical(got, want), "\(name): got \(got), want \(want)")
    }

    @Test(arguments: int8Tensors)
    func int8AndDequantizedMatchPython(name: String) throws {
        let want = try #require(expected.tensors[name])
        #expect(try file.int8(name) == want.int8)
        let got = try file.dequantized(name)
        #expect(identical(got, try #require(want.dequantized)), "\(name): got \(got)")
    }

    @Test(arguments: floatTensors + int8Tensors)
    func floatTensorReadsEverySupportedDType(name: String) throws {
        let want = try #require(expected.tensors[name])
        let got = try file.floatTensor(name: name, expectedShape: want.shape)
        #expect(identical(got, try #require(want.floats ?? want.dequantized)))
    }

    @Test func scalarHasNoDimensionsAndOneValue() throws {
        #expect(try file.floatTensor(name: "scalar", expectedShape: []) == [2.5])
    }

    @Test func aValidButUnconvertibleDTypeOpensAndIsRefusedWhenRead() {
        #expect(file.info("position_ids")?.dtype == .i64)
        expectLoadError(.unsupportedDType, file: file.path, mentioning: "'position_ids' is I64") {
            _ = try file.floatTensor(name: "position_ids", expectedShape: [1, 4])
        }
    }

    @Test func floatsOfAnI8TensorPointsToDequantized() {
        expectLoadError(.unsupportedDType, file: file.path, mentioning: "_scale") {
            _ = try file.floats("i8.weight")
        }
    }

    @Test func int8AndDequantizedRefuseOtherDTypes() {
        expectLoadError(.unsupportedDType, file: file.path, mentioning: "'f32.matrix' is F32, not I8") {
            _ = try file.int8("f32.matrix")
        }
        expectLoadError(.unsupportedDType, file: file.path, mentioning: "'cube' is F32, not I8") {
            _ = try file.dequantized("cube")
        }
    }
}
