// Writing tensors to a `.safetensors` file, laid out exactly as the reference `safetensors`
// package lays them out, so its readers (and ours) accept the result.
//
// Layout, following the reference writer: tensors sorted by dtype (widest first: F32, F16,
// I8) then by name, packed back to back; the compact JSON header lists `__metadata__` first
// (omitted when empty, keys sorted) and then the tensors in that order, padded with spaces to
// a multiple of 8 bytes so that every tensor starts aligned to its element size. For the
// same tensors and at most one metadata key the bytes are identical to the reference's.
// The file is written atomically. Used by tests and by quantisation tools; the whole model
// is held in memory, which is fine at SqueezeBERT scale.

/// Collects tensors and writes them as one `.safetensors` file.
public struct SafeTensorsWriter: Sendable {
    /// Tensor values the writer can store, and the dtype each becomes.
    public enum Values: Sendable {
        /// Stored as F32.
        case f32([Float])
        /// Stored as F16, each value rounded to nearest (ties to even); out of range -> infinity.
        case f16([Float])
        /// Stored as I8.
        case i8([Int8])
    }

    /// Why a tensor could not be added or the file could not be written.
    public struct WriteError: Error, Equatable, CustomStringConvertible, Sendable {
        /// The file being written, or nil when the problem is with a tensor being added.
        public let file: String?
        /// What is wrong, in a few words.
        public let problem: String
        /// `file: problem`, or just the problem when no file is involved.
        public var description: String { file.map { "\($0): \(problem)" } ?? problem }
    }

    /// One tensor waiting to be written.
    struct Pending: Sendable {
        let name: String
        let shape: [Int]
        let values: Values
    }

    /// Free-form strings stored under `__metadata__`.
    public var metadata: [String: String]
    /// Tensors added so far, by name.
    private(set) var tensors: [String: Pending] = [:]

    /// An empty writer with the given metadata.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }
}

extension SafeTensorsWriter.Values {
    /// The dtype these values are stored as.
    public var dtype: SafeTensorsDType {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .i8: .i8
        }
    }

    /// The number of values.
    var count: Int {
        switch self {
        case .f32(let values), .f16(let values): values.count
        case .i8(let values): values.count
        }
    }
}

extension SafeTensorsWriter {
    /// Adds tensor `name` with dimensions `shape` (row-major `values`). Throws if the name is
    /// taken or reserved, or the value count is not the product of `shape`.
    public mutating func add(_ name: String, shape: [Int], _ values: Values) throws(WriteError) {
        func refuse(_ problem: String) -> WriteError { WriteError(file: nil, problem: "tensor '\(name)': \(problem)") }
        guard name != SafeTensorsHeader.metadataKey else { throw refuse("the name is reserved for metadata") }
        guard tensors[name] == nil else { throw refuse("already added") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw refuse("shape \(describe(shape: shape)) has a negative dimension") }
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw refuse("shape \(describe(shape: shape)) is too large") }
            elements = product
        }
        guard values.count == elements else {
            throw refuse("shape \(describe(shape: shape)) holds \(elements) values, got \(values.count)")
        }
        tensors[name] = Pending(name: name, shape: shape, values: values)
    }

    /// Writes every added tensor to `path` atomically, replacing any file there.
    public func write(to path: String) throws(WriteError) {
        try writeAtomically(encoded(), to: path)
    }

    /// The complete file: header length, header, then the tensors' bytes.
    public func encoded() -> [UInt8] {
        // Widest dtype first, then by name compared as bytes, as the reference orders them.
        let ordered = tensors.values.sorted { a, b in
            let (widthA, widthB) = (a.values.dtype.bitWidth, b.values.dtype.bitWidth)
            return widthA != widthB ? widthA > widthB : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        let header = headerBytes(for: ordered)
        let dataSize = ordered.reduce(0) { $0 + $1.values.count * $1.values.dtype.bitWidth / 8 }

        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + dataSize)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: header)
        for tensor in ordered {
            Self.appendLittleEndianBytes(of: tensor.values, to: &file)
        }
        return file
    }
}

extension SafeTensorsWriter {
    /// The JSON header for `ordered` tensors, space-padded to a multiple of 8 bytes.
    private func headerBytes(for ordered: [Pending]) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }
            fields.append("\(JSONText.quoted(SafeTensorsHeader.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in ordered {
            let size = tensor.values.count * tensor.values.dtype.bitWidth / 8
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(JSONText.quoted(tensor.name)):{\"dtype\":\"\(tensor.values.dtype.rawValue)\","
                    + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var bytes = Array("{\(fields.joined(separator: ","))}".utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    /// Appends `values` as the little-endian bytes of their stored dtype.
    private static func appendLittleEndianBytes(of values: Values, to file: inout [UInt8]) {
        switch values {
        case .f32(let floats):
            #if _endian(little)
            floats.withUnsafeBytes { file.append(contentsOf: $0) }
            #else
            floats.map { $0.bitPattern.littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
            #endif
        case .f16(let floats):
            floats.map { $0.halfBits.littleEndian }.withUnsafeBytes { file.append(contentsOf: $0) }
        case .i8(let integers):
            integers.withUnsafeBytes { file.append(contentsOf: $0) }
        }
    }
}
