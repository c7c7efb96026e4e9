import Foundation
import Testing

/// The app's own files survive a kill in the middle of a write: the binary is paused by the
/// test-only hook (SQUEEZECHAT_TEST_PAUSE_BEFORE_RENAME) with the new contents complete in a
/// temporary file but not yet renamed into place, killed with SIGKILL there, and the old file must
/// still be whole; the next run then writes the new one.
@Suite struct KilledWriteTests {
    static let intents = """
        intents:
          - name: greeting
            examples: [hi, hello there, good morning]
            responses: ["Hello!"]
          - name: weather
            examples: [is it raining, what is the weather]
            responses: ["I cannot see outside."]
        """

    @Test("a /save killed before its rename leaves the old transcript whole")
    func transcript() throws {
        let scratch = try Scratch()
        let saved = scratch.url("chat.md")
        try Data("OLD TRANSCRIPT\n".utf8).write(to: saved)
        let input = "hello\n/save \(saved.path)\n"
        try Binary.runUntilPaused(["chat"], input: input, pausing: "chat.md", marker: saved, scratch: scratch)
        #expect(try String(contentsOf: saved, encoding: .utf8) == "OLD TRANSCRIPT\n")
        // The new contents were complete in the temporary file: only the rename was missing.
        let leftovers = try scratch.files().filter { $0.hasPrefix(".chat.md.tmp-") }
        #expect(leftovers.count == 1)
        if let leftover = leftovers.first {
            #expect(try String(contentsOf: scratch.url(leftover), encoding: .utf8).contains("**you:** hello"))
        }
        let run = try Binary.run(["chat"], input: input, environment: scratch.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOf: saved, encoding: .utf8).contains("**you:** hello"))
        // The killed writer's temporary file is cleared away by the next write of the same file.
        #expect(try scratch.files().filter { $0.hasPrefix(".chat.md.tmp-") }.isEmpty)
    }

    @Test("a cache rewrite killed before its rename leaves the old cache whole and trusted")
    func embeddingCache() throws {
        let scratch = try Scratch()
        let intents = scratch.url("intents")
        try FileManager.default.createDirectory(at: intents, withIntermediateDirectories: true)
        try Self.intents.write(to: intents.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let arguments = ["ask", "--intents", intents.path, "hello there"]
        var run = try Binary.run(arguments, environment: scratch.environment)
        #expect(run.status == 0, "\(run.stderr)")
        let cache = scratch.url("cache/squeezechat")
        let embeddings = try #require(try scratch.files(in: cache).first { $0.hasPrefix("embeddings-") })
        let before = try Data(contentsOf: cache.appendingPathComponent(embeddings))

        // A new example makes the embedding cache dirty, so this start rewrites it.
        try (Self.intents + "\n  - name: thanks\n    examples: [thank you]\n    responses: [\"You're welcome.\"]\n")
            .write(to: intents.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try Binary.runUntilPaused(arguments, pausing: "embeddings-", marker: cache.appendingPathComponent(embeddings),
                                  scratch: scratch)
        #expect(try Data(contentsOf: cache.appendingPathComponent(embeddings)) == before)

        run = try Binary.run(arguments, environment: scratch.environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("cache"), "the old cache is read without complaint: \(run.stderr)")
        #expect(try Data(contentsOf: cache.appendingPathComponent(embeddings)) != before)
        #expect(try scratch.files(in: cache).filter { $0.contains(".tmp-") }.isEmpty,
                "the killed writer's temporary file is cleared away by the next write")
    }
}

/// A temporary folder, removed when the test ends, that also holds the run's cache and state.
final class Scratch {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-hardening-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: root) }

    func url(_ name: String) -> URL { root.appendingPathComponent(name) }
    func files(in folder: URL? = nil) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: (folder ?? root).path) }

    var environment: [String: String] {
        ["XDG_CACHE_HOME": url("cache").path, "XDG_STATE_HOME": url("state").path, "SQUEEZECHAT_MODEL": ""]
    }
}

/// The built `squeezechat` binary.
enum Binary {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var url: URL { Bundle.main.bundleURL.appendingPathComponent("squeezechat") }

    static func process(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value.isEmpty ? nil : value }
        process.environment = env
        return process
    }

    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Run {
        let process = process(arguments, environment: environment)
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        inp.fileHandleForWriting.write(Data(input.utf8))
        try inp.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs with the pause hook on for files whose name starts with `pausing`, waits until the
    /// writer of `marker` is paused between its write and its rename, and kills it there.
    static func runUntilPaused(_ arguments: [String], input: String = "", pausing prefix: String, marker target: URL,
                               scratch: Scratch) throws {
        var environment = scratch.environment
        environment["SQUEEZECHAT_TEST_PAUSE_BEFORE_RENAME"] = prefix
        let process = process(arguments, environment: environment)
        let inp = Pipe()
        process.standardInput = inp
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        inp.fileHandleForWriting.write(Data(input.utf8))
        let marker = target.path + ".paused-before-rename"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: marker), process.isRunning, Date() < deadline {
            usleep(20_000)
        }
        let paused = FileManager.default.fileExists(atPath: marker)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? inp.fileHandleForWriting.close()
        try? FileManager.default.removeItem(atPath: marker)
        #expect(paused, "the writer never paused before renaming \(target.lastPathComponent)")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
    }
}
