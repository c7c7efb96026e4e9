// Any JSON value, decoded without a schema, so a file can be checked field by field.
//
// Decoding the `.safetensors` header or `config.json` straight into Codable structs would turn
// every mistake into a DecodingError about coding paths; decoding into this tree first lets the
// validator say "tensor 'x': shape must be an array of non-negative integers" instead. The
// config's own sections for the layers above the engine are handed on in this form.
// Integers are kept apart from other numbers because shapes and offsets must be whole.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed JSON value.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number with an integral value that fits in `Int` (`3`, `3.0` and `3e0` alike).
    case integer(Int)
    /// Any other number: fractional, or too large for `Int`.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

extension JSONValue {
    /// Parses `bytes` as one JSON document; `nil` when it is not valid JSON.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        parse(Data(bytes))
    }

    /// Parses `data` as one JSON document; `nil` when it is not valid JSON.
    public static func parse(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The number, integral or not; nil for anything else (booleans included).
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The text of a string value.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of an array value.
    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of an object value.
    public var object: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}
