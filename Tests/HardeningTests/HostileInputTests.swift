import ChatEngine
import Foundation
import Testing

/// Whatever users paste, point `--model` at or write into an intent file gets a clean result:
/// an answer, or one line naming the file and the problem with a non-zero exit; never a crash,
/// a raw escape sequence on the terminal, or gigabytes allocated because a file said so.
@Suite struct HostileInputTests {
    static let bundledModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/DefaultModel/squeezechat-sentiment")

    static let texts: [(String, [UInt8])] = [
        ("empty", []),
        ("whitespace only", Array(" \t  \u{3000} ".utf8)),
        ("1 MB without a newline", Array(String(repeating: "all work and no play ", count: 50_000).utf8)),
        ("invalid UTF-8", [0x49, 0x20, 0xFF, 0xFE, 0x20, 0xC3, 0x28, 0x20, 0xE2, 0x82, 0x20, 0x6F, 0x6B]),
        ("NUL bytes", Array("I love\0 this\0\0 phone".utf8)),
        ("escape sequences", Array("I love \u{1B}[31mred\u{1B}[0m \u{1B}]0;owned\u{07} and \u{1B}[2J\u{9B}1m".utf8)),
        ("right-to-left and combining", Array("\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{202E}evil\u{202C} e\u{301}\u{301}\u{301}\u{301} Z\u{36B}\u{33F}\u{344}".utf8)),
        ("10,000 emoji", Array(String(repeating: "😀👍🏽👨‍👩‍👧", count: 3_334).utf8)),
    ]

    static func controls(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F..<0xA0).contains($0.value) }
    }

    @Test("ask answers every hostile text, streamed on standard input, with no control characters in its output",
          arguments: 0..<texts.count)
    func ask(_ index: Int) throws {
        let (name, bytes) = Self.texts[index]
        let run = try Binary.run(["ask"], input: String(decoding: bytes + [0x0A], as: UTF8.self), environment: Scratch().environment)
        #expect(run.status == 0, "\(name): \(run.stderr)")
        #expect(Self.controls(run.stdout).isEmpty, "\(name): \(run.stdout.debugDescription)")
    }

    @Test("tag --format table shows pasted control characters as symbols, never raw", arguments: [3, 4, 5, 6, 7])
    func tagTable(_ index: Int) throws {
        let (name, bytes) = Self.texts[index]
        let run = try Binary.run(["tag", "--format", "table"], input: String(decoding: bytes + [0x0A], as: UTF8.self))
        #expect(run.status == 0, "\(name): \(run.stderr)")
        #expect(Self.controls(run.stdout).isEmpty, "\(name): \(run.stdout.debugDescription)")
        if name == "escape sequences" { #expect(run.stdout.contains("␛[31mred␛[0m")) }
        if name == "NUL bytes" { #expect(run.stdout.contains("love␀ this␀␀ phone")) }
    }

    // MARK: model folders

    /// A copy of the bundled model with one thing broken; `weights` nil links the real weights.
    static func brokenModel(_ scratch: Scratch, config: ((inout [String: Any]) -> Void)? = nil, vocab: String? = nil,
                            weights: [UInt8]? = nil, omit: String? = nil) throws -> URL {
        let folder = scratch.url("model")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: bundledModel.appendingPathComponent("config.json"))) as! [String: Any]
        config?(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        let vocabulary = try vocab ?? String(contentsOf: bundledModel.appendingPathComponent("vocab.txt"), encoding: .utf8)
        try vocabulary.write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        if let weights {
            try Data(weights).write(to: folder.appendingPathComponent("model.safetensors"))
        } else {
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("model.safetensors"),
                                                       withDestinationURL: bundledModel.appendingPathComponent("model.safetensors"))
        }
        if let omit { try FileManager.default.removeItem(at: folder.appendingPathComponent(omit)) }
        return folder
    }

    /// A safetensors file with one tensor described by `entry` (JSON) over `data` bytes.
    static func safetensors(_ header: String, data: Int = 16) -> [UInt8] {
        let text = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(text.count).littleEndian) { Array($0) } + text + [UInt8](repeating: 0, count: data)
    }

    static let word = "transformer.embeddings.word_embeddings.weight"

    static let brokenModels: [(name: String, file: String, make: @Sendable (Scratch) throws -> URL)] = [
        ("missing folder", "nowhere", { $0.url("nowhere") }),
        ("missing vocab.txt", "vocab.txt", { try brokenModel($0, omit: "vocab.txt") }),
        ("truncated weights", "model.safetensors", { scratch in
            let real = try Data(contentsOf: bundledModel.appendingPathComponent("model.safetensors"))
            return try brokenModel(scratch, weights: [UInt8](real.prefix(real.count / 2)))
        }),
        ("header length of a petabyte", "model.safetensors", { try brokenModel($0, weights: [0, 0, 0, 0, 0, 0, 4, 0] + Array("{}".utf8)) }),
        ("header offsets past the end", "model.safetensors", {
            try brokenModel($0, weights: safetensors(#"{"\#(word)":{"dtype":"F32","shape":[2,2],"data_offsets":[0,1000000000000]}}"#))
        }),
        ("header shape of 10^18 elements", "model.safetensors", {
            try brokenModel($0, weights: safetensors(#"{"\#(word)":{"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,16]}}"#))
        }),
        ("header dtype that does not exist", "model.safetensors", {
            try brokenModel($0, weights: safetensors(#"{"\#(word)":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#))
        }),
        ("config claiming a billion hidden units", "config.json", {
            try brokenModel($0, config: { $0["hidden_size"] = 1_200_000_000; $0["intermediate_size"] = 4_800_000_000 })
        }),
        ("config with a vocabulary of 10^12", "expected [1000000000000, 384]", { try brokenModel($0, config: { $0["vocab_size"] = 1_000_000_000_000 }) }),
        ("config with a string for a number", "config.json", { try brokenModel($0, config: { $0["hidden_size"] = "384" }) }),
        ("config with negative layers", "config.json", { try brokenModel($0, config: { $0["num_hidden_layers"] = -3 }) }),
        ("group count that does not divide the channels", "config.json", { try brokenModel($0, config: { $0["q_groups"] = 5 }) }),
        ("vocabulary without [CLS]", "vocab.txt", { scratch in
            let vocab = try String(contentsOf: bundledModel.appendingPathComponent("vocab.txt"), encoding: .utf8)
            return try brokenModel(scratch, vocab: vocab.replacingOccurrences(of: "[CLS]\n", with: "[CLX]\n"))
        }),
        ("vocabulary longer than the embedding table", "vocab.txt", { scratch in
            let vocab = try String(contentsOf: bundledModel.appendingPathComponent("vocab.txt"), encoding: .utf8)
            return try brokenModel(scratch, vocab: vocab + (0..<100).map { "extra\($0)\n" }.joined())
        }),
    ]

    @Test("a broken model folder is one line naming the file and the problem, a non-zero exit, and under 100 MB",
          arguments: 0..<brokenModels.count)
    func brokenModelFolder(_ index: Int) throws {
        let scratch = try Scratch()
        let (name, file, make) = Self.brokenModels[index]
        let folder = try make(scratch)
        let run = try Spawned.run([Binary.url.path, "embed", "--model", folder.path, "hello"])
        #expect(run.status != 0, "\(name)")
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(name): one line expected, got \(run.stderr.debugDescription)")
        #expect(run.stderr.hasPrefix("squeezechat: ") && run.stderr.contains(file), "\(name): \(run.stderr)")
        #expect(run.peakMemoryKB < 100 * 1024, "\(name): peak memory \(run.peakMemoryKB) KB")
    }

    // MARK: intent files

    static let brokenIntents: [(name: String, text: String, line: Int?)] = [
        ("invalid YAML", "intents:\n  - name: a\n    examples: [x, y\n    responses: [z]\n", 4),
        ("invalid JSON", "{\"intents\": [\n  {\"name\": \"a\",\n   \"examples\": [\"x\"],,\n   \"responses\": [\"y\"]}\n]}\n", 3),
        ("empty intents", "intents: []\n", 1),
        ("an intent without examples", "intents:\n  - name: a\n    examples: []\n    responses: [y]\n", 3),
        ("duplicate names", "intents:\n  - name: a\n    examples: [x]\n    responses: [y]\n  - name: a\n    examples: [z]\n    responses: [w]\n", 5),
        ("a huge file with a mistake at the end",
         "intents:\n" + (0..<20_000).map { "  - name: i\($0)\n    examples: [example \($0)]\n    responses: [reply]\n" }.joined()
            + "  - name: last\n    examples: [x]\n", 60_002),
    ]

    @Test("a broken intent file is one line naming the file and the line, exit 1", arguments: 0..<brokenIntents.count)
    func brokenIntentFile(_ index: Int) throws {
        let (name, text, line) = Self.brokenIntents[index]
        let scratch = try Scratch()
        let folder = scratch.url("intents")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent(name.contains("JSON") ? "bot.json" : "bot.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try Binary.run(["ask", "--intents", folder.path, "hello"], environment: scratch.environment)
        #expect(run.status == 1, "\(name)")
        let expectedPrefix = "squeezechat: \(file.path)" + (line.map { ":\($0):" } ?? ":")
        #expect(run.stderr.hasPrefix(expectedPrefix), "\(name): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(name): \(run.stderr)")
    }

    // MARK: caches

    @Test("a cache file whose count would overflow the size check is rejected, not trapped on")
    func forgedCacheCount() {
        var bytes = CacheReaders.encode([1, 2, 3, 4, 5, 6], key: 4, embeddings: true)
        #expect(CacheReaders.embeddingEntries(in: Data(bytes), dimensions: 4) == 1)
        // Count 2^62 + 6: times four it wraps to 24, the size of the six values really there.
        let count: UInt64 = 1 << 62 + 6
        withUnsafeBytes(of: count.littleEndian) { bytes.replaceSubrange(16..<24, with: $0) }
        let body = bytes.count - 8
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes[0..<body] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        withUnsafeBytes(of: hash.littleEndian) { bytes.replaceSubrange(body..., with: $0) }
        #expect(CacheReaders.embeddingEntries(in: Data(bytes), dimensions: 4) == nil)
        #expect(CacheReaders.classifierValues(in: Data(CacheReaders.encode([0.5, 0.9, -1, 0, 0], key: 9, embeddings: false)),
                                              key: 9, dimensions: 1, classes: 1) == 2)
    }
}

/// A child process run under GNU time for its peak memory (maximum resident set). Not wait4's
/// own figure: posix_spawn's child starts in the parent's address space, and Linux carries that
/// address space's high-water mark (the whole test process's) into the child's maximum.
enum Spawned {
    struct Run {
        let status: Int32
        let stderr: String
        let peakMemoryKB: Int
    }

    static func run(_ command: [String]) throws -> Run {
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("spawned-\(UUID().uuidString)")
        let memory = capture.appendingPathExtension("rss")
        defer { try? FileManager.default.removeItem(at: capture); try? FileManager.default.removeItem(at: memory) }
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "GNU time is required: apt-get install time")
        let argv = ["/usr/bin/time", "-f", "%M", "-o", memory.path] + command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, capture.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, arguments, environ)
        guard spawned == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let stderr = (try? String(contentsOf: capture, encoding: .utf8)) ?? ""
        let report = (try? String(contentsOf: memory, encoding: .utf8)) ?? ""
        let peak = report.split(separator: "\n").last.flatMap { Int($0) } ?? Int.max
        let exited = status & 0x7f == 0
        return Run(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stderr: stderr, peakMemoryKB: peak)
    }
}
