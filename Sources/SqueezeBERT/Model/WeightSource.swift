/// Where the encoder's parameters come from: a checkpoint addressed by its own key names.
///
/// `SafeTensorsFile` is the real source; tests may supply tensors from memory.
public protocol WeightSource {
    /// The file the weights are read from, for error messages.
    var path: String { get }
    /// Whether the checkpoint holds a tensor of this name.
    func contains(_ name: String) -> Bool
    /// The tensor's values as Float32 in row-major order; throws `.missingTensor` when absent and
    /// `.shapeMismatch` when its shape is not `expectedShape`.
    func floatTensor(name: String, expectedShape: [Int]) throws -> [Float]
    /// The tensor as Float32 values read in place (no copy), when the source can: a float32,
    /// little-endian, 4-byte-aligned tensor of a memory-mapped file. The pointer stays valid while
    /// `owner` lives. Nil means "use `floatTensor`".
    func mappedFloats(name: String, expectedShape: [Int]) -> (values: UnsafePointer<Float>, owner: AnyObject)?
    /// Hints that tensor `name` has been copied out and its source memory can be released.
    func release(_ name: String)
}

extension WeightSource {
    public func release(_ name: String) {}

    public func mappedFloats(name: String, expectedShape: [Int]) -> (values: UnsafePointer<Float>, owner: AnyObject)? {
        nil
    }
}

extension SafeTensorsFile: WeightSource {
    public func contains(_ name: String) -> Bool { info(name) != nil }

    public func release(_ name: String) {
        guard let entry = entries[name] else { return }
        mapping.releasePages((dataStart + entry.begin)..<(dataStart + entry.end))
    }

    public func mappedFloats(name: String, expectedShape: [Int]) -> (values: UnsafePointer<Float>, owner: AnyObject)? {
        #if _endian(little)
        guard let entry = entries[name], entry.info.dtype == .f32, entry.info.shape == expectedShape,
              entry.info.elementCount > 0 else { return nil }
        let raw = bytes(of: entry)
        guard let base = raw.baseAddress, Int(bitPattern: base) % 4 == 0 else { return nil }
        return (base.assumingMemoryBound(to: Float.self), self)
        #else
        return nil
        #endif
    }
}

/// A read-only Float table: either read in place from a memory-mapped checkpoint (only the rows
/// used are ever paged in, which keeps the 30k-row word embeddings out of resident memory) or
/// an owned copy.
final class FloatTable: @unchecked Sendable {
    let values: UnsafePointer<Float>
    private let owner: AnyObject

    init(name: String, expectedShape: [Int], weights: some WeightSource) throws {
        if let mapped = weights.mappedFloats(name: name, expectedShape: expectedShape) {
            (values, owner) = mapped
        } else {
            let copy = try weights.floatTensor(name: name, expectedShape: expectedShape)
            let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(copy.count, 1))
            storage.initialize(from: copy, count: copy.count)
            values = UnsafePointer(storage)
            owner = Storage(storage)
        }
    }

    private final class Storage {
        let pointer: UnsafeMutablePointer<Float>
        init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
        deinit { pointer.deallocate() }
    }
}
