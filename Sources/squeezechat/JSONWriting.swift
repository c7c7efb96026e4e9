import SqueezeBERT

/// Minimal JSON writing for the commands' line-oriented output: strings escaped by the engine's
/// `JSONText`, and Float32 values in their shortest round-trip form (full float precision).
enum JSON {
    static func string(_ text: String) -> String { JSONText.quoted(text) }

    static func number(_ value: Float) -> String {
        // JSON has no NaN or infinity; the encoder never produces them from finite weights.
        value.isFinite ? "\(value)" : "null"
    }

    static func array(_ values: [Float]) -> String {
        "[" + values.map(number).joined(separator: ",") + "]"
    }

    static func array(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ",") + "]"
    }
}
