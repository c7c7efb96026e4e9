import Foundation
import Testing

/// `squeezechat eval chat` end to end: the chat's own cross-validation, reported.
struct EvalChatTests {
    func squeezechat(_ arguments: [String]) throws -> CommandTests.Run {
        try CommandTests().squeezechat(arguments)
    }

    @Test("the built-in set on the default model: the start-up calibration's figures, weakest intents first")
    func builtInSet() throws {
        let run = try squeezechat(["eval", "chat", "--worst", "5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let intents = try #require(json["intents"] as? Int), examples = try #require(json["examples"] as? Int)
        #expect(intents > 10 && examples >= 3 * intents)
        #expect(json["threshold_from_file"] as? Bool == false)
        let kept = try #require(json["inscope_accuracy"] as? Double)
        let unthresholded = try #require(json["inscope_accuracy_no_threshold"] as? Double)
        // The threshold only removes answers, and a real model beats chance by far on its own chat.
        #expect(kept <= unthresholded && kept > 0.3 && unthresholded <= 1)
        // Calibrated to reject at least 85% of the held-out out-of-scope examples; the vote only adds.
        #expect(try #require(json["oos_recall"] as? Double) >= 0.85)
        let weakest = try #require(json["weakest"] as? [[String: Any]])
        #expect(weakest.count == 5)
        let accuracies = weakest.compactMap { $0["accuracy"] as? Double }
        #expect(accuracies == accuracies.sorted() && accuracies.count == 5)
        #expect(weakest.allSatisfy { ($0["examples"] as? Int ?? 0) > 0 && $0["intent"] is String })

        // The same figures as the chat's start-up report.
        let ask = try CommandTests().squeezechat(["ask", "--verbose", "--no-cache", "hello"])
        let expected = String(format: "cross-validated in-scope accuracy %.1f%%", kept * 100)
        #expect(ask.stderr.contains(expected), "\(ask.stderr)")
    }

    @Test("a broken intents folder is one line naming the file, exit 1")
    func brokenIntents() throws {
        let (folder, message) = try CommandTests.brokenIntentsFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try squeezechat(["eval", "chat", "--intents", folder.path])
        #expect(run.status == 1)
        #expect(run.stderr == message)
        #expect(run.stdout.isEmpty)
    }
}
