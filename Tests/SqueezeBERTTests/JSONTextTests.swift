import Foundation
import Testing
import SqueezeBERT

/// The package's one JSON string escaper, checked against Foundation's JSON parser.
struct JSONTextTests {
    @Test(arguments: ["", "plain", "quote \" and backslash \\", "line\nbreak\ttab\rreturn", "\u{0}\u{1F}\u{08}\u{0C}\u{7F}",
                      "café 東京 😀👍🏽", "\u{2028}\u{2029}"])
    func parsesBackToTheSameText(_ text: String) throws {
        let literal = JSONText.quoted(text)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
        #expect(parsed == [text], "\(literal)")
        #expect(!literal.unicodeScalars.dropFirst().dropLast().contains { $0.value < 0x20 })
    }
}
