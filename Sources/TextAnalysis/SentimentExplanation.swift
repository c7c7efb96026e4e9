import Foundation

/// Why a text got its sentiment, word by word: each word is left out in turn and the text is
/// scored again, with the same analyzer (heads and band included) that gave the label.
public struct SentimentExplanation: Sendable, Equatable {
    /// The text's sentiment, exactly as `SentimentAnalyzer.analyze` reports it.
    public var sentiment: Sentiment
    /// Each word of the text, in order, with its share of the label.
    public var words: [WordAttribution]

    public init(sentiment: Sentiment, words: [WordAttribution]) {
        self.sentiment = sentiment
        self.words = words
    }

    /// The label explained: the one the analyzer gives the whole text.
    public var label: String { sentiment.label }
    /// The score shown with the label (`Sentiment.score`).
    public var score: Float { sentiment.score }
}

/// One word's share of a sentiment: how much the text's support for its label
/// (`Sentiment.support(for:)`) drops without the word; negative when the word worked against it.
public struct WordAttribution: Sendable, Equatable {
    public var word: String
    public var delta: Float

    public init(word: String, delta: Float) {
        self.word = word
        self.delta = delta
    }
}

extension SentimentAnalyzer {
    /// Leave-one-word-out attribution of `text`'s sentiment; nil when the text has no words.
    ///
    /// The whole text is scored on its own, as `analyze` and the chat score it, so the label and
    /// score are the ones shown for it elsewhere; the variants without one word each are scored
    /// together afterwards.
    public func explain(_ text: String) -> SentimentExplanation? {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { return nil }
        let whole = analyze([text])[0]
        let variants = words.indices.map { skip in
            words.enumerated().filter { $0.offset != skip }.map(\.element).joined(separator: " ")
        }
        let base = whole.support(for: whole.label)
        let shares = zip(words, analyze(variants)).map { word, without in
            WordAttribution(word: word, delta: base - without.support(for: whole.label))
        }
        return SentimentExplanation(sentiment: whole, words: shares)
    }
}
