import Foundation
import Testing

/// Runs the built `squeezechat` binary with the bundled model on small hand-written fixtures.
struct CommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A temporary intents folder whose bot.yaml lacks "responses" (line 2), and the error it must give.
    static func brokenIntentsFolder() throws -> (folder: URL, message: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "intents:\n  - name: hi\n    examples: [hello]\n".write(to: folder.appendingPathComponent("bot.yaml"),
                                                                      atomically: true, encoding: .utf8)
        return (folder, "squeezechat: \(folder.path)/bot.yaml:2: intent \"hi\": missing \"responses\"\n")
    }

    /// The directory holding the test bundle, where SwiftPM also puts the executables.
    static var productsDirectory: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        #endif
        return Bundle.main.bundleURL
    }

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func squeezechat(_ arguments: [String], input: String? = nil, environment: [String: String] = [:],
                     directory: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = Self.productsDirectory.appendingPathComponent("squeezechat")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["SQUEEZECHAT_MODEL"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    func rows(_ jsonl: String) throws -> [[String: Any]] {
        try jsonl.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test("tag --format jsonl: one row per sentence with the right labels and probabilities")
    func tagJSONL() throws {
        let run = try squeezechat(["tag", "--format", "jsonl", Self.fixtures.appendingPathComponent("reviews.txt").path])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try rows(run.stdout)
        #expect(rows.map { $0["text"] as? String } == [
            "The soup was superb and the staff were lovely.", "I would happily come back every week!",
            "My order arrived broken and the support team was rude and useless.",
        ])
        #expect(rows.map { $0["label"] as? String } == ["positive", "positive", "negative"])
        for row in rows {
            let probabilities = try #require(row["probabilities"] as? [String: Double])
            #expect(Set(probabilities.keys) == ["negative", "positive"])
            #expect(abs(probabilities.values.reduce(0, +) - 1) < 1e-4)
            #expect((row["score"] as? Double).map { $0 >= 0.5 && $0 <= 1 } == true)
        }
    }

    @Test("tag reads standard input by line and writes plain tsv and table when not a terminal")
    func tagFormats() throws {
        let input = "I love it.\nI hate it.\n"
        let tsv = try squeezechat(["tag", "--by", "line", "--format", "tsv"], input: input)
        #expect(tsv.status == 0)
        let lines = tsv.stdout.split(separator: "\n")
        #expect(lines.first == "text\tlabel\tscore\tp_negative\tp_positive\twindows")
        #expect(lines.dropFirst().map { $0.split(separator: "\t")[1] } == ["positive", "negative"])
        let table = try squeezechat(["tag"], input: input)
        #expect(table.status == 0)
        #expect(!table.stdout.contains("\u{1B}["))  // no colour into a pipe
        #expect(table.stdout.split(separator: "\n").count == 2)
    }

    @Test("tag replaces invalid UTF-8 instead of failing")
    func invalidUTF8() throws {
        let run = try squeezechat(["tag", "--format", "jsonl", Self.fixtures.appendingPathComponent("invalid-utf8.txt").path])
        #expect(run.status == 0)
        let text = try #require(try rows(run.stdout).first?["text"] as? String)
        #expect(text.contains("\u{FFFD}") && text.hasSuffix("truly great."))
    }

    @Test("tag --by document reports texts longer than the window")
    func longDocument() throws {
        let long = String(repeating: "The acting was wonderful and the story kept me gripped. ", count: 40)
        let run = try squeezechat(["tag", "--by", "document", "--format", "jsonl"], input: long)
        #expect(run.status == 0)
        let row = try #require(try rows(run.stdout).first)
        #expect((row["windows"] as? Int).map { $0 > 1 } == true)
        #expect(row["label"] as? String == "positive")
        #expect(run.stderr.contains("overlapping windows"))
    }

    @Test("A missing file is one line and exit 1")
    func missingFile() throws {
        let run = try squeezechat(["tag", "/nonexistent/reviews.txt"])
        #expect(run.status == 1)
        #expect(run.stderr == "squeezechat: /nonexistent/reviews.txt: no such file\n")
        #expect(run.stdout.isEmpty)
    }

    @Test("eval sentiment on a binary file: positive-vs-negative accuracy, F1 and confusion")
    func evalBinary() throws {
        let run = try squeezechat(["eval", "sentiment", "--data", Self.fixtures.appendingPathComponent("binary.tsv").path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(json["n"] as? Int == 4)
        #expect(json["accuracy"] as? Double == 1)
        #expect(json["macro_f1"] as? Double == 1)
        #expect(json["confusion"] as? [[Int]] == [[2, 0], [0, 2]])
        let text = try squeezechat(["eval", "sentiment", "--data", Self.fixtures.appendingPathComponent("binary.tsv").path])
        #expect(text.stdout.contains("accuracy  1.0000") && text.stdout.contains("confusion"))
    }

    @Test("eval sentiment on a three-way file: the confusion matrix counts gold labels against the labels tag gives")
    func evalThreeWay() throws {
        let file = Self.fixtures.appendingPathComponent("three-way.tsv")
        let run = try squeezechat(["eval", "sentiment", "--data", file.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let labels = ["negative", "neutral", "positive"]
        #expect(json["n"] as? Int == 7)
        #expect(json["labels"] as? [String] == labels)
        let confusion = try #require(json["confusion"] as? [[Int]])
        // Counted by hand (rows gold, columns predicted): the model calls the thank-you neutral and
        // the lukewarm film negative; the other five rows are right.
        #expect(confusion == [[2, 0, 0], [1, 1, 0], [0, 1, 2]])
        #expect(json["accuracy"] as? Double == 5.0 / 7)
        // F1 per label: negative 4/5 (precision 2/3, recall 1), neutral 1/2, positive 4/5.
        #expect(abs(try #require(json["macro_f1"] as? Double) - 7.0 / 10) < 1e-12)

        // The same matrix, counted here from the labels `tag` gives the same sentences.
        let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let tag = try squeezechat(["tag", "--by", "line", "--format", "jsonl"], input: rows.map { $0[0] }.joined(separator: "\n") + "\n")
        let predicted = try self.rows(tag.stdout).map { $0["label"] as? String ?? "" }
        #expect(predicted.count == rows.count, "\(tag.stderr)")
        var expected = [[Int]](repeating: [0, 0, 0], count: 3)
        for (row, label) in zip(rows, predicted) {
            expected[try #require(labels.firstIndex(of: row[1]))][try #require(labels.firstIndex(of: label), "\(row[0])")] += 1
        }
        #expect(confusion == expected)
    }

    @Test("Malformed rows fail with the file and line number", arguments: [
        ("malformed.tsv", ":3: expected sentence<TAB>label, found no tab"),
        ("bad-label.tsv", ":2: label \"maybe\" is not 0, 1, negative, neutral or positive"),
    ])
    func malformed(_ file: String, _ message: String) throws {
        let path = Self.fixtures.appendingPathComponent(file).path
        let run = try squeezechat(["eval", "sentiment", "--data", path])
        #expect(run.status == 1)
        #expect(run.stderr == "squeezechat: \(path)\(message)\n")
    }

    @Test("--model and SQUEEZECHAT_MODEL override the bundled model")
    func modelOverride() throws {
        let run = try squeezechat(["tag", "--model", "/nonexistent/model"], input: "hi\n")
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("squeezechat: ") && run.stderr.contains("/nonexistent/model"))
        let env = try squeezechat(["tag"], input: "hi\n", environment: ["SQUEEZECHAT_MODEL": "/nonexistent/env-model"])
        #expect(env.status == 1 && env.stderr.contains("/nonexistent/env-model"))
    }
}
