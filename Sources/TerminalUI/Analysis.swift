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

