import Foundation
import Testing
@testable import ChatEngine

struct IntentLoaderTests {
    func expectError(_ yaml: String, line: Int?, _ fragment: String) {
        do {
            _ = try IntentLoader.parse(yaml, file: "bot.yaml")
            Issue.record("accepted: \(yaml)")
        } catch let error as IntentFileError {
            #expect(error.file == "bot.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.problem.contains(fragment), "\(error)")
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func filesInAFolderMerge() throws {
        let set = try IntentLoader.load(folder: ChatFixtures.intents)
        #expect(set.intents.map(\.name) == ["thanks", "greeting", "goodbye"])  // more.json sorts before small.yaml
        #expect(set.intent(named: "greeting")?.negativeResponses == ["Hello. Rough day?"])
        #expect(set.outOfScopeExamples.count == 3 && set.fallbackResponses.count == 1)
        #expect(set.intent(named: "greeting")?.source.hasSuffix("small.yaml:3") == true)
    }

    @Test func duplicateIntentNamesNameBothFiles() throws {
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let intent = "intents:\n  - name: hello\n    examples: [hi]\n    responses: [Hello]\n"
        try intent.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try intent.write(to: folder.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try IntentLoader.load(folder: folder)
            Issue.record("accepted a duplicate intent")
        } catch let error as IntentFileError {
            #expect(error.file.hasSuffix("b.yaml") && error.line == 2)
            #expect(error.problem.contains("already defined at") && error.problem.contains("a.yaml:2"), "\(error)")
        }
    }

    @Test func validationNamesLineAndProblem() {
        expectError("intents:\n  - name: hello\n    examples: [hi]\n", line: 2, "intent \"hello\": missing \"responses\"")
        expectError("intents:\n  - name: hello\n    examples: []\n    responses: [Hi]\n", line: 3, "\"examples\" is empty")
        expectError("intents:\n  - name: hello\n    examples: [hi]\n    responses: [Hi]\n    replies: [x]\n", line: 5,
                    "unknown key \"replies\"")
        expectError("intents:\n  - name: two words\n    examples: [hi]\n    responses: [Hi]\n", line: 2, "intent names")
        expectError("intents:\n  - examples: [hi]\n", line: 2, "without a \"name\"")
        expectError("intents: {a: 1}\n", line: 1, "\"intents\" must be a list")
        expectError("intents:\n  - name: hello\n    examples: [hi, [nested]]\n    responses: [Hi]\n", line: 3, "must hold strings")
        expectError("intents:\n  - name: hello\n    examples: [\"  \"]\n    responses: [Hi]\n", line: 3, "empty string")
        expectError("intents: [\n", line: 2, "not valid YAML")
        expectError("out_of_scope:\n  threshold: 2\n", line: 2, "\"threshold\" must be a number from 0 to 1")
        expectError("- just a list\n", line: 1, "expected a mapping")
        expectError("{}\n", line: 1, "defines neither")
    }

    @Test func missingOrEmptyFolder() throws {
        #expect(throws: IntentFileError(file: "/nonexistent", line: nil, "intents folder not found")) {
            try IntentLoader.load(folder: URL(fileURLWithPath: "/nonexistent"))
        }
        let folder = try ChatFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: IntentFileError(file: folder.path, line: nil, "no .yaml, .yml or .json intent files")) {
            try IntentLoader.load(folder: folder)
        }
    }

    @Test func thresholdOverrideIsRead() throws {
        let set = try IntentLoader.parse("out_of_scope:\n  examples: [x]\n  threshold: 0.4\n", file: "o.yaml")
        #expect(set.confidenceThreshold == 0.4 && set.outOfScopeExamples == ["x"])
    }
}
