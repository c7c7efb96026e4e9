import Foundation
import SqueezeBERT

/// The sentiment settings a model folder keeps in its config.json `"squeezechat"` section:
/// `{"neutral_below": 0.96, "neutral_label": "neutral", "neutral_head": {...}, "direction_head": {...}}`.
///
/// The engine decodes the section with the rest of the file when the model loads; this types it.
/// Every part is optional, but a part that is present must be well-formed: a broken head is an
/// error naming the file and the key, never a silent "no head".
public struct SentimentSettings: Sendable, Equatable {
    /// The band that turns an unsure binary decision into `neutral`.
    public var neutralBand: NeutralBand?
    /// The neutral head; it decides neutral instead of the band.
    public var neutralHead: NeutralHead?
    /// The direction head; it gives the binary probabilities instead of the logits' softmax.
    public var directionHead: DirectionHead?

    public init(neutralBand: NeutralBand? = nil, neutralHead: NeutralHead? = nil, directionHead: DirectionHead? = nil) {
        self.neutralBand = neutralBand
        self.neutralHead = neutralHead
        self.directionHead = directionHead
    }

    /// The settings of a loaded model, from the section decoded with its config.json; each head
    /// must have one weight per embedding dimension.
    public init(model: EncoderModel) throws {
        try self.init(section: model.config.squeezechat, file: model.configURL.path,
                      dimensions: model.config.hiddenSize)
    }

    /// Types a decoded `"squeezechat"` section (nil: the file has none). `file` names config.json in
    /// errors; `dimensions`, when given, is the number of weights each head must have.
    public init(section: JSONValue?, file: String, dimensions: Int? = nil) throws {
        self.init()
        guard let section, section != .null else { return }
        let reader = SectionReader(file: file, dimensions: dimensions)
        guard let members = section.object else { throw reader.fail("", "must be an object") }
        let label = try reader.string(members, "neutral_label") ?? "neutral"
        if let below = try reader.number(members, "neutral_below") {
            guard below >= 0, below <= 1 else { throw reader.fail("neutral_below", "must be in 0...1, got \(below)") }
            neutralBand = NeutralBand(below: below, label: label)
        }
        if let head = try reader.object(members, "neutral_head") {
            let path = "neutral_head"
            let above = try reader.required(head, "above", in: path)
            guard above >= 0, above <= 1 else { throw reader.fail("\(path).above", "must be in 0...1, got \(above)") }
            neutralHead = NeutralHead(weights: try reader.weights(head, in: path),
                                      absMargin: try reader.required(head, "abs_margin", in: path),
                                      margin: try reader.required(head, "margin", in: path),
                                      bias: try reader.required(head, "bias", in: path), above: above, label: label)
        }
        if let head = try reader.object(members, "direction_head") {
            let path = "direction_head"
            directionHead = DirectionHead(weights: try reader.weights(head, in: path),
                                          margin: try reader.required(head, "margin", in: path),
                                          bias: try reader.required(head, "bias", in: path))
        }
    }
}

/// Reads typed values out of the section; each problem is one line naming the file and the key.
private struct SectionReader {
    let file: String
    let dimensions: Int?

    func fail(_ path: String, _ problem: String) -> AnalysisError {
        AnalysisError("\(file): squeezechat\(path.isEmpty ? "" : ".\(path)"): \(problem)")
    }

    /// The value of `key`, nil when it is absent or null.
    func value(_ members: [String: JSONValue], _ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    func string(_ members: [String: JSONValue], _ key: String) throws -> String? {
        guard let value = value(members, key) else { return nil }
        guard let text = value.string else { throw fail(key, "must be a string") }
        return text
    }

    func number(_ members: [String: JSONValue], _ key: String, in path: String? = nil) throws -> Float? {
        guard let value = value(members, key) else { return nil }
        guard let number = value.number.map(Float.init), number.isFinite else {
            throw fail(path.map { "\($0).\(key)" } ?? key, "must be a finite number")
        }
        return number
    }

    func required(_ members: [String: JSONValue], _ key: String, in path: String) throws -> Float {
        guard let number = try number(members, key, in: path) else { throw fail("\(path).\(key)", "missing (a finite number)") }
        return number
    }

    func object(_ members: [String: JSONValue], _ key: String) throws -> [String: JSONValue]? {
        guard let value = value(members, key) else { return nil }
        guard let object = value.object else { throw fail(key, "must be an object") }
        return object
    }

    func weights(_ members: [String: JSONValue], in path: String) throws -> [Float] {
        let key = "\(path).weights"
        guard let list = value(members, "weights")?.array, !list.isEmpty else {
            throw fail(key, "must be a non-empty array of numbers")
        }
        let weights = list.compactMap { $0.number.map(Float.init) }
        guard weights.count == list.count else { throw fail(key, "must be a non-empty array of numbers") }
        guard weights.allSatisfy(\.isFinite) else { throw fail(key, "must be finite") }
        if let dimensions, weights.count != dimensions {
            throw fail(key, "expected \(dimensions) numbers (one per embedding dimension), found \(weights.count)")
        }
        return weights
    }
}
