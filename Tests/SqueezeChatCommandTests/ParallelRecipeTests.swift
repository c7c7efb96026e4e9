import Foundation
import Testing

/// The GNU parallel recipe in examples/ writes what one `tag` process writes, byte for byte.
struct ParallelRecipeTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Whether `parallel` on PATH is GNU parallel (moreutils installs another program by that name).
    static var parallelInstalled: Bool {
        guard let folder = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/parallel") }) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(folder)/parallel")
        process.arguments = ["--version"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        let version = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return version.hasPrefix("GNU parallel")
    }

    @Test("examples/gnu-parallel.sh: blocks on two jobs, the same bytes as a single tag process",
          .enabled(if: parallelInstalled, "GNU parallel is not installed"))
    func byteIdentical() throws {
        let input = TagRecordsTests.mixedRecords(240)
        let binary = CommandTests.productsDirectory.appendingPathComponent("squeezechat").path
        let single = try TagRecordsTests.tag(["--input", "jsonl"], input: input)
        #expect(single.status == 0, "\(single.stderr)")

        let process = Process()
        process.executableURL = Self.repository.appendingPathComponent("examples/gnu-parallel.sh")
        var environment = ProcessInfo.processInfo.environment
        environment["SQUEEZECHAT_MODEL"] = nil
        // Small blocks, so that the input is cut into several jobs that finish out of order.
        environment.merge(["SQUEEZECHAT": binary, "JOBS": "2", "BLOCK": "4k"]) { $1 }
        process.environment = environment
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-parallel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputFile = folder.appendingPathComponent("in.jsonl"), outputFile = folder.appendingPathComponent("out.jsonl")
        try input.write(to: inputFile, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(input.utf8.count > 3 * 4096)
        let parallel = try String(contentsOf: outputFile, encoding: .utf8)
        #expect(parallel.split(separator: "\n").count == 240)
        #expect(parallel == single.stdout)
    }
}
