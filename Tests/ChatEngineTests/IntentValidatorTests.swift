import Foundation
import Testing
@testable import ChatEngine

/// The embedding checks of `validate` on vectors chosen by hand, so each check's rule is visible.
struct IntentValidatorTests {
    /// Intents `a`, `b` and `c`, 12 examples each, and one out-of-scope example, in one file.
    func fixture() throws -> (URL, IntentSet, IntentSource) {
        let folder = try ChatFixtures.temporaryFolder()
        var text = "intents:\n"
        for name in ["a", "b", "c"] {
            text += "  - name: \(name)\n    examples: [" + (0..<12).map { "\(name)\($0)" }.joined(separator: ", ")
                + "]\n    responses: [one, two, three]\n"
        }
        text += "out_of_scope:\n  examples: [outside]\n  responses: [no]\n"
        try text.write(to: folder.appendingPathComponent("bot.yaml"), atomically: true, encoding: .utf8)
        return (folder, try IntentLoader.load(folder: folder), try IntentSource(folder: folder))
    }

    /// Unit vector in 6-D along `axis`, tilted toward axis 5 by `tilt`.
    static func unit(_ axis: Int, _ tilt: Float) -> [Float] {
        var v = [Float](repeating: 0, count: 6)
        v[axis] = 1
        v[5] = tilt
        let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return v.map { $0 / norm }
    }

    @Test("intents whose examples share one region are a confusable pair; a separate one is not; a twin example is shown")
    func confusableAndNearDuplicate() throws {
        let (folder, set, source) = try fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        // a and b: the same cluster (along axis 0); c alone along axis 2; "outside" along axis 4,
        // except that "a3" and "c7" are one and the same vector.
        let issues = IntentValidator.embeddingChecks(set: set, source: source) { texts in
            texts.map { text -> [Float] in
                if text == "outside" { return Self.unit(4, 0) }
                if text == "a3" || text == "c7" { return Self.unit(3, 0) }
                let index = Float(Int(text.dropFirst())!)
                return text.hasPrefix("c") ? Self.unit(2, index * 0.03) : Self.unit(0, index * 0.03)
            }
        }
        let confusable = issues.filter { $0.check == "confusable" }
        #expect(!confusable.isEmpty && confusable.allSatisfy { $0.problem.contains("\"a\"") && $0.problem.contains("\"b\"") },
                "\(issues)")
        #expect(confusable.allSatisfy { $0.severity == .warning && $0.line != nil })
        // a's and b's examples are all near-duplicates of each other; of c's, only the twin.
        let pairs = issues.filter { $0.check == "near-duplicate" && $0.problem.contains("(c") }
        #expect(pairs.count == 1 && pairs[0].problem.contains("\"c7\" (c) and \"a3\" (a at"), "\(pairs)")
        #expect(!issues.contains { $0.check == "out-of-scope-like-intent" })
    }

    @Test("an out-of-scope example sitting on an intent's example is flagged with that example")
    func outOfScopeLikeAnIntent() throws {
        let (folder, set, source) = try fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let issues = IntentValidator.embeddingChecks(set: set, source: source) { texts in
            texts.map { text -> [Float] in
                let axis = text == "outside" || text == "b5" ? 4 : ["a": 0, "b": 1, "c": 2][text.first.map(String.init) ?? "a"] ?? 0
                return Self.unit(axis, text == "outside" ? 0.01 : 0)
            }
        }
        let flagged = issues.filter { $0.check == "out-of-scope-like-intent" }
        #expect(flagged.count == 1 && flagged[0].problem.contains("looks like intent \"b\": \"b5\""), "\(issues)")
        #expect(flagged.first?.line == 12)  // out_of_scope's examples line
    }
}
