// Shared helpers for the safetensors tests: where the golden fixtures are, scratch folders
// for files built inside a test, a raw-file builder for corrupt inputs, and exact comparison.
import Foundation
import Testing
@testable import SqueezeBERT

/// The folder holding the files `tools/make_safetensors_fixtures.py` writes.
let safetensorsFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("Fixtures/safetensors")

/// Path of fixture `name` in `safetensorsFixtures`.
func safetensorsFixture(_ name: String) -> String {
    safetensorsFixtures.appendingPathComponent(name).path
}

/// A fresh folder under the system temporary directory; call `remove()` when done.
struct TemporaryFolder {
    /// The folder's path.
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("squeezechat-safetensors-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to file `name` in the folder and returns its path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A `.safetensors` file with header text `header` (unpadded) followed by `data`.
func safetensorsBytes(header: String, data: [UInt8] = []) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: header.utf8)
    bytes.append(contentsOf: data)
    return bytes
}

/// Expects `body` to throw a `ModelLoadError` of `kind` about `file` whose problem mentions `words`.
func expectLoadError(
    _ kind: ModelLoadError.Kind, file: String, mentioning words: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    let error = #expect(throws: ModelLoadError.self, sourceLocation: sourceLocation) { try body() }
    guard let error else { return }
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    #expect(error.file == file, sourceLocation: sourceLocation)
    #expect(error.problem.contains(words), "\(error)", sourceLocation: sourceLocation)
    #expect(error.description.hasPrefix(file + ": "), sourceLocation: sourceLocation)
}

/// Whether `a` and `b` hold the same Floats bit for bit (so -0 differs from 0), any NaN matching any NaN.
func identical(_ a: [Float], _ b: [Float]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || $0.bitPattern == $1.bitPattern }
}
