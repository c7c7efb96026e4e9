import DefaultModel
import Foundation
import SqueezeBERT
import Testing
@testable import TextAnalysis

/// `/why`: leave-one-word-out attribution with the analyzer (heads included) that labels the text.
struct SentimentExplanationTests {
    static let analyzer = Result { try SentimentAnalyzer(model: EncoderModel.load(from: DefaultModel.folder)) }

    static let texts = [
        "thanks, that was helpful",
        "An absolutely wonderful, moving film; I loved every minute.",
        "A dull, lifeless mess and a complete waste of my evening.",
        "what time is it in Tokyo",
    ]

    @Test("The explanation names the label and score the analyzer gives the text", arguments: texts)
    func labelIsTheAnalyzers(text: String) throws {
        let analyzer = try Self.analyzer.get()
        let explanation = try #require(analyzer.explain(text))
        let result = analyzer.analyze([text])[0]
        #expect(explanation.label == result.label)
        #expect(explanation.score == result.score)
        // The chat's badge reads the same result off its one encoder pass.
        let output = analyzer.model.encode([text]).output
        let badge = analyzer.sentiment(of: text, logits: Array(output.logits![0..<2]),
                                       embedding: output.sentenceEmbedding(0, pooling: .mean, normalize: true))
        #expect(explanation.label == badge.label && abs(explanation.score - badge.score) < 1e-5)
    }

    @Test("A thank-you is explained as neutral, as the heads decide, though the classifier alone leans positive")
    func thanksIsNeutral() throws {
        let analyzer = try Self.analyzer.get()
        let text = "thanks, that was helpful"
        let explanation = try #require(analyzer.explain(text))
        #expect(explanation.label == "neutral")
        let output = analyzer.model.encode([text]).output
        #expect(output.probabilities(0).map { $0[1] > $0[0] } == true)
    }

    @Test("Each word's delta is the drop in the label's support without that word")
    func deltas() throws {
        let analyzer = try Self.analyzer.get()
        let text = "A dull, lifeless mess"
        let explanation = try #require(analyzer.explain(text))
        #expect(explanation.words.map(\.word) == ["A", "dull,", "lifeless", "mess"])
        let base = explanation.sentiment.support(for: explanation.label)
        let withoutDull = analyzer.analyze(["A lifeless mess"])[0]
        #expect(abs(explanation.words[1].delta - (base - withoutDull.support(for: explanation.label))) < 1e-4)
        #expect(explanation.words.contains { abs($0.delta) > 0.001 })
        #expect(analyzer.explain("  \n") == nil)
    }

    @Test("A neutral label is weighed by P(neutral) with a neutral head, else by how unsure the head is")
    func neutralSupport() {
        let labels = ["negative", "positive"]
        let headed = Sentiment(text: "x", label: "neutral", score: 0.9, labels: labels, probabilities: [0.1, 0.9],
                               logits: [0, 2.2], neutralProbability: 0.7)
        #expect(headed.support(for: "neutral") == 0.7 && headed.support(for: "negative") == 0.1)
        let banded = Sentiment(text: "x", label: "neutral", score: 0.6, labels: labels, probabilities: [0.4, 0.6], logits: [0, 0.4])
        #expect(abs(banded.support(for: "neutral") - 0.4) < 1e-6)
    }
}
