import Foundation
import Testing

/// `squeezechat validate` end to end on small folders written here: errors exit 1, warnings 0,
/// every problem one `FILE:LINE: problem` line, `--json` for tools; and the chat's start-up line.
struct ValidateTests {
    func squeezechat(_ arguments: [String], input: String? = nil) throws -> CommandTests.Run {
        try CommandTests().squeezechat(arguments, input: input)
    }

    /// A folder holding `files` (name: text); removed by the caller.
    func folder(_ files: [String: String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return url
    }

    /// An intent with `count` distinct examples made from `stem`, and three responses.
    func intent(_ name: String, _ stem: String, count: Int = 12, extra: [String] = [], responses: [String]? = nil) -> String {
        let examples = (0..<count).map { "\(stem) number \($0)" } + extra
        let replies = responses ?? ["\(name) one.", "\(name) two.", "\(name) three."]
        return "  - name: \(name)\n    examples:\n" + examples.map { "      - \($0)\n" }.joined()
            + "    responses:\n" + replies.map { "      - \"\($0)\"\n" }.joined()
    }

    static let outOfScope = "out_of_scope:\n  examples: [what is the capital of peru, write me a poem]\n  responses: [\"I can't.\"]\n"

    @Test("the same example under two intents is an error at its line, naming the other; exit 1")
    func duplicateExampleIsAnError() throws {
        let text = "intents:\n" + intent("greet", "hello there") + intent("leave", "goodbye now", extra: ["Hello there number 3!"])
        let url = try folder(["bot.yaml": text + Self.outOfScope])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try squeezechat(["validate", "--cheap", "--intents", url.path])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let file = url.appendingPathComponent("bot.yaml").path
        // greet's examples are lines 4-15; leave's block starts at line 20, its extra example is line 34.
        #expect(run.stdout.contains("\(file):34: example \"Hello there number 3!\" of intent \"leave\" is also an example of intent \"greet\" at \(file):7\n"),
                "\(run.stdout)")
        #expect(run.stdout.hasSuffix("\(url.path): 1 error, 0 warnings\n"), "\(run.stdout)")
    }

    @Test("an out-of-scope example that is also an intent's example is an error too")
    func outOfScopeDuplicateIsAnError() throws {
        let text = "intents:\n" + intent("greet", "hello there")
            + "out_of_scope:\n  examples: [hello there number 0]\n  responses: [\"I can't.\"]\n"
        let url = try folder(["bot.yaml": text])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try squeezechat(["validate", "--cheap", "--intents", url.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("bot.yaml:21: example \"hello there number 0\" of out_of_scope is also an example of intent \"greet\""),
                "\(run.stdout)")
    }

    @Test("warnings (few examples, repeated example and response) exit 0, each FILE:LINE: warning:")
    func warningsExitZero() throws {
        let text = "intents:\n" + intent("greet", "hello there", count: 5, extra: ["hello there number 1"],
                                         responses: ["Hi.", "Hi.", "Hello."])
            + intent("leave", "goodbye now")
        let url = try folder(["bot.yaml": text + Self.outOfScope])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try squeezechat(["validate", "--cheap", "--intents", url.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let file = url.appendingPathComponent("bot.yaml").path
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(file):9: warning: example \"hello there number 1\" is repeated (first at \(file):5)",
            "\(file):12: warning: response \"Hi.\" is repeated in \"responses\" (first at \(file):11)",
            "\(file):2: warning: intent \"greet\" has 6 examples; 12 or more teach it better",
            "\(url.path): 0 errors, 3 warnings",
        ], "\(run.stdout)")
    }

    @Test("a file the chat would refuse is an error with its line; --json gives the same for tools")
    func loaderErrorsAndJSON() throws {
        let url = try folder(["bot.yaml": "intents:\n  - name: greet\n    examples: [hi]\n    replies: [Hello]\n"])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try squeezechat(["validate", "--cheap", "--intents", url.path])
        #expect(run.status == 1)
        #expect(run.stdout.hasPrefix("\(url.path)/bot.yaml:4: unknown key \"replies\""), "\(run.stdout)")
        let json = try squeezechat(["validate", "--cheap", "--json", "--intents", url.path])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 1 && object["warnings"] as? Int == 0)
        let issue = try #require((object["issues"] as? [[String: Any]])?.first)
        #expect(issue["severity"] as? String == "error" && issue["check"] as? String == "file")
        #expect(issue["line"] as? Int == 4 && (issue["file"] as? String)?.hasSuffix("bot.yaml") == true)
    }

    @Test("with the model: near-duplicate examples of two intents are shown as a pair; the built-in set has no errors")
    func embeddingChecks() throws {
        let text = "intents:\n" + intent("tagging", "how do i tag", extra: ["how do i use the tag command"])
            + intent("helping", "what commands are there", extra: ["how do i use the tag command please"])
        let url = try folder(["bot.yaml": text + Self.outOfScope])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try squeezechat(["validate", "--json", "--intents", url.path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let issues = try #require(object["issues"] as? [[String: Any]])
        let pair = try #require(issues.first { $0["check"] as? String == "near-duplicate" }, "\(issues)")
        let problem = try #require(pair["problem"] as? String)
        #expect(problem.contains("\"how do i use the tag command please\" (helping)") && problem.contains("\"how do i use the tag command\" (tagging"),
                "\(problem)")
        #expect(pair["line"] as? Int == 35 && pair["severity"] as? String == "warning")

        let builtIn = try squeezechat(["validate"])
        #expect(builtIn.status == 0, "\(builtIn.stdout)")
        #expect(builtIn.stdout.contains(": 0 errors, "))
    }

    @Test("the chat says in one line when a folder of the user's own has problems")
    func chatStartUpLine() throws {
        let text = "intents:\n" + intent("greet", "hello there", count: 5) + intent("leave", "goodbye now")
        let url = try folder(["bot.yaml": text + Self.outOfScope])
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try squeezechat(["chat", "--no-cache", "--intents", url.path], input: "hello there number 1\n")
        #expect(run.status == 0)
        #expect(run.stderr == "squeezechat: \(url.path): 0 errors and 1 warning in the intent files; squeezechat validate --intents \(url.path) lists them\n",
                "\(run.stderr)")
        let clean = try squeezechat(["chat", "--no-cache"], input: "hello\n")
        #expect(clean.stderr.isEmpty, "\(clean.stderr)")
    }
}
