// A `.safetensors` checkpoint, opened by memory-mapping it and validating its header.
//
// This file is the type and its opening; reading tensors out of it as Float (or Int8) is in
// SafeTensorsFile+Reading.swift, the header rules in SafeTensorsHeader.swift. Tensors are
// looked up by the checkpoint's own key names ("encoder.layers.0.attention.query.weight"),
// so the model loader reads like the reference module tree. Nothing is converted or copied
// at open time beyond the JSON header.

/// An open, validated `.safetensors` file whose tensors can be read by name.
///
/// Immutable after `init`, and safe to share across tasks; the mapping is released when the
/// last reference goes.
public final class SafeTensorsFile: Sendable {
    /// The path the file was opened from; errors name it.
    public let path: String
    /// The header's free-form `__metadata__` strings (empty if it has none).
    public let metadata: [String: String]
    /// Every tensor name, in the order the tensors' bytes appear in the file.
    public let names: [String]

    let entries: [String: SafeTensorsHeader.Entry]
    let mapping: MappedFile
    /// Offset of the data section (the first byte after the header) within the file.
    let dataStart: Int

    /// Maps and validates the file at `path`; throws `.missingFile`, `.malformedFile` or
    /// `.unsupportedDType` (a dtype name the format does not define).
    public init(path: String) throws(ModelLoadError) {
        let mapping = try MappedFile(path: path)
        let bytes = mapping.bytes
        func malformed(_ problem: String) -> ModelLoadError {
            ModelLoadError(.malformedFile, file: path, problem)
        }

        guard bytes.count >= 8 else {
            throw malformed("file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw malformed("header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        let dataStart = 8 + Int(headerLength)
        let header = try SafeTensorsHeader(
            json: UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]),
            dataSize: bytes.count - dataStart,
            file: path)

        self.path = path
        self.metadata = header.metadata
        self.names = header.orderedNames
        self.entries = header.entries
        self.mapping = mapping
        self.dataStart = dataStart
    }
}

extension SafeTensorsFile {
    /// The dtype and shape of tensor `name`, or nil if the file has no such tensor.
    public func info(_ name: String) -> TensorInfo? {
        entries[name]?.info
    }

    /// The raw bytes of `entry`; valid only while `self` is alive.
    func bytes(of entry: SafeTensorsHeader.Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapping.bytes[(dataStart + entry.begin)..<(dataStart + entry.end)])
    }
}
