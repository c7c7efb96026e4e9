import ChatEngine
import Testing
@testable import TerminalUI

/// What the screen shows when the conversation's memory shaped a turn: a question back, a follow-up.
@Suite struct ConversationDisplayTests {
    static func question() -> Turn {
        var turn = TranscriptTests.turn("how do i use you")
        turn.intent = Turn.asking
        turn.confidence = 0.41
        turn.reply = "Did you mean: 1) how I work, 2) my commands?"
        turn.clarify = [ClarifyOption(intent: "how_it_works", title: "how I work", confidence: 0.41),
                        ClarifyOption(intent: "help_commands", title: "my commands", confidence: 0.39)]
        turn.context.route = .clarify
        return turn
    }

    @Test("a turn that asks shows the intents asked about, and its last stage as ask, not ret")
    func questionBadgeAndStatus() {
        let turn = Self.question()
        #expect(Transcript.badges(turn).first == Span("[asking: how_it_works or help_commands 0.41]", .badge))
        let lines = StatusBar.lines(last: turn, stats: LatencyStats([3.25]), model: "tiny", threads: 1, busy: nil, width: 140)
        #expect(lines[0].hasPrefix(" 3.2 ms  tok 0.2 · enc 2.5 · cls 0.2 · mem 0.0 · ask 0.2 │"), "\(lines[0])")
        #expect(lines[1].hasPrefix(" asking: how_it_works or help_commands 0.41 │ positive 0.71 │ tiny"), "\(lines[1])")
    }

    @Test("a follow-up and a pick say so beside the intent")
    func followUpAndPick() {
        var turn = TranscriptTests.turn("another one")
        turn.intent = "joke"
        turn.confidence = 1
        turn.context.route = .followUp
        turn.context.followed = "joke"
        #expect(Transcript.badges(turn).map(\.text).prefix(2) == ["[joke 1.00]", "[follow-up of joke]"])
        let lines = StatusBar.lines(last: turn, stats: LatencyStats([3.25]), model: "tiny", threads: 1, busy: nil, width: 140)
        #expect(lines[0].contains("· ret 0.2 │"), "\(lines[0])")
        #expect(lines[1].hasPrefix(" joke 1.00 (follow-up of joke) │ positive 0.71"), "\(lines[1])")
        turn.context.route = .pick
        #expect(Transcript.badges(turn).map(\.text).contains("[picked from the question]"))
        turn.context.route = .classifier
        #expect(Transcript.badges(turn).map(\.text) == ["[joke 1.00]", "[positive 0.71]", "[3.2 ms]"])
    }
}
