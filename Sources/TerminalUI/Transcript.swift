import ChatEngine
import Foundation
import TextAnalysis

/// How a piece of text is shown; the raw values are the shim's TUIStyle numbers.
public enum Style: Int32, Sendable {
    case normal = 0, user, bot, badge, status, error, positive, negative, neutral, highlight, info

    /// The style for a sentiment label.
    public static func sentiment(_ label: String?) -> Style {
        switch label {
        case "positive": .positive
        case "negative": .negative
        default: .neutral
        }
    }
}

/// A run of text in one style.
public struct Span: Sendable, Equatable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style) { self.text = text; self.style = style }
}

/// One screen row of the transcript.
public typealias StyledLine = [Span]

/// A sentence and its sentiment, as `/tag` shows it.
public struct TaggedSentence: Sendable, Equatable {
    public var sentence: String
    public var label: String
    public var score: Float
    public init(sentence: String, label: String, score: Float) { self.sentence = sentence; self.label = label; self.score = score }
}

/// What the conversation shows, entry by entry.
public enum TranscriptEntry: Sendable {
    /// The user's text and, once answered, the turn (for its badges).
    case user(String, Turn?)
    case bot(String)
    /// A slash command as typed.
    case command(String)
    case info(String)
    case error(String)
    case tagged([TaggedSentence])
    case why(label: String, score: Float, words: [WordAttribution])
}

/// The transcript: its entries, laid out to a width as styled lines.
public struct Transcript: Sendable {
    public var entries: [TranscriptEntry] = []
    public init() {}

    public mutating func append(_ entry: TranscriptEntry) { entries.append(entry) }

    /// Every entry laid out to `width` columns, a blank line between turns.
    public func lines(width: Int) -> [StyledLine] {
        var lines: [StyledLine] = []
        for entry in entries { lines += Transcript.lines(entry, width: width) }
        return lines
    }

    /// Words of the badge for a user turn: intent and confidence (or the intents asked about), how
    /// the conversation's memory shaped it, sentiment and latency.
    public static func badges(_ turn: Turn) -> [Span] {
        var spans = [turn.isQuestion
            ? Span("[asking: " + turn.clarify.map(\.intent).joined(separator: " or ") + String(format: " %.2f]", turn.confidence), .badge)
            : Span(String(format: "[%@ %.2f]", turn.intentLabel, turn.confidence), .badge)]
        if let note = memoryNote(turn) { spans.append(Span("[\(note)]", .badge)) }
        if let sentiment = turn.sentiment {
            spans.append(Span(String(format: "[%@ %.2f]", sentiment.label, sentiment.score), Style.sentiment(sentiment.label)))
        }
        spans.append(Span(String(format: "[%.1f ms]", turn.timings.total), .badge))
        return spans
    }

    /// How the conversation's memory decided the turn, when it did: nil for the classifier alone
    /// and for a question (the intent badge already says so).
    public static func memoryNote(_ turn: Turn) -> String? {
        switch turn.context.route {
        case .followUp: "follow-up of \(turn.context.followed ?? "?")"
        case .pick: "picked from the question"
        case .declined: "none of the question's"
        case .classifier, .clarify: nil
        }
    }

    static func lines(_ entry: TranscriptEntry, width: Int) -> [StyledLine] {
        let indent = "     "
        let body = max(width - indent.count, 1)
        func block(_ label: String, _ labelStyle: Style, _ text: String, _ style: Style) -> [StyledLine] {
            Wrapping.wrap(text, width: body).enumerated().map { index, line in
                [Span(index == 0 ? DisplayWidth.fit(label, columns: indent.count) : indent, labelStyle), Span(line, style)]
            }
        }
        switch entry {
        case .user(let text, let turn):
            var lines = [[Span("", .normal)]] + block("you", .user, text, .normal)
            let badges = turn.map(badges) ?? [Span("…", .badge)]
            lines += wrapSpans(badges, width: body).map { [Span(indent, .normal)] + $0 }
            return lines
        case .bot(let text):
            return block("bot", .bot, text, .bot)
        case .command(let text):
            return [[Span("", .normal)]] + block("you", .user, text, .user)
        case .info(let text):
            return block("", .normal, text, .info)
        case .error(let text):
            return block("!", .error, text, .error)
        case .tagged(let sentences):
            var lines: [StyledLine] = []
            for tagged in sentences {
                let badge = String(format: "[%@ %.2f]", tagged.label, tagged.score)
                lines += wrapSpans([Span(badge, Style.sentiment(tagged.label))] + words(tagged.sentence, .normal), width: body)
                    .map { [Span(indent, .normal)] + $0 }
            }
            return lines
        case .why(let label, let score, let attributions):
            let strongest = attributions.map { abs($0.delta) }.max() ?? 0
            var spans = [Span(String(format: "why %@ %.2f:", label, score), Style.sentiment(label))]
            for item in attributions {
                // The words that moved the probability most are highlighted: for the label, or against it.
                let strong = strongest > 0 && abs(item.delta) >= strongest * 0.5 && abs(item.delta) >= 0.005
                spans.append(Span(item.word, strong ? (item.delta > 0 ? .highlight : .negative) : .normal))
            }
            return wrapSpans(spans, width: body).map { [Span(indent, .normal)] + $0 }
        }
    }

    static func words(_ text: String, _ style: Style) -> [Span] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Span(String($0), style) }
    }

    /// Lays out spans (each one word or badge) greedily into lines of `width`, a space between spans.
    static func wrapSpans(_ spans: [Span], width: Int) -> [StyledLine] {
        var lines: [StyledLine] = []
        var line: StyledLine = []
        var used = 0
        for span in spans {
            for piece in Wrapping.wrap(span.text, width: width) {
                let w = DisplayWidth.of(piece)
                if !line.isEmpty, used + 1 + w > width { lines.append(line); line = []; used = 0 }
                if !line.isEmpty { line.append(Span(" ", .normal)); used += 1 }
                line.append(Span(piece, span.style))
                used += w
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// The transcript as Markdown, for `/save`.
    public func markdown(model: String) -> String {
        var out = "# squeezechat transcript\n\nModel: \(model)\n\n"
        for entry in entries {
            switch entry {
            case .user(let text, let turn):
                out += "**you:** \(text)\n\n"
                if let turn { out += "> " + Transcript.badges(turn).map(\.text).joined(separator: " ") + "\n\n" }
            case .bot(let text): out += "**bot:** \(text)\n\n"
            case .command(let text): out += "**you:** `\(text)`\n\n"
            case .info(let text): out += "```\n\(text)\n```\n\n"
            case .error(let text): out += "*error: \(text)*\n\n"
            case .tagged(let sentences):
                out += sentences.map { String(format: "- %@ (%.2f): %@", $0.label, $0.score, $0.sentence) }.joined(separator: "\n") + "\n\n"
            case .why(let label, let score, let words):
                out += String(format: "why %@ %.2f: ", label, score)
                    + words.map { String(format: "%@ (%+.2f)", $0.word, $0.delta) }.joined(separator: " ") + "\n\n"
            }
        }
        return out
    }
}

/// Which rows of the transcript are on screen: `scrollBack` rows up from the bottom.
public struct ScrollState: Sendable, Equatable {
    public var scrollBack = 0
    public init() {}

    /// The visible slice of `total` lines in `height` rows, clamping the scroll position.
    public mutating func visible(total: Int, height: Int) -> Range<Int> {
        scrollBack = min(max(scrollBack, 0), max(total - height, 0))
        let end = total - scrollBack
        return max(end - height, 0)..<end
    }

    public mutating func pageUp(height: Int) { scrollBack += max(height - 1, 1) }
    public mutating func pageDown(height: Int) { scrollBack = max(scrollBack - max(height - 1, 1), 0) }
    public mutating func bottom() { scrollBack = 0 }
}

/// Where things go on a screen of `rows` x `columns`.
public struct Layout: Sendable, Equatable {
    public static let minimumColumns = 30
    public static let minimumRows = 6
    public var rows: Int, columns: Int

    public init(rows: Int, columns: Int) { self.rows = rows; self.columns = columns }

    public var isTooSmall: Bool { rows < Layout.minimumRows || columns < Layout.minimumColumns }
    /// The one-line notice shown instead of the layout when the terminal is too small.
    public var tooSmallNotice: String {
        DisplayWidth.prefix("terminal too small: \(columns)x\(rows), need \(Layout.minimumColumns)x\(Layout.minimumRows)", columns: max(columns, 1))
    }
    public var transcriptRows: Int { max(rows - 3, 0) }
    public var statusRows: [Int] { [rows - 3, rows - 2] }
    public var inputRow: Int { rows - 1 }
}
