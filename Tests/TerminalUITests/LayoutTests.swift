@testable import ChatEngine
import TextAnalysis
import XCTest
@testable import TerminalUI

final class DisplayWidthTests: XCTestCase {
    func testWidths() {
        XCTAssertEqual(DisplayWidth.of("hello"), 5)
        XCTAssertEqual(DisplayWidth.of("日本語"), 6)
        XCTAssertEqual(DisplayWidth.of("한국"), 4)
        XCTAssertEqual(DisplayWidth.of("😀"), 2)
        XCTAssertEqual(DisplayWidth.of("👍🏽"), 2)
        XCTAssertEqual(DisplayWidth.of("e\u{301}"), 1)
        XCTAssertEqual(DisplayWidth.of("❤️"), 2)
        XCTAssertEqual(DisplayWidth.of("ｆｕｌｌ"), 8)
    }

    func testPrefixAndFitNeverSplitAWideCharacter() {
        XCTAssertEqual(DisplayWidth.prefix("日本語", columns: 5), "日本")
        XCTAssertEqual(DisplayWidth.fit("日本語", columns: 5), "日本 ")
        XCTAssertEqual(DisplayWidth.fit("ab", columns: 4), "ab  ")
    }
}

final class WrappingTests: XCTestCase {
    func testWrapsAtSpaces() {
        XCTAssertEqual(Wrapping.wrap("the quick brown fox jumps", width: 10), ["the quick", "brown fox", "jumps"])
    }

    func testBreaksWordsLongerThanTheLine() {
        XCTAssertEqual(Wrapping.wrap("abcdefghij xy", width: 4), ["abcd", "efgh", "ij", "xy"])
    }

    func testKeepsLineBreaksAndEmptyText() {
        XCTAssertEqual(Wrapping.wrap("one\ntwo", width: 10), ["one", "two"])
        XCTAssertEqual(Wrapping.wrap("", width: 10), [""])
    }

    func testMeasuresWideCharacters() {
        XCTAssertEqual(Wrapping.wrap("日本語 テキスト", width: 8), ["日本語", "テキスト"])
        XCTAssertEqual(Wrapping.wrap("日本語テキスト", width: 5), ["日本", "語テ", "キス", "ト"])
        for line in Wrapping.wrap("😀 😀 😀 😀 😀", width: 5) { XCTAssertLessThanOrEqual(DisplayWidth.of(line), 5) }
    }
}

final class LayoutTests: XCTestCase {
    func testRowsOfTheLayout() {
        let layout = Layout(rows: 30, columns: 100)
        XCTAssertFalse(layout.isTooSmall)
        XCTAssertEqual(layout.transcriptRows, 27)
        XCTAssertEqual(layout.statusRows, [27, 28])
        XCTAssertEqual(layout.inputRow, 29)
    }

    func testTooSmallNoticeFitsOneLine() {
        let layout = Layout(rows: 4, columns: 20)
        XCTAssertTrue(layout.isTooSmall)
        XCTAssertLessThanOrEqual(DisplayWidth.of(layout.tooSmallNotice), 20)
        XCTAssertTrue(layout.tooSmallNotice.hasPrefix("terminal too small"))
    }

    func testScrollingClampsAndReturnsToTheBottom() {
        var scroll = ScrollState()
        XCTAssertEqual(scroll.visible(total: 100, height: 10), 90..<100)
        scroll.pageUp(height: 10)
        XCTAssertEqual(scroll.visible(total: 100, height: 10), 81..<91)
        for _ in 0..<20 { scroll.pageUp(height: 10) }
        XCTAssertEqual(scroll.visible(total: 100, height: 10), 0..<10)
        scroll.pageDown(height: 10)
        XCTAssertEqual(scroll.visible(total: 100, height: 10), 9..<19)
        scroll.bottom()
        XCTAssertEqual(scroll.visible(total: 5, height: 10), 0..<5)
    }
}

final class TranscriptTests: XCTestCase {
    static func turn(_ text: String = "hello", total: Double = 3.25) -> Turn {
        var timings = TurnTimings()
        timings.tokenize = 0.25; timings.encode = 2.5; timings.classify = 0.25; timings.retrieve = 0.25; timings.total = total
        return Turn(text: text, reply: "Hi!", intent: "greeting", confidence: 0.93, nearestIntent: nil,
                    sentiment: Sentiment(text: text, label: "positive", score: 0.71, labels: ["negative", "neutral", "positive"],
                                         probabilities: [0.1, 0.19, 0.71], logits: [0, 0, 0]),
                    timings: timings)
    }

    func testUserTurnHasBadgesAndEveryLineFits() {
        var transcript = Transcript()
        transcript.append(.user("hello there, this is a fairly long line that has to wrap", Self.turn()))
        transcript.append(.bot("Hi!"))
        let lines = transcript.lines(width: 30)
        let text = lines.map { $0.map(\.text).joined() }
        XCTAssertTrue(text.contains { $0.contains("[greeting 0.93] [positive 0.71] [3.2 ms]") || $0.contains("[greeting 0.93]") }, "\(text)")
        XCTAssertTrue(lines.flatMap { $0 }.contains { $0.text == "[positive 0.71]" && $0.style == .positive })
        XCTAssertTrue(text.allSatisfy { DisplayWidth.of($0) <= 30 }, "\(text)")
        XCTAssertEqual(text.last, "bot  Hi!")
    }

    func testWhyHighlightsTheStrongestWords() {
        let lines = Transcript.lines(.why(label: "positive", score: 0.8, words: [
            WordAttribution(word: "I", delta: 0.01), WordAttribution(word: "love", delta: 0.4), WordAttribution(word: "bugs", delta: -0.3),
        ]), width: 60)
        let spans = lines.flatMap { $0 }
        XCTAssertEqual(spans.first { $0.text == "love" }?.style, .highlight)
        XCTAssertEqual(spans.first { $0.text == "bugs" }?.style, .negative)
        XCTAssertEqual(spans.first { $0.text == "I" }?.style, .normal)
    }

    func testMarkdown() {
        var transcript = Transcript()
        transcript.append(.user("hello", Self.turn()))
        transcript.append(.bot("Hi!"))
        transcript.append(.tagged([TaggedSentence(sentence: "Great.", label: "positive", score: 0.9)]))
        let markdown = transcript.markdown(model: "tiny")
        XCTAssertTrue(markdown.hasPrefix("# squeezechat transcript"))
        XCTAssertTrue(markdown.contains("**you:** hello\n"))
        XCTAssertTrue(markdown.contains("> [greeting 0.93] [positive 0.71] [3.2 ms]"))
        XCTAssertTrue(markdown.contains("**bot:** Hi!"))
        XCTAssertTrue(markdown.contains("- positive (0.90): Great."))
    }
}

final class StatusBarTests: XCTestCase {
    func testMedianP95AndSparkline() {
        let stats = LatencyStats((1...20).map(Double.init))
        XCTAssertEqual(stats.median, 10)
        XCTAssertEqual(stats.p95, 19)
        XCTAssertEqual(LatencyStats([1, 5, 9]).sparkline(), "▁▅█")
        XCTAssertEqual(LatencyStats([4, 4]).sparkline(), "▁▁")
        XCTAssertNil(LatencyStats().median)
    }

    func testLinesShowStagesStatsIntentSentimentModelAndThreads() {
        let lines = StatusBar.lines(last: TranscriptTests.turn(), stats: LatencyStats([3.25, 5]), model: "tiny", threads: 2,
                                    busy: nil, width: 140)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix(" 3.2 ms  tok 0.2 · enc 2.5 · cls 0.2 · ret 0.2 │ p50 3.2 p95 5.0 ms (2) │ ▁█"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix(" greeting 0.93 │ positive 0.71 │ tiny │ 2 threads"), lines[1])
        XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) == 140 })
        let narrow = StatusBar.lines(last: nil, stats: LatencyStats(), model: "tiny", threads: 1, busy: "thinking…", width: 20)
        XCTAssertTrue(narrow.allSatisfy { DisplayWidth.of($0) == 20 })
        XCTAssertTrue(narrow[1].hasPrefix(" thinking…"))
    }
}

final class SlashCommandTests: XCTestCase {
    func testParse() {
        XCTAssertEqual(SlashCommand.parse("/help"), .help)
        XCTAssertEqual(SlashCommand.parse("/tag I love it.\nIt broke."), .tag("I love it.\nIt broke."))
        XCTAssertEqual(SlashCommand.parse("/tag\nfrom a paste"), .tag("from a paste"))
        XCTAssertEqual(SlashCommand.parse("/save  notes.md "), .save("notes.md"))
        XCTAssertEqual(SlashCommand.parse("/quit"), .quit)
        XCTAssertEqual(SlashCommand.parse("/frobnicate now"), .unknown("/frobnicate"))
    }
}
