import Foundation
import Testing

/// The line-oriented chat (piped here) knows every slash command the full-screen chat knows and
/// answers them in plain text.
struct PlainChatTests {
    @Test("piped chat: /help, /intents, /model, /tag, /why, /save, unknown, /clear and /quit, in order")
    func slashCommands() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-plain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = folder.appendingPathComponent("chat.md")
        let input = ["hello", "/help", "/intents", "/model", "/tag The soup was superb. The support team was rude and useless.", "/why",
                     "/save \(saved.path)", "/frobnicate", "/clear", "/quit", "not reached"].joined(separator: "\n") + "\n"
        let run = try CommandTests().squeezechat(["chat"], input: input)
        #expect(run.status == 0, "\(run.stderr)")
        var lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.last == "")
        lines.removeLast()
        let help = ["/help", "/tag", "/why", "/bench", "/model", "/intents", "/clear", "/save", "/quit"]
        let model = [#"squeezechat-sentiment: squeezebert, 6 layers, hidden 384, 12 heads, intermediate 1536, max 512 tokens, vocabulary 30522"#,
                     #"groups: q 1, k 1, v 1, post-attention 1, intermediate 1, output 1"#,
                     #"sentiment branch: layer 5 duplicated for the sentiment head, groups 1/1/1/1/1/1 \(q/k/v/post/int/out\)"#,
                     #"parameters: 24,488,450, model\.safetensors 25\.1 MB"#, #"sentiment head: negative, positive"#,
                     #"folder: /.*/squeezechat-sentiment"#]
        let expected: [String] = [".+"] + help.map { "\($0) +.+" } + [#"(\w+, )+\w+"#] + model
            + [#"\[positive [01]\.\d\d\] The soup was superb\."#, #"\[negative [01]\.\d\d\] The support team was rude and useless\."#,
               #"why \w+ [01]\.\d\d: hello \([+-]0\.\d\d\)"#,
               "saved the transcript to \(NSRegularExpression.escapedPattern(for: saved.path))",
               "unknown command /frobnicate; /help lists them", "cleared the transcript"]
        #expect(lines.count == expected.count, "\(lines)")
        for (line, pattern) in zip(lines, expected) {
            #expect(line.range(of: "^" + pattern + "$", options: .regularExpression) != nil, "\(line) !~ \(pattern)")
        }
        #expect(lines.contains { $0.contains("greeting, ") || $0.contains(", greeting") })
        let markdown = try String(contentsOf: saved, encoding: .utf8)
        #expect(markdown.contains("**you:** hello\n"))
        #expect(markdown.contains("**you:** `/tag The soup was superb. The support team was rude and useless.`"))
        #expect(markdown.contains("- positive ("))
    }
}
