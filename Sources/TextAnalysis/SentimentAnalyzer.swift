import Foundation
import SqueezeBERT

/// Sentiment for any number of texts from an `EncoderModel` with a classification head.
///
/// Texts are encoded in batches (sorted by length so little is padded). A text longer than the
/// model's window is cut into overlapping windows at word boundaries; each window is scored and
/// the probabilities are averaged, weighted by the window's tokens, and `Sentiment.windows` says
/// how many were used. A binary head reports `neutral` when its model folder's `NeutralHead` says
/// so (windows' P(neutral) averaged the same way), or, without one, when it is unsure (`NeutralBand`);
/// a `DirectionHead`, where there is one, gives the binary probabilities.
public struct SentimentAnalyzer: Sendable {
    public let model: EncoderModel
    /// The band that turns an unsure binary decision into `neutral`; nil for none.
    public var neutralBand: NeutralBand?
    /// The neutral head; when set it decides neutral instead of the band.
    public var neutralHead: NeutralHead?
    /// The direction head; when set it gives the binary probabilities instead of the logits' softmax.
    public var directionHead: DirectionHead?
    /// Texts (or windows) per forward pass.
    public var batchSize: Int
    /// Word pieces shared by consecutive windows of a long text.
    public var windowOverlap: Int

    /// Fails when the model has no classification head.
    public init(model: EncoderModel, neutralBand: NeutralBand?, neutralHead: NeutralHead? = nil,
                directionHead: DirectionHead? = nil, batchSize: Int = 32, windowOverlap: Int = 32) throws {
        guard model.encoder.hasClassifier, !model.config.labels.isEmpty else {
            throw AnalysisError("model \(model.folder.path) has no classification head (config.json id2label and a classifier)")
        }
        for (key, weights) in [("neutral_head", neutralHead?.weights), ("direction_head", directionHead?.weights)] {
            if let weights, weights.count != model.config.hiddenSize {
                throw AnalysisError("\(model.configURL.path): squeezechat.\(key).weights: expected \(model.config.hiddenSize) "
                                    + "numbers (one per embedding dimension), found \(weights.count)")
            }
        }
        self.model = model
        self.neutralBand = neutralBand
        self.neutralHead = model.config.labels.count == 2 ? neutralHead : nil
        self.directionHead = model.config.labels.count == 2 ? directionHead : nil
        self.batchSize = max(1, batchSize)
        self.windowOverlap = max(0, windowOverlap)
    }

    /// An analyzer with the heads and band stored in the model folder's config.json, if any
    /// (`SentimentSettings`; only a two-label head reads them). A section that is present but
    /// broken is an error naming the file and the key.
    public init(model: EncoderModel, batchSize: Int = 32) throws {
        let settings = model.config.labels.count == 2 ? try SentimentSettings(model: model) : SentimentSettings()
        try self.init(model: model, neutralBand: settings.neutralBand, neutralHead: settings.neutralHead,
                      directionHead: settings.directionHead, batchSize: batchSize)
    }

    /// Whether the heads need each text's sentence embedding.
    var readsEmbeddings: Bool { neutralHead != nil || directionHead != nil }

    /// The label a neutral text gets, when this analyzer can report one.
    var neutralLabel: String? { neutralHead?.label ?? neutralBand?.label }

    /// The labels this analyzer can report, e.g. ["negative", "neutral", "positive"].
    public var outputLabels: [String] {
        let labels = model.config.labels
        guard let neutralLabel, labels.count == 2 else { return labels }
        return [labels[0], neutralLabel, labels[1]]
    }

    /// The sentiment of each text, in order.
    public func analyze(_ texts: [String]) -> [Sentiment] {
        // Every text becomes one or more windows; all windows of the call are encoded together.
        var windows: [(text: Int, piece: String, weight: Int)] = []
        for (index, text) in texts.enumerated() {
            for window in self.windows(of: text) { windows.append((index, window.text, window.tokens)) }
        }
        let order = windows.indices.sorted { windows[$0].piece.utf8.count < windows[$1].piece.utf8.count }
        var logits = [[Float]](repeating: [], count: windows.count)
        var neutral = [Float](repeating: 0, count: neutralHead == nil ? 0 : windows.count)
        var positive = [Float](repeating: 0, count: directionHead == nil ? 0 : windows.count)
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let chunk = Array(order[start..<min(start + batchSize, order.count)])
            let output = model.encode(chunk.map { windows[$0].piece }).output
            let L = output.labels.count
            for (row, index) in chunk.enumerated() {
                logits[index] = Array(output.logits![(row * L)..<((row + 1) * L)])
                guard readsEmbeddings else { continue }
                let embedding = output.sentenceEmbedding(row, pooling: .mean, normalize: true)
                if let neutralHead { neutral[index] = neutralHead.probability(embedding: embedding, logits: logits[index]) }
                if let directionHead { positive[index] = directionHead.probability(embedding: embedding, logits: logits[index]) }
            }
        }
        var results: [Sentiment] = []
        results.reserveCapacity(texts.count)
        var cursor = 0
        for (index, text) in texts.enumerated() {
            var end = cursor
            while end < windows.count, windows[end].text == index { end += 1 }
            results.append(combine(text: text, logits: Array(logits[cursor..<end]), weights: windows[cursor..<end].map(\.weight),
                                   neutral: neutral.isEmpty ? nil : Array(neutral[cursor..<end]),
                                   positive: positive.isEmpty ? nil : Array(positive[cursor..<end])))
            cursor = end
        }
        return results
    }

    /// The sentiment of a text already encoded in one window, from its logits and normalised
    /// mean-pooled embedding: how the chat reads a turn's sentiment from the same encoder pass
    /// that drives everything else.
    public func sentiment(of text: String, logits: [Float], embedding: [Float]) -> Sentiment {
        combine(text: text, logits: [logits], weights: [1],
                neutral: neutralHead.map { [$0.probability(embedding: embedding, logits: logits)] },
                positive: directionHead.map { [$0.probability(embedding: embedding, logits: logits)] })
    }

    /// Averages the windows' probabilities (weighted by tokens) and decides neutral: by the
    /// windows' averaged P(neutral) from the neutral head when there is one, else by the band.
    /// `positive` holds the direction head's P(second label) per window, when there is one.
    func combine(text: String, logits: [[Float]], weights: [Int], neutral: [Float]? = nil,
                 positive: [Float]? = nil) -> Sentiment {
        let labels = model.config.labels
        var probabilities = [Float](repeating: 0, count: labels.count)
        var meanLogits = [Float](repeating: 0, count: labels.count)
        let total = Float(weights.reduce(0, +))
        for (window, (row, weight)) in zip(logits, weights).enumerated() {
            let share = Float(weight) / max(total, 1)
            let windowProbabilities = positive.map { [1 - $0[window], $0[window]] } ?? softmax(row)
            for (l, p) in windowProbabilities.enumerated() { probabilities[l] += share * p }
            for l in row.indices { meanLogits[l] += share * row[l] }
        }
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        var label = labels[best]
        var neutralProbability: Float? = nil
        if let neutralHead, let neutral, labels.count == 2 {
            var p: Float = 0
            for (value, weight) in zip(neutral, weights) { p += value * Float(weight) / max(total, 1) }
            neutralProbability = p
            if p > neutralHead.above { label = neutralHead.label }
        } else if let neutralBand, labels.count == 2, probabilities[best] < neutralBand.below {
            label = neutralBand.label
        }
        return Sentiment(text: text, label: label, score: probabilities[best], labels: labels,
                         probabilities: probabilities, logits: meanLogits, windows: logits.count,
                         neutralProbability: neutralProbability)
    }

    /// The text itself when it fits the model's window, else overlapping windows cut at word
    /// boundaries, each with at most `window - 2` word pieces.
    func windows(of text: String) -> [(text: String, tokens: Int)] {
        let tokenizer = model.tokenizer
        let capacity = tokenizer.maxLength - 2
        let encoding = tokenizer.encode(text)
        // Below the limit nothing was cut; at the limit, count the pieces to be sure.
        if encoding.count < tokenizer.maxLength { return [(text, max(encoding.count - 2, 1))] }
        let words = text.split(whereSeparator: \.isWhitespace)
        let pieces = words.map { max(tokenizer.tokenize(String($0)).count, 0) }
        guard pieces.reduce(0, +) > capacity, capacity > 0 else { return [(text, encoding.count - 2)] }
        var result: [(text: String, tokens: Int)] = []
        var first = 0
        while first < words.count {
            var last = first, used = 0
            while last < words.count, used + pieces[last] <= capacity || last == first {
                used += pieces[last]
                last += 1
            }
            result.append((words[first..<last].joined(separator: " "), min(used, capacity)))
            if last == words.count { break }
            // Step back so the next window re-reads about `windowOverlap` pieces of this one.
            var next = last, shared = 0
            while next - 1 > first, shared + pieces[next - 1] <= windowOverlap {
                next -= 1
                shared += pieces[next]
            }
            first = next
        }
        return result
    }
}

/// Softmax of one row of logits.
func softmax(_ logits: [Float]) -> [Float] {
    var row = logits
    row.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, rows: 1, columns: $0.count) }
    return row
}

/// A problem the analysis cannot work around, in one line.
public struct AnalysisError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
