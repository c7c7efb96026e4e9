import Foundation
import SqueezeBERT
import Testing
import TextAnalysis
import TerminalUI

/// The words both chats share: help, digit grouping and entries as plain text.
struct ChatCommandsTextTests {
    @Test("the full-screen help is the command list plus its keys")
    func help() {
        #expect(SlashCommand.helpText.hasPrefix(SlashCommand.commandsHelp + "\nkeys: Emacs editing"))
        let listed = SlashCommand.commandsHelp.split(separator: "\n").map { String($0.prefix(while: { $0 != " " })) }
        #expect(listed == ["/help", "/tag", "/why", "/bench", "/model", "/intents", "/clear", "/save", "/quit"])
        for command in listed { #expect(SlashCommand.parse(command) != .unknown(command), "\(command)") }
    }

    @Test("/model names a forked model's sentiment branch, right under the groups; a plain model has no such line")
    func modelReport() throws {
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../SqueezeBERTTests/Fixtures/models").standardizedFileURL
        let forked = ModelSummary(try EncoderModel.load(from: models.appendingPathComponent("tiny-forked"))).report
        let lines = forked.split(separator: "\n")
        #expect(lines[1].hasPrefix("groups: ") && lines[2] == "sentiment branch: layer 2 duplicated for the sentiment head, "
                + "groups 4/4/4/1/4/4 (q/k/v/post/int/out)")
        let plain = ModelSummary(try EncoderModel.load(from: models.appendingPathComponent("tiny-squeezebert"))).report
        #expect(!plain.contains("sentiment branch") && plain.split(separator: "\n")[2].hasPrefix("parameters: "))
    }

    @Test("digits are grouped in threes from the right")
    func grouping() {
        #expect(groupedDigits(0) == "0")
        #expect(groupedDigits(999) == "999")
        #expect(groupedDigits(1000) == "1,000")
        #expect(groupedDigits(22_713_986) == "22,713,986")
        #expect(groupedDigits(-1_234_567) == "-1,234,567")
    }

    @Test("tagged sentences and /why as plain lines, with the screen's badges and signed shares")
    func plainText() {
        let tagged = TranscriptEntry.tagged([TaggedSentence(sentence: "I love it.", label: "positive", score: 0.974),
                                             TaggedSentence(sentence: "It broke.", label: "negative", score: 0.9)])
        #expect(Transcript.plainText(tagged) == "[positive 0.97] I love it.\n[negative 0.90] It broke.")
        let why = TranscriptEntry.why(label: "positive", score: 0.99,
                                      words: [WordAttribution(word: "great", delta: 0.42), WordAttribution(word: "not", delta: -0.05)])
        #expect(Transcript.plainText(why) == "why positive 0.99: great (+0.42) not (-0.05)")
        #expect(Transcript.plainText(.error("unknown command /x; /help lists them")) == "unknown command /x; /help lists them")
    }
}
