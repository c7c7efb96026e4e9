@testable import ChatEngine
import TextAnalysis
import Testing
@testable import TerminalUI

@Suite struct DisplayWidthTests {
    @Test func widths() {
        #expect(DisplayWidth.of("hello") == 5)
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("한국") == 4)
        #expect(DisplayWidth.of("😀") == 2)
        #expect(DisplayWidth.of("👍🏽") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("❤️") == 2)
        #expect(DisplayWidth.of("ｆｕｌｌ") == 8)
    }

    @Test func prefixAndFitNeverSplitAWideCharacter() {
        #expect(DisplayWidth.prefix("日本語", columns: 5) == "日本")
        #expect(DisplayWidth.fit("日本語", columns: 5) == "日本 ")
        #expect(DisplayWidth.fit("ab", columns: 4) == "ab  ")
    }
}

@Suite struct WrappingTests {
    @Test func wrapsAtSpaces() {
        #expect(Wrapping.wrap("the quick brown fox jumps", width: 10) == ["the quick", "brown fox", "jumps"])
    }

    @Test func breaksWordsLongerThanTheLine() {
        #expect(Wrapping.wrap("abcdefghij xy", width: 4) == ["abcd", "efgh", "ij", "xy"])
    }

    @Test func keepsLineBreaksAndEmptyText() {
        #expect(Wrapping.wrap("one\ntwo", width: 10) == ["one", "two"])
        #expect(Wrapping.wrap("", width: 10) == [""])
    }

    @Test func measuresWideCharacters() {
        #expect(Wrapping.wrap("日本語 テキスト", width: 8) == ["日本語", "テキスト"])
        #expect(Wrapping.wrap("日本語テキスト", width: 5) == ["日本", "語テ", "キス", "ト"])
        for line in Wrapping.wrap("😀 😀 😀 😀 😀", width: 5) { #expect(DisplayWidth.of(line) <= 5) }
    }
}

@Suite struct LayoutTests {
    @Test func rowsOfTheLayout() {
        let layout = Layout(rows: 30, columns: 100)
        #expect(!layout.isTooSmall)
        #expect(layout.transcriptRows == 27)
        #expect(layout.statusRows == [27, 28])
        #expect(layout.inputRow == 29)
    }

    @Test func tooSmallNoticeFitsOneLine() {
        let layout = Layout(rows: 4, columns: 20)
        #expect(layout.isTooSmall)
        #expect(DisplayWidth.of(layout.tooSmallNotice) <= 20)
        #expect(layout.tooSmallNotice.hasPrefix("terminal too small"))
    }

    @Test func scrollingClampsAndReturnsToTheBottom() {
        var scroll = ScrollState()
        #expect(scroll.visible(total: 100, height: 10) == 90..<100)
        scroll.pageUp(height: 10)
        #expect(scroll.visible(total: 100, height: 10) == 81..<91)
        for _ in 0..<20 { scroll.pageUp(height: 10) }
        #expect(scroll.visible(total: 100, height: 10) == 0..<10)
        scroll.pageDown(height: 10)
        #expect(scroll.visible(total: 100, height: 10) == 9..<19)
        scroll.bottom()
        #expect(scroll.visible(total: 5, height: 10) == 0..<5)
    }
}

@Suite struct TranscriptTests {
    static func turn(_ text: String = "hello", total: Double = 3.25) -> Turn {
        var timings = TurnTimings()
        timings.tokenize = 0.25; timings.encode = 2.5; timings.classify = 0.25; timings.retrieve = 0.25; timings.total = total
        return Turn(text: text, reply: "Hi!", intent: "greeting", confidence: 0.93, nearestIntent: nil,
                    sentiment: Sentiment(text: text, label: "positive", score: 0.71, labels: ["negative", "neutral", "positive"],
                                         probabilities: [0.1, 0.19, 0.71], logits: [0, 0, 0]),
                    timings: timings)
    }

    @Test func userTurnHasBadgesAndEveryLineFits() {
        var transcript = Transcript()
        transcript.append(.user("hello there, this is a fairly long line that has to wrap", Self.turn()))
        transcript.append(.bot("Hi!"))
        let lines = transcript.lines(width: 30)
        // The whole screen text: the user's words wrapped under "you", then every badge (intent,
        // sentiment, latency), wrapped as whole badges, never cut inside one.
        #expect(lines.map { $0.map(\.text).joined() } == [
            "",
            "you  hello there, this is a",
            "     fairly long line that has",
            "     to wrap",
            "     [greeting 0.93]",
            "     [positive 0.71] [3.2 ms]",
            "bot  Hi!",
        ])
        let badges = lines[4...5].flatMap { $0 }.filter { $0.text.hasPrefix("[") }
        #expect(badges == [Span("[greeting 0.93]", .badge), Span("[positive 0.71]", .positive), Span("[3.2 ms]", .badge)])
    }

    @Test func badgesShareOneLineWhenTheyFit() {
        let lines = Transcript.lines(.user("hello", Self.turn(total: 12.25)), width: 80).map { $0.map(\.text).joined() }
        #expect(lines == ["", "you  hello", "     [greeting 0.93] [positive 0.71] [12.2 ms]"])
        let pending = Transcript.lines(.user("hello", nil), width: 80).map { $0.map(\.text).joined() }
        #expect(pending == ["", "you  hello", "     …"], "a turn still being answered shows a placeholder badge")
    }

    @Test func whyHighlightsTheStrongestWords() {
        let lines = Transcript.lines(.why(label: "positive", score: 0.8, words: [
            WordAttribution(word: "I", delta: 0.01), WordAttribution(word: "love", delta: 0.4), WordAttribution(word: "bugs", delta: -0.3),
        ]), width: 60)
        let spans = lines.flatMap { $0 }
        #expect(spans.first { $0.text == "love" }?.style == .highlight)
        #expect(spans.first { $0.text == "bugs" }?.style == .negative)
        #expect(spans.first { $0.text == "I" }?.style == .normal)
    }

    @Test func markdown() {
        var transcript = Transcript()
        transcript.append(.user("hello", Self.turn()))
        transcript.append(.bot("Hi!"))
        transcript.append(.tagged([TaggedSentence(sentence: "Great.", label: "positive", score: 0.9)]))
        let markdown = transcript.markdown(model: "tiny")
        #expect(markdown.hasPrefix("# squeezechat transcript"))
        #expect(markdown.contains("**you:** hello\n"))
        #expect(markdown.contains("> [greeting 0.93] [positive 0.71] [3.2 ms]"))
        #expect(markdown.contains("**bot:** Hi!"))
        #expect(markdown.contains("- positive (0.90): Great."))
    }
}

@Suite struct StatusBarTests {
    @Test func medianP95AndSparkline() {
        let stats = LatencyStats((1...20).map(Double.init))
        #expect(stats.median == 10)
        #expect(stats.p95 == 19)
        #expect(LatencyStats([1, 5, 9]).sparkline() == "▁▅█")
        #expect(LatencyStats([4, 4]).sparkline() == "▁▁")
        #expect(LatencyStats().median == nil)
    }

    @Test func linesShowStagesStatsIntentSentimentModelAndThreads() {
        let lines = StatusBar.lines(last: TranscriptTests.turn(), stats: LatencyStats([3.25, 5]), model: "tiny", threads: 2,
                                    busy: nil, width: 140)
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix(" 3.2 ms  tok 0.2 · enc 2.5 · cls 0.2 · mem 0.0 · ret 0.2 │ p50 3.2 p95 5.0 ms (2) │ ▁█"), "\(lines[0])")
        #expect(lines[1].hasPrefix(" greeting 0.93 │ positive 0.71 │ tiny │ 2 threads"), "\(lines[1])")
        #expect(lines.allSatisfy { DisplayWidth.of($0) == 140 })
        let narrow = StatusBar.lines(last: nil, stats: LatencyStats(), model: "tiny", threads: 1, busy: "thinking…", width: 20)
        #expect(narrow.allSatisfy { DisplayWidth.of($0) == 20 })
        #expect(narrow[1].hasPrefix(" thinking…"))
    }
}

@Suite struct SlashCommandTests {
    @Test func parse() {
        #expect(SlashCommand.parse("/help") == .help)
        #expect(SlashCommand.parse("/tag I love it.\nIt broke.") == .tag("I love it.\nIt broke."))
        #expect(SlashCommand.parse("/tag\nfrom a paste") == .tag("from a paste"))
        #expect(SlashCommand.parse("/save  notes.md ") == .save("notes.md"))
        #expect(SlashCommand.parse("/quit") == .quit)
        #expect(SlashCommand.parse("/frobnicate now") == .unknown("/frobnicate"))
    }
}
