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
        let band = try #require(try SentimentSettings(model: model).neutralBand)
        #expect(band.below > 0.5 && band.below < 1)
        #expect(try SentimentAnalyzer(model: model).outputLabels == ["negative", "neutral", "positive"])
    }

    @Test("The bundled grouped student groups the feed-forward pair only and reads clear sentences like the default")
    func groupedStudent() throws {
        let student = try EncoderModel.load(from: DefaultModel.groupedStudentFolder)
        let g = student.config.groups
        let counts: [Int] = [g.query, g.key, g.value, g.postAttention, g.intermediate, g.output]
        #expect(counts == [1, 1, 1, 1, 4, 4])
        let defaultGroups = try Self.model.get().config.groups
        #expect(defaultGroups == EncoderConfig.Groups.dense)
        let texts = ["An absolutely wonderful, moving film; I loved every minute.",
                     "A dull, lifeless mess and a complete waste of my evening."]
        let results = try SentimentAnalyzer(model: student).analyze(texts)
        #expect(results.map(\.label) == ["positive", "negative"])
        let dense: [String] = try analyzer().analyze(texts).map(\.label)
        #expect(results.map(\.label) == dense)
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

    /// A head that looks only at |m|: P(neutral) = sigmoid(2 - |m|), so |m| < 2 is neutral at above 0.5.
    static func marginHead(dimensions: Int) -> NeutralHead {
        NeutralHead(weights: [Float](repeating: 0, count: dimensions), absMargin: -1, margin: 0, bias: 2, above: 0.5)
    }

    @Test("The neutral head decides neutral from P(neutral); the binary head keeps the direction")
    func neutralHead() throws {
        let model = try Self.model.get()
        let head = Self.marginHead(dimensions: model.config.hiddenSize)
        let analyzer = try SentimentAnalyzer(model: model, neutralBand: NeutralBand(below: 0), neutralHead: head)
        #expect(analyzer.outputLabels == ["negative", "neutral", "positive"])
        let embedding = [Float](repeating: 0, count: model.config.hiddenSize)
        #expect(head.probability(embedding: embedding, logits: [0, 1]) > 0.7)       // sigmoid(1)
        #expect(analyzer.sentiment(of: "x", logits: [0, 1], embedding: embedding).label == "neutral")
        #expect(analyzer.sentiment(of: "x", logits: [0, 3], embedding: embedding).label == "positive")
        #expect(analyzer.sentiment(of: "x", logits: [3, 0], embedding: embedding).label == "negative")
        // Windows: P(neutral) is averaged with the token weights, like the probabilities.
        let mixed = analyzer.combine(text: "x", logits: [[0, 10], [0, 1]], weights: [1, 3], neutral: [0.0, 0.9])
        #expect(mixed.label == "neutral" && mixed.probabilities[1] > 0.75)   // P(neutral) 0.675, p(positive) 0.80
        // Whole texts: the head sees the encoder's own embedding; a clear review stays polar.
        let clear = analyzer.analyze(["An absolutely wonderful, moving film; I loved every minute."])[0]
        #expect(clear.label == "positive")
    }

    @Test("A neutral head of the wrong size, or malformed in config.json, is refused with the file named")
    func neutralHeadValidation() throws {
        let model = try Self.model.get()
        #expect(throws: AnalysisError.self) {
            try SentimentAnalyzer(model: model, neutralBand: nil, neutralHead: Self.marginHead(dimensions: 3))
        }
        let file = "/m/config.json"
        func stored(_ head: String) throws -> NeutralHead? {
            let config = JSONValue.parse(Data(#"{"squeezechat": {"neutral_below": 0.9, "neutral_head": \#(head)}}"#.utf8))
            return try SentimentSettings(section: config?["squeezechat"], file: file).neutralHead
        }
        let good = try stored(#"{"weights": [0.5, -1], "abs_margin": -0.2, "margin": 0.1, "bias": 0.3, "above": 0.45}"#)
        #expect(good == NeutralHead(weights: [0.5, -1], absMargin: -0.2, margin: 0.1, bias: 0.3, above: 0.45))
        for bad in [#"[1, 2]"#, #"{"weights": [], "abs_margin": 0, "margin": 0, "bias": 0, "above": 0.5}"#,
                    #"{"weights": [1], "abs_margin": "x", "margin": 0, "bias": 0, "above": 0.5}"#,
                    #"{"weights": [1], "abs_margin": 0, "margin": 0, "bias": 0, "above": 1.5}"#] {
            do {
                _ = try stored(bad)
                Issue.record("accepted \(bad)")
            } catch let error as AnalysisError {
                #expect(error.description.hasPrefix(file))
                #expect(!error.description.contains("\n"))
            }
        }
    }

    @Test("The direction head gives the binary probabilities; the neutral head still decides neutral")
    func directionHead() throws {
        let model = try Self.model.get()
        let C = model.config.hiddenSize
        // P(positive) = sigmoid(-m): the head reverses the classifier, so its use is unmistakable.
        let reverse = DirectionHead(weights: [Float](repeating: 0, count: C), margin: -1, bias: 0)
        let analyzer = try SentimentAnalyzer(model: model, neutralBand: nil, neutralHead: Self.marginHead(dimensions: C),
                                             directionHead: reverse)
        let embedding = [Float](repeating: 0, count: C)
        let flipped = analyzer.sentiment(of: "x", logits: [0, 3], embedding: embedding)
        #expect(flipped.label == "negative" && abs(flipped.probabilities[0] - 1 / (1 + exp(-3))) < 1e-6)
        #expect(flipped.logits == [0, 3])  // the classifier's logits are still reported as they are
        #expect(analyzer.sentiment(of: "x", logits: [0, 1], embedding: embedding).label == "neutral")
        // Windows: the head's P(positive) is averaged with the token weights.
        let mixed = analyzer.combine(text: "x", logits: [[0, 10], [0, 10]], weights: [1, 3], neutral: [0, 0], positive: [1, 0])
        #expect(mixed.label == "negative" && abs(mixed.probabilities[1] - 0.25) < 1e-6)
        // Whole texts: analyze() feeds the head the encoder's own embedding and margin.
        let review = "An absolutely wonderful, moving film; I loved every minute."
        let plain = try SentimentAnalyzer(model: model, neutralBand: nil).analyze([review])[0]
        let reversed = try SentimentAnalyzer(model: model, neutralBand: nil, directionHead: reverse).analyze([review])[0]
        #expect(plain.label == "positive" && reversed.label == "negative")
        #expect(abs(reversed.probabilities[1] - plain.probabilities[0]) < 1e-5)
    }

    @Test("A direction head of the wrong size, or malformed in config.json, is refused with the file named")
    func directionHeadValidation() throws {
        let model = try Self.model.get()
        #expect(throws: AnalysisError.self) {
            try SentimentAnalyzer(model: model, neutralBand: nil,
                                  directionHead: DirectionHead(weights: [1, 2, 3], margin: 1, bias: 0))
        }
        let file = "/m/config.json"
        func stored(_ head: String) throws -> DirectionHead? {
            let config = JSONValue.parse(Data(#"{"squeezechat": {"direction_head": \#(head)}}"#.utf8))
            return try SentimentSettings(section: config?["squeezechat"], file: file).directionHead
        }
        #expect(try stored(#"{"weights": [0.5, -1], "margin": 0.1, "bias": 0.3}"#)
                == DirectionHead(weights: [0.5, -1], margin: 0.1, bias: 0.3))
        for bad in [#""x""#, #"{"weights": [], "margin": 0, "bias": 0}"#, #"{"weights": [1], "margin": null, "bias": 0}"#,
                    #"{"weights": [1, "a"], "margin": 0, "bias": 0}"#] {
            do {
                _ = try stored(bad)
                Issue.record("accepted \(bad)")
            } catch let error as AnalysisError {
                #expect(error.description.hasPrefix(file))
                #expect(error.description.contains("direction_head") && !error.description.contains("\n"))
            }
        }
    }
}
