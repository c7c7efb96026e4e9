import Foundation
import Testing

/// `squeezechat tag --input jsonl|csv|tsv` end to end: records pass through with their result
/// added, in input order, and records that cannot be read are reported by line.
struct TagRecordsTests {
    /// Runs the binary with `input` and its standard error in files, so that no pipe can fill up.
    static func tag(_ arguments: [String], input: String) throws -> CommandTests.Run {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-tag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputFile = folder.appendingPathComponent("in"), errorFile = folder.appendingPathComponent("err")
        try input.write(to: inputFile, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = CommandTests.productsDirectory.appendingPathComponent("squeezechat")
        process.arguments = ["tag"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SQUEEZECHAT_MODEL"] = nil
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = try FileHandle(forReadingFrom: inputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandTests.Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                                stderr: try String(contentsOf: errorFile, encoding: .utf8))
    }

    static func object(_ line: some StringProtocol) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    }

    @Test("JSONL: every other field is passed through as written, unicode included, and the result is added")
    func jsonlPassThrough() throws {
        let input = [
            #"{"id": 17, "text": "The staff were lovely and the food superb.", "meta": {"stars": 5.0, "tags": ["a", "b"]}, "price": 1.50e2, "note": null}"#,
            #"{"ид":"ü","text":"Le service était nul, je suis furieux. 😡 Terrible, awful, never again.","x":"\u00e9\n"}"#,
            #"  {"text":"", "id":3}  "#,
        ].joined(separator: "\n") + "\n"
        let run = try Self.tag(["--input", "jsonl", "--text-field", "text"], input: input)
        #expect(run.status == 0, "\(run.stderr)")
        let outputs = Self.lines(run.stdout)
        try #require(outputs.count == 3)
        let inputs = input.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for (output, original) in zip(outputs, inputs) {
            // The record's own text up to its closing brace, byte for byte, then the added keys.
            #expect(output.hasPrefix(original.dropLast() + ","), "\(output)")
            #expect(output.hasSuffix("}"))
        }
        let first = try Self.object(outputs[0])
        #expect(first["id"] as? Int == 17)
        let sentiment = try #require(first["sentiment"] as? [String: Any])
        #expect(sentiment["label"] as? String == "positive")
        let probabilities = try #require(sentiment["probabilities"] as? [String: Double])
        #expect(Set(probabilities.keys) == ["negative", "positive"])
        #expect(sentiment["score"] as? Double == probabilities["positive"])
        #expect(first["error"] == nil && first["sentences"] == nil)
        let second = try Self.object(outputs[1])
        #expect(second["ид"] as? String == "ü" && second["x"] as? String == "é\n")
        #expect((second["sentiment"] as? [String: Any])?["label"] as? String == "negative")
        let third = try Self.object(outputs[2])
        #expect(third["sentiment"] is NSNull && third["error"] as? String == "empty text")
    }

    @Test("JSONL --by sentence: the document's result and each sentence's inside the record")
    func jsonlSentences() throws {
        let input = #"{"id":1,"text":"The screen is gorgeous. But the battery died after an hour!"}"# + "\n"
        let run = try Self.tag(["--input", "jsonl", "--by", "sentence"], input: input)
        #expect(run.status == 0, "\(run.stderr)")
        let record = try Self.object(try #require(Self.lines(run.stdout).first))
        let sentences = try #require(record["sentences"] as? [[String: Any]])
        #expect(sentences.map { $0["text"] as? String } == ["The screen is gorgeous.", "But the battery died after an hour!"])
        #expect(sentences.map { $0["label"] as? String } == ["positive", "negative"])
        #expect(record["sentiment"] is [String: Any])
    }

    /// A CSV file whose fields hold the delimiter, doubled quotes and line breaks inside quotes.
    static let csv = #"""
        id,text,source
        1,"Lovely staff, great food, will return",web
        2,"He said ""never again""
        and he meant it: cold, rude and slow.","email, forwarded"
        3,"",app
        4,Plain and simple: a wonderful evening,"quoted ""source"""

        """#

    @Test("CSV: quoted commas, quotes and line breaks are read as RFC 4180 says and the input columns are written back as read")
    func csvQuoting() throws {
        let run = try Self.tag(["--input", "csv", "--text-column", "text", "--format", "csv"], input: Self.csv)
        #expect(run.status == 0, "\(run.stderr)")
        // Each input record as read, then its result columns.
        let expected = [
            "id,text,source,label,score,p_negative,p_positive,windows,error",
            #"1,"Lovely staff, great food, will return",web,"# + Self.resultColumns(run, 1),
            "2,\"He said \"\"never again\"\"",
            #"and he meant it: cold, rude and slow.","email, forwarded","# + Self.resultColumns(run, 3),
            #"3,"",app,,,,,,empty text"#,
            "4,Plain and simple: a wonderful evening,\"quoted \"\"source\"\"\"," + Self.resultColumns(run, 5),
        ]
        #expect(Self.lines(run.stdout).count == expected.count)
        for (line, expected) in zip(Self.lines(run.stdout), expected) { #expect(line == expected) }
        #expect(Self.resultColumns(run, 1).hasPrefix("positive,0.9"))
        #expect(Self.resultColumns(run, 3).hasPrefix("negative,0.9"))
        #expect(Self.resultColumns(run, 5).hasPrefix("positive,0.9"))
        #expect(Self.resultColumns(run, 1).hasSuffix(",1,"))

        // The same records as JSON: the fields decoded, the text whole.
        let jsonl = try Self.tag(["--input", "csv", "--format", "jsonl"], input: Self.csv)
        #expect(jsonl.status == 0, "\(jsonl.stderr)")
        let records = try Self.lines(jsonl.stdout).map(Self.object)
        #expect(records.map { $0["id"] as? String } == ["1", "2", "3", "4"])
        #expect(records[1]["text"] as? String == "He said \"never again\"\nand he meant it: cold, rude and slow.")
        #expect(records[1]["source"] as? String == "email, forwarded")
        #expect(records[3]["source"] as? String == "quoted \"source\"")
        #expect(records.map { ($0["sentiment"] as? [String: Any])?["label"] as? String } == ["positive", "negative", nil, "positive"])
    }

    /// The last six columns of output line `index`: label, score, the two probabilities, windows, error.
    static func resultColumns(_ run: CommandTests.Run, _ index: Int) -> String {
        lines(run.stdout)[index].split(separator: ",", omittingEmptySubsequences: false).suffix(6).joined(separator: ",")
    }

    @Test("TSV in, TSV out: the header, the input columns and the result columns")
    func tsv() throws {
        let input = "text\tid\nA delight from start to finish.\t1\nDreadful, avoid.\t2\n"
        let run = try Self.tag(["--input", "tsv"], input: input)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = Self.lines(run.stdout).map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.map(\.count) == [8, 8, 8])
        #expect(rows[0].prefix(4) == ["text", "id", "label", "score"])
        #expect(rows.dropFirst().map { "\($0[1]) \($0[2])" } == ["1 positive", "2 negative"])
    }

    @Test("records that cannot be read: FILE:LINE on standard error, left out, exit 1; the rest are written")
    func badRecords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-records-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let jsonl = folder.appendingPathComponent("in.jsonl")
        try """
            {"id":1,"text":"Great."}
            {"id":2,"text":"Missing brace"

            {"id":3,"body":"no text field"}
            [1, 2]
            {"id":4,"text":42}
            {"id":5,"text":null}
            {"id":6,"text":"Awful.","sentiment":"already there"}
            {"id":7,"text":"Bad."}

            """.write(to: jsonl, atomically: true, encoding: .utf8)
        let run = try Self.tag(["--input", "jsonl", jsonl.path], input: "")
        #expect(run.status == 1)
        #expect(Self.lines(run.stdout).map { try? Self.object($0)["id"] as? Int } == [1, 5, 7])
        #expect(run.stderr == """
            squeezechat: \(jsonl.path):2: not valid JSON
            squeezechat: \(jsonl.path):4: no "text" field
            squeezechat: \(jsonl.path):5: not a JSON object
            squeezechat: \(jsonl.path):6: "text" is not a string
            squeezechat: \(jsonl.path):8: the record already has a "sentiment" field, which tag adds
            squeezechat: 5 records could not be read and were left out

            """)

        let csv = "id,text\n1,Fine.\n2,\"one\",\"too many\"\n3,\"multi\nline\" x\n4,Good.\n5,\"never closed\n"
        let rows = try Self.tag(["--input", "csv"], input: csv)
        #expect(rows.status == 1)
        #expect(Self.lines(rows.stdout).map { $0.prefix(2) } == ["id", "1,", "4,"])
        #expect(rows.stderr == """
            squeezechat: <stdin>:3: expected 2 fields as in the header, found 3
            squeezechat: <stdin>:5: a quoted field is followed by " " instead of a delimiter or the end of the line
            squeezechat: <stdin>:7: a quoted field is not closed before the end of the input
            squeezechat: 3 records could not be read and were left out

            """)

        let noColumn = try Self.tag(["--input", "csv", "--text-column", "review"], input: csv)
        #expect(noColumn.status == 1 && noColumn.stdout.isEmpty)
        #expect(noColumn.stderr == "squeezechat: <stdin>:1: no column \"review\" in the header (columns: \"id\", \"text\")\n")
    }

    /// Records of very different lengths, so that the window's batches are sorted out of input order.
    static func mixedRecords(_ count: Int) -> String {
        let texts = [
            "Great.", "Terrible, slow and rude; I will not be back.", "ok",
            "The room was clean, the view was wonderful and breakfast was the best we had on the whole trip.",
            "Meh.", "It broke after two days and support never answered a single one of my emails.",
        ]
        return (0..<count).map { "{\"id\":\($0),\"text\":\(JSONString(texts[($0 * 7) % texts.count] + " #\($0)"))}" }
            .joined(separator: "\n") + "\n"
    }

    static func JSONString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    @Test("--threads 2 writes records in input order, byte for byte as one thread does")
    func orderWithThreads() throws {
        let input = Self.mixedRecords(150)
        // Batches of 2 make windows of 32 texts: several windows, each sorted by length.
        let two = try Self.tag(["--input", "jsonl", "--threads", "2", "--batch-size", "2"], input: input)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(try Self.lines(two.stdout).map { try Self.object($0)["id"] as? Int } == Array(0..<150))
        let one = try Self.tag(["--input", "jsonl", "--threads", "1"], input: input)
        #expect(one.status == 0)
        #expect(one.stdout == two.stdout)
    }

    @Test("a text's label and printed score do not depend on the batch it was encoded in")
    func batchIndependence() throws {
        let probe = "The plot dragged, but the ending made up for it."
        let alone = try Self.tag(["--by", "line", "--format", "tsv"], input: probe + "\n")
        #expect(alone.status == 0)
        // The same text among shorter and longer ones, in one batch and in batches of 3.
        let others = [
            "Bad.", "Wonderful!", "I expected far more from a place with such glowing reviews, and left disappointed and hungry.",
            "Fine.", "An absolute masterpiece of acting, writing and direction that I will watch again and again.",
        ]
        let mixed = (others.prefix(2) + [probe] + others.dropFirst(2)).joined(separator: "\n") + "\n"
        for batchSize in ["32", "3", "1"] {
            let run = try Self.tag(["--by", "line", "--format", "tsv", "--batch-size", batchSize], input: mixed)
            #expect(run.status == 0)
            let row = Self.lines(run.stdout).first { $0.hasPrefix(probe + "\t") }
            #expect(row == Self.lines(alone.stdout).last, "batch size \(batchSize)")
        }
    }

    @Test("plain text with --format csv: the text quoted where it must be")
    func plainCSV() throws {
        let run = try Self.tag(["--by", "line", "--format", "csv"], input: "Good, \"really\" good.\n")
        #expect(run.status == 0)
        #expect(Self.lines(run.stdout).first == "text,label,score,p_negative,p_positive,windows")
        #expect(Self.lines(run.stdout).last?.hasPrefix("\"Good, \"\"really\"\" good.\",positive,") == true)
    }

    @Test("options that do not fit the input are usage errors", arguments: [
        (["--input", "jsonl", "--format", "csv"], "--input jsonl writes jsonl"),
        (["--input", "csv", "--by", "line"], "--by line reads plain text"),
        (["--input", "csv", "--by", "sentence"], "--by sentence nests sentences"),
        (["--input", "tsv", "--format", "table"], "--format table is for plain text"),
        (["--text-field", "body"], "--text-field goes with --input jsonl"),
        (["--threads", "0"], "--threads must be at least 1"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let run = try Self.tag(arguments, input: "")
        #expect(run.status == 64)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }
}
