import DefaultModel
import Foundation
import SqueezeBERT
import Testing
@testable import TextAnalysis

/// The analyzer over the bundled model: labels, the neutral band and long-text windows.
struct SentimentAnalyzerTests {
    static let model = Result { try EncoderModel.load(from: DefaultModel.folder) }

    func analyzer(band: NeutralBand? = nil, maxLength: Int? = nil) throws -> SentimentAnalyzer {
        let model = try maxLength.map { try EncoderModel.load(from: DefaultModel.folder, maxLength: $0) } ?? Self.model.get()
        return try SentimentAnalyzer(model: model, neutralBand: band)
    }

    @Test("The bundled model is binary with a stored neutral band")
    func bundledBand() throws {
        let model = try Self.model.get()
        #expect(model.config.labels == ["negative", "positive"])
        let band = try #require(try NeutralBand.stored(in: model.folder))
        #expect(band.below > 0.5 && band.below < 1)
        #expect(try SentimentAnalyzer(model: model).outputLabels == ["negative", "neutral", "positive"])
    }

    @Test("Clear sentences get the right polarity")
    func polarity() throws {
        let results = try analyzer().analyze([
            "An absolutely wonderful, moving film; I loved every minute.",
            "A dull, lifeless mess and a complete waste of my evening.",
        ])
        #expect(results.map(\.label) == ["positive", "negative"])
        #expect(results.allSatisfy { $0.score > 0.9 && $0.windows == 1 })
        #expect(results.allSatisfy { abs($0.probabilities.reduce(0, +) - 1) < 1e-4 })
    }

    @Test("The band: below it neutral, at zero never neutral")
    func band() throws {
        let never = try analyzer(band: NeutralBand(below: 0))
        let always = try analyzer(band: NeutralBand(below: 1))
        let text = "It was a film."
        #expect(never.analyze([text])[0].label != "neutral")
        let neutral = always.analyze([text])[0]
        #expect(neutral.label == "neutral")
        #expect(neutral.score == neutral.probabilities.max())
        // combine() applies the band to the head's top probability.
        let half = try analyzer(band: NeutralBand(below: 0.8))
        #expect(half.combine(text: "x", logits: [[0, 1]], weights: [1]).label == "neutral")   // p = 0.73
        #expect(half.combine(text: "x", logits: [[0, 2]], weights: [1]).label == "positive")  // p = 0.88
        #expect(half.combine(text: "x", logits: [[3, 0]], weights: [1]).label == "negative")
    }

    @Test("Long texts are scored over overlapping windows that fit the model")
    func windows() throws {
        let small = try analyzer(maxLength: 16)
        let words = (1...60).map { "word\($0 % 7)" }
        let text = words.joined(separator: " ")
        let windows = small.windows(of: text)
        #expect(windows.count > 1)
        let tokenizer = small.model.tokenizer
        for window in windows {
            #expect(tokenizer.tokenize(window.text).count <= 14)
        }
        // Consecutive windows share words (overlap), and together they cover the text.
        let first = windows[0].text.split(separator: " "), second = windows[1].text.split(separator: " ")
        #expect(first.last.map(second.contains) == true)
        #expect(windows.last!.text.hasSuffix("word\(60 % 7)"))
        let result = small.analyze([text, "short one"])
        #expect(result[0].windows == windows.count && result[1].windows == 1)
        #expect(result.map(\.text) == [text, "short one"])
    }

    @Test("Combining windows weights their probabilities by tokens")
    func combining() throws {
        let analyzer = try analyzer(band: nil)
        let combined = analyzer.combine(text: "x", logits: [[0, 10], [10, 0]], weights: [3, 1])
        #expect(abs(combined.probabilities[1] - 0.75) < 1e-3)
        #expect(combined.label == "positive" && combined.windows == 2)
    }

    @Test("A model without a classification head is refused")
    func noHead() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SqueezeBERTTests/Fixtures/models/tiny-squeezebert")
        let bare = try EncoderModel.load(from: fixtures)
        #expect(throws: AnalysisError.self) { try SentimentAnalyzer(model: bare) }
    }
}
