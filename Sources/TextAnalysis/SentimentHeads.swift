import Foundation
import SqueezeBERT

/// A logistic regression over what one encoder pass already has for a text: its normalised
/// mean-pooled sentence embedding and the binary head's margin m (logit of the second label minus
/// the first): P = sigmoid(weights . embedding + absMargin |m| + margin m + bias).
/// It costs one dot product per text, so the chat can afford it on every turn.
public struct LogisticHead: Sendable, Equatable {
    /// One weight per embedding dimension.
    public var weights: [Float]
    /// The weight of |m|.
    public var absMargin: Float
    /// The weight of m.
    public var margin: Float
    public var bias: Float

    public init(weights: [Float], absMargin: Float = 0, margin: Float, bias: Float) {
        self.weights = weights
        self.absMargin = absMargin
        self.margin = margin
        self.bias = bias
    }

    /// P for one text (or window): its normalised mean-pooled embedding and the binary head's logits.
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        let m = logits.count == 2 ? logits[1] - logits[0] : 0
        let z = bias + absMargin * abs(m) + margin * m
            + Kernels.dot(weights, embedding, count: min(weights.count, embedding.count))
        return 1 / (1 + Foundation.exp(-z))
    }
}

/// When a binary head's result counts as neutral, asked directly: P(neutral) from a
/// `LogisticHead`; a text is neutral when P(neutral) > `above`. Fitted by
/// training/neutral_head.py; it replaces the band where a model folder stores one.
public struct NeutralHead: Sendable, Equatable {
    public var head: LogisticHead
    /// Neutral when P(neutral) is above this.
    public var above: Float
    /// The label to report.
    public var label: String

    public init(weights: [Float], absMargin: Float, margin: Float, bias: Float, above: Float, label: String = "neutral") {
        head = LogisticHead(weights: weights, absMargin: absMargin, margin: margin, bias: bias)
        self.above = above
        self.label = label
    }

    public var weights: [Float] { head.weights }

    /// P(neutral) for one text (or window).
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        head.probability(embedding: embedding, logits: logits)
    }
}

/// The direction of a binary result, re-read from the same encoder pass: P(second label) from a
/// `LogisticHead` over the embedding and the margin, fitted on tweets and SST-2 phrases together
/// (training/direction_head.py), so that text unlike the classifier's movie-review training data
/// gets a better-calibrated direction. Where a model folder stores one, it gives the binary
/// probabilities instead of the softmax of the logits.
public struct DirectionHead: Sendable, Equatable {
    public var head: LogisticHead

    public init(weights: [Float], margin: Float, bias: Float) {
        head = LogisticHead(weights: weights, margin: margin, bias: bias)
    }

    public var weights: [Float] { head.weights }

    /// P(second label) for one text (or window); the first label's is 1 minus it.
    public func probability(embedding: [Float], logits: [Float]) -> Float {
        head.probability(embedding: embedding, logits: logits)
    }
}

extension NeutralHead {
    /// The head in `folder/config.json`'s `squeezechat.neutral_head`, or nil when there is none.
    public static func stored(in folder: URL) throws -> NeutralHead? {
        guard let stored = try StoredHead(in: folder, key: "neutral_head") else { return nil }
        let above = try stored.number("above")
        guard above >= 0, above <= 1 else { throw stored.fail("above must be in 0...1, got \(above)") }
        return NeutralHead(weights: try stored.weights(), absMargin: try stored.number("abs_margin"),
                           margin: try stored.number("margin"), bias: try stored.number("bias"), above: above,
                           label: stored.section["neutral_label"] as? String ?? "neutral")
    }
}

extension DirectionHead {
    /// The head in `folder/config.json`'s `squeezechat.direction_head`, or nil when there is none.
    public static func stored(in folder: URL) throws -> DirectionHead? {
        guard let stored = try StoredHead(in: folder, key: "direction_head") else { return nil }
        return DirectionHead(weights: try stored.weights(), margin: try stored.number("margin"), bias: try stored.number("bias"))
    }
}

/// One head object in a model folder's config.json `squeezechat` section, read with one-line
/// errors that name the file and the key.
struct StoredHead {
    let url: URL
    let key: String
    let section: [String: Any]
    let entry: [String: Any]

    /// Nil when the file, its `squeezechat` section or the key is absent.
    init?(in folder: URL, key: String) throws {
        url = folder.appendingPathComponent("config.json")
        self.key = key
        guard let data = try? Data(contentsOf: url),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let section = json["squeezechat"] as? [String: Any],
              let value = section[key] else { return nil }
        self.section = section
        guard let entry = value as? [String: Any] else {
            throw AnalysisError("\(url.path): squeezechat.\(key) must be an object")
        }
        self.entry = entry
    }

    func fail(_ problem: String) -> AnalysisError { AnalysisError("\(url.path): squeezechat.\(key) \(problem)") }

    func number(_ name: String) throws -> Float {
        guard let value = entry[name] as? NSNumber, value.floatValue.isFinite else { throw fail("needs a finite number \"\(name)\"") }
        return value.floatValue
    }

    func weights() throws -> [Float] {
        guard let list = entry["weights"] as? [NSNumber], !list.isEmpty else { throw fail("needs a non-empty \"weights\" array of numbers") }
        let weights = list.map(\.floatValue)
        guard weights.allSatisfy(\.isFinite) else { throw fail("weights must be finite") }
        return weights
    }
}
