import Foundation

/// The one JSON writer behind every `--json` and `--format jsonl` output: `Encodable` values as one
/// compact line, keys in the order the type encodes them (declaration order for synthesized
/// conformances) and in snake case (`timingsMs` is written "timings_ms"; keys that are data, see
/// `NameKey`, are written as they are). Numbers keep the documented forms: Float and Double in Swift's shortest
/// round-trip form ("0.25", "1.0", "1e-05"), integers as they are, `FixedDigits` with exactly its
/// digits; a value that is not finite becomes null (JSON has no NaN).
enum JSONOutput {
    /// `value` as one line of JSON.
    static func line<Value: Encodable>(_ value: Value) -> String {
        let root = Node()
        do {
            try root.encode(value)
        } catch {
            // The writer itself never throws; only a type's own encode(to:) could.
            preconditionFailure("cannot write JSON: \(error)")
        }
        var out = ""
        root.write(to: &out)
        return out
    }

    /// Prints `value` as one line of JSON on standard output.
    static func print<Value: Encodable>(_ value: Value) {
        Swift.print(line(value))
    }

    /// `text` as a JSON string literal: quote, backslash and control characters escaped (as
    /// serde_json does), everything else written as is (UTF-8).
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A number written with a fixed count of decimals ("12.3456" for 4), as the bench and timing
/// fields document them; null when not finite.
struct FixedDigits: Encodable, JSONLiteral {
    let value: Double
    let digits: Int

    init(_ value: Double, _ digits: Int) {
        self.value = value
        self.digits = digits
    }

    var jsonLiteral: String { value.isFinite ? String(format: "%.\(digits)f", value) : "null" }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// A value that is written as null when absent, where a plain optional would leave the key out.
struct OrNull<Wrapped: Encodable>: Encodable {
    let value: Wrapped?

    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        // Through a container, so the writer still sees the value itself (a FixedDigits keeps its digits).
        var container = encoder.singleValueContainer()
        if let value {
            try container.encode(value)
        } else {
            try container.encodeNil()
        }
    }
}

/// Label -> value pairs written as one object in the labels' order (a dictionary would lose it).
struct LabelledValues<Value: Encodable>: Encodable {
    let pairs: [(String, Value)]

    init<Labels: Sequence, Values: Sequence>(_ labels: Labels, _ values: Values)
    where Labels.Element == String, Values.Element == Value {
        pairs = Array(zip(labels, values))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: NameKey.self)
        for (label, value) in pairs { try container.encode(value, forKey: NameKey(label)) }
    }
}

/// A coding key made from any string, for objects whose keys are data.
struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A value that writes its own JSON text (a number in a documented format).
protocol JSONLiteral {
    var jsonLiteral: String { get }
}

// MARK: - The encoder

/// One JSON value under construction; objects keep their keys in insertion order.
private final class Node {
    enum Content {
        case empty
        case literal(String)
        case array([Node])
        case object([(String, Node)])
    }

    var content = Content.empty

    func encode<Value: Encodable>(_ value: Value) throws {
        if let literal = value as? any JSONLiteral {
            content = .literal(literal.jsonLiteral)
        } else {
            try value.encode(to: NodeEncoder(node: self))
        }
    }

    func child(forKey key: String) -> Node {
        let node = Node()
        if case .object(var members) = content {
            members.append((key, node))
            content = .object(members)
        } else {
            content = .object([(key, node)])
        }
        return node
    }

    func appended() -> Node {
        let node = Node()
        if case .array(var elements) = content {
            elements.append(node)
            content = .array(elements)
        } else {
            content = .array([node])
        }
        return node
    }

    func write(to out: inout String) {
        switch content {
        case .empty: out += "null"
        case .literal(let text): out += text
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                out += JSONOutput.quoted(key) + ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func number<Number: BinaryFloatingPoint & LosslessStringConvertible>(_ value: Number) -> String {
        value.isFinite ? value.description : "null"
    }
}

private struct NodeEncoder: Encoder {
    let node: Node
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedNode<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedNode(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleNode(node: node, codingPath: codingPath)
    }
}

private struct KeyedNode<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey]

    /// The key as written: a property name in snake case, a `NameKey` as it is.
    func name(_ key: Key) -> String {
        if key is NameKey { return key.stringValue }
        var out = ""
        for character in key.stringValue {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    mutating func encodeNil(forKey key: Key) throws { node.child(forKey: name(key)).content = .literal("null") }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.child(forKey: name(key)).encode(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.child(forKey: name(key)), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.child(forKey: name(key)), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.child(forKey: "super"), codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.child(forKey: name(key)), codingPath: codingPath + [key])
    }
}

private struct UnkeyedNode: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]
    var count: Int {
        if case .array(let elements) = node.content { return elements.count }
        return 0
    }

    mutating func encodeNil() throws { node.appended().content = .literal("null") }

    mutating func encode<T: Encodable>(_ value: T) throws { try node.appended().encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.appended(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.appended(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.appended(), codingPath: codingPath) }
}

private struct SingleNode: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .literal("null") }
    mutating func encode(_ value: Bool) throws { node.content = .literal(value ? "true" : "false") }
    mutating func encode(_ value: String) throws { node.content = .literal(JSONOutput.quoted(value)) }
    mutating func encode(_ value: Double) throws { node.content = .literal(Node.number(value)) }
    mutating func encode(_ value: Float) throws { node.content = .literal(Node.number(value)) }
    mutating func encode(_ value: Int) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: Int8) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: Int16) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: Int32) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: Int64) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: UInt) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: UInt8) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: UInt16) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: UInt32) throws { node.content = .literal(String(value)) }
    mutating func encode(_ value: UInt64) throws { node.content = .literal(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try node.encode(value) }
}
