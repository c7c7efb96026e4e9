// Any JSON value, decoded without a schema, so a header can be checked field by field.
//
// Decoding the `.safetensors` header straight into Codable structs would turn every mistake
// into a DecodingError about coding paths; decoding into this tree first lets the header
// validator say "tensor 'x': shape must be an array of non-negative integers" instead.
// Integers are kept apart from other numbers because shapes and offsets must be whole.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A parsed JSON value.
enum JSONValue: Equatable {
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
    init(from decoder: any Decoder) throws {
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
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}
