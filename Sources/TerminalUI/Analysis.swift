import ChatEngine
import Foundation
import SqueezeBERT
import TextAnalysis

/// Tags each sentence of a text with a sentiment, for `/tag`. A protocol so the screen can be
/// tested without a model.
public protocol SentenceTagger: Sendable {
    /// Each sentence of `text` with its label and probability; empty when the model cannot tag.
    func tag(_ text: String) -> [TaggedSentence]
}

/// The tagger `squeezechat tag` uses too: TextAnalysis's sentence splitter and sentiment analyzer
/// (with the model's neutral band), all sentences in one batch.
public struct AnalyzerSentenceTagger: SentenceTagger {
    public let analyzer: SentimentAnalyzer?
    public let splitter = SentenceSplitter()

    /// A tagger for `model`; it tags nothing when the model has no classification head.
    public init(model: EncoderModel) { analyzer = try? SentimentAnalyzer(model: model) }

    public func tag(_ text: String) -> [TaggedSentence] {
        guard let analyzer else { return [] }
        return analyzer.analyze(splitter.split(text)).map {
            TaggedSentence(sentence: $0.text, label: $0.label, score: $0.score)
        }
    }
}

/// Leave-one-word-out attribution for `/why`: for each word, how much the probability of the
/// text's sentiment label drops when that word is removed (negative: the word worked against it).
public enum Attribution {
    /// The label, its probability, and each word's delta; nil when the model has no classification head.
    public static func leaveOneOut(_ text: String, model: EncoderModel) -> (label: String, score: Float, words: [WordAttribution])? {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty, model.encoder.hasClassifier else { return nil }
        let variants = [words.joined(separator: " ")] + words.indices.map { skip in
            words.enumerated().filter { $0.offset != skip }.map(\.element).joined(separator: " ")
        }
        var probabilities: [[Float]] = []
        for start in stride(from: 0, to: variants.count, by: 32) {
            let output = model.encode(Array(variants[start..<min(start + 32, variants.count)])).output
            for index in 0..<output.batchSize { probabilities.append(output.probabilities(index) ?? []) }
        }
        guard let base = probabilities.first, let best = base.indices.max(by: { base[$0] < base[$1] }) else { return nil }
        let labels = model.config.labels
        let attributions = words.indices.map { WordAttribution(word: words[$0], delta: base[best] - probabilities[$0 + 1][best]) }
        return (labels[best], base[best], attributions)
    }
}
