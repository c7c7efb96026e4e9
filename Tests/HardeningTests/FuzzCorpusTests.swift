import FuzzTargets
import Foundation
import Testing

/// The fuzzers' committed inputs, replayed through the same entry points the libFuzzer binary
/// calls: the hand-made seeds (fuzz/corpus) and every input a fuzzer once crashed on
/// (fuzz/regressions). Deterministic and fast: it replays, it does not fuzz.
@Suite struct FuzzCorpusTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz")

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let folder = fuzzFolder.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test("every target has seeds, and each replays without a crash", arguments: FuzzTarget.allCases)
    func seeds(_ target: FuzzTarget) throws {
        let files = Self.inputs("corpus", target)
        #expect(files.count >= 3, "fuzz/corpus/\(target.rawValue) has \(files.count) seeds")
        for file in files { target.run([UInt8](try Data(contentsOf: file))) }
    }

    @Test("the inputs fuzzing once crashed on replay cleanly", arguments: FuzzTarget.allCases)
    func regressions(_ target: FuzzTarget) throws {
        for file in Self.inputs("regressions", target) { target.run([UInt8](try Data(contentsOf: file))) }
    }
}
