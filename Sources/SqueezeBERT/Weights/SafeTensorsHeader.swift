// The `.safetensors` header: parsing it, and refusing anything that does not describe
// exactly the bytes that follow it.
//
// Layout: an 8-byte little-endian header length N, then N bytes of UTF-8 JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}
// with offsets counted from the first byte after the header (the data section).
//
// Everything is checked here, once, at open time, so that reading a tensor later cannot go
// out of bounds: every entry has a known dtype, whole non-negative dimensions whose product
// fits in Int, begin <= end <= data section size, end - begin == elements x dtype size, and
// no two tensors share a byte. Gaps between tensors and unused trailing bytes are allowed
// (they are harmless, though the reference writer never leaves any). An unknown dtype name
// is an error at open time, not when the tensor is requested: without its element size the
// entry's byte range cannot be checked, and a file we cannot check is a file we do not read.

/// A validated `.safetensors` header.
struct SafeTensorsHeader {
    /// One tensor's header entry, with its byte range in the data section.
    struct Entry {
        /// The tensor's key in the checkpoint.
        let name: String
        /// Its dtype and shape.
        let info: TensorInfo
        /// Byte range relative to the start of the data section.
        let begin: Int
        let end: Int
    }

    /// The `__metadata__` strings (empty if absent).
    let metadata: [String: String]
    /// Entries by tensor name.
    let entries: [String: Entry]
    /// Tensor names in data-section order (by begin, then end, then name).
    let orderedNames: [String]
}

extension SafeTensorsHeader {
    /// The reserved key holding free-form string metadata.
    static let metadataKey = "__metadata__"

    /// Parses and validates the JSON `json` describing a data section of `dataSize` bytes.
    /// `file` is only used to name the file in errors.
    init(json: UnsafeRawBufferPointer, dataSize: Int, file: String) throws(ModelLoadError) {
        func malformed(_ problem: String) -> ModelLoadError {
            ModelLoadError(.malformedFile, file: file, problem)
        }
        guard let root = JSONValue.parse(json) else {
            throw malformed("header is not valid JSON")
        }
        guard case .object(let fields) = root else {
            throw malformed("header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        entries.reserveCapacity(fields.count)
        for (name, value) in fields {
            if name == Self.metadataKey {
                metadata = try Self.metadata(from: value, file: file)
            } else {
                entries[name] = try Self.entry(named: name, from: value, dataSize: dataSize, file: file)
            }
        }

        let ordered = entries.values.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        // Sorted by begin, a tensor overlaps an earlier one exactly when it starts before the
        // furthest end seen so far. Empty tensors occupy no bytes and overlap nothing.
        var furthest: Entry?
        for entry in ordered where entry.end > entry.begin {
            if let previous = furthest, entry.begin < previous.end {
                throw malformed(
                    "tensors '\(previous.name)' and '\(entry.name)' overlap "
                        + "(bytes \(previous.begin)..<\(previous.end) and \(entry.begin)..<\(entry.end))")
            }
            if entry.end > (furthest?.end ?? 0) { furthest = entry }
        }

        self.metadata = metadata
        self.entries = entries
        self.orderedNames = ordered.map(\.name)
    }

    /// Reads `__metadata__`: an object of strings, or null.
    private static func metadata(from value: JSONValue, file: String) throws(ModelLoadError) -> [String: String] {
        switch value {
        case .null:
            return [:]
        case .object(let fields):
            var strings: [String: String] = [:]
            for (key, field) in fields {
                guard case .string(let text) = field else {
                    throw ModelLoadError(.malformedFile, file: file, "__metadata__ value for '\(key)' is not a string")
                }
                strings[key] = text
            }
            return strings
        default:
            throw ModelLoadError(.malformedFile, file: file, "__metadata__ is not an object of strings")
        }
    }

    /// Reads and checks one tensor entry against a data section of `dataSize` bytes.
    private static func entry(
        named name: String, from value: JSONValue, dataSize: Int, file: String
    ) throws(ModelLoadError) -> Entry {
        func malformed(_ problem: String) -> ModelLoadError {
            ModelLoadError(.malformedFile, file: file, "tensor '\(name)': \(problem)")
        }
        guard case .object(let fields) = value else { throw malformed("entry is not an object") }

        guard let dtypeValue = fields["dtype"] else { throw malformed("missing \"dtype\"") }
        guard case .string(let dtypeName) = dtypeValue else { throw malformed("\"dtype\" is not a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw ModelLoadError(.unsupportedDType, file: file, "tensor '\(name)' has unknown dtype \"\(dtypeName)\"")
        }

        guard let shapeValue = fields["shape"] else { throw malformed("missing \"shape\"") }
        guard let shape = naturals(shapeValue) else {
            throw malformed("\"shape\" is not an array of non-negative integers")
        }

        guard let offsetsValue = fields["data_offsets"] else { throw malformed("missing \"data_offsets\"") }
        guard let offsets = naturals(offsetsValue), offsets.count == 2 else {
            throw malformed("\"data_offsets\" is not two non-negative integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw malformed("data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= dataSize else {
            throw malformed("data_offsets end \(end) is past the end of the \(dataSize)-byte data section")
        }

        // elements x bitWidth / 8, refusing overflow and partial bytes (F4, F6 pack several per byte).
        var bits = dtype.bitWidth
        for dimension in shape {
            let (product, overflow) = bits.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw malformed("shape \(describe(shape: shape)) is too large") }
            bits = product
        }
        guard bits % 8 == 0 else {
            throw malformed("\(dtypeName) \(describe(shape: shape)) does not fill a whole number of bytes")
        }
        guard end - begin == bits / 8 else {
            throw malformed("\(dtypeName) \(describe(shape: shape)) needs \(bits / 8) bytes but data_offsets span \(end - begin)")
        }
        return Entry(name: name, info: TensorInfo(dtype: dtype, shape: shape), begin: begin, end: end)
    }

    /// The array's elements if it is an array of non-negative integers.
    private static func naturals(_ value: JSONValue) -> [Int]? {
        guard case .array(let items) = value else { return nil }
        var numbers: [Int] = []
        numbers.reserveCapacity(items.count)
        for item in items {
            guard case .integer(let number) = item, number >= 0 else { return nil }
            numbers.append(number)
        }
        return numbers
    }
}
