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
    /// Tensor `name` as int8 rows with one scale per row, read in place, when the checkpoint
    /// stores it quantised (I8 plus `<name>_scale`); nil when it stores floats. Throws
    /// `.shapeMismatch` when its shape is not `expectedShape`, and the file's own errors.
    func quantizedRows(name: String, expectedShape: [Int]) throws -> QuantizedRows?
    /// Whether the checkpoint stores tensor `name` quantised (I8 plus `<name>_scale`).
    func isQuantized(_ name: String) -> Bool
    /// Hints that tensor `name` has been copied out and its source memory can be released.
    func release(_ name: String)
}

/// A quantised matrix as a checkpoint stores it: row r's values are `values[r * columns + c] * scales[r]`,
/// for input channels multiplied by `smoothing` when it is not nil (`InputSmoothing`).
public struct QuantizedRows {
    public let values: UnsafePointer<Int8>
    public let scales: [Float]
    /// One factor per input channel over all groups, or nil.
    public let smoothing: [Float]?
    /// Keeps `values` valid.
    public let owner: AnyObject

    public init(values: UnsafePointer<Int8>, scales: [Float], smoothing: [Float]? = nil, owner: AnyObject) {
        (self.values, self.scales, self.smoothing, self.owner) = (values, scales, smoothing, owner)
    }

    public var rows: Int { scales.count }
}

extension WeightSource {
    public func release(_ name: String) {}

    public func mappedFloats(name: String, expectedShape: [Int]) -> (values: UnsafePointer<Float>, owner: AnyObject)? {
        nil
    }

    public func quantizedRows(name: String, expectedShape: [Int]) throws -> QuantizedRows? { nil }

    public func isQuantized(_ name: String) -> Bool { false }
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

    public func isQuantized(_ name: String) -> Bool { entries[name]?.info.dtype == .i8 }

    public func quantizedRows(name: String, expectedShape: [Int]) throws -> QuantizedRows? {
        guard let entry = entries[name], entry.info.dtype == .i8 else { return nil }
        guard entry.info.shape == expectedShape else {
            throw ModelLoadError(
                .shapeMismatch, file: path,
                "tensor '\(name)' has shape \(describe(shape: entry.info.shape)), expected \(describe(shape: expectedShape))")
        }
        let (values, scales) = try quantizedRows(entry)
        guard let base = values.baseAddress, !scales.isEmpty else { return nil }
        return QuantizedRows(values: base, scales: scales, smoothing: try smoothingFactors(entry), owner: self)
    }
}

/// A read-only embedding table whose rows are gathered per token: read in place from the
/// memory-mapped checkpoint when it stores float32 or int8 rows (only the rows used are ever paged
/// in, which keeps the 30k-row word embeddings out of resident memory), else an owned Float copy.
final class EmbeddingTable: @unchecked Sendable {
    let rows: Kernels.TableRows
    private let owners: [AnyObject]

    init(name: String, expectedShape: [Int], weights: some WeightSource) throws {
        if let mapped = weights.mappedFloats(name: name, expectedShape: expectedShape) {
            rows = .float(mapped.values)
            owners = [mapped.owner]
        } else if let quantized = try weights.quantizedRows(name: name, expectedShape: expectedShape) {
            guard quantized.smoothing == nil else {
                throw ModelLoadError(.malformedFile, file: weights.path,
                                     "embedding table '\(name)' has smoothing factors; only projections may")
            }
            let scales = Storage(copying: quantized.scales)
            rows = .int8(quantized.values, scales: UnsafePointer(scales.pointer))
            owners = [quantized.owner, scales]
        } else {
            let copy = Storage(copying: try weights.floatTensor(name: name, expectedShape: expectedShape))
            rows = .float(UnsafePointer(copy.pointer))
            owners = [copy]
        }
    }

    private final class Storage {
        let pointer: UnsafeMutablePointer<Float>
        init(copying values: [Float]) {
            pointer = .allocate(capacity: max(values.count, 1))
            pointer.initialize(from: values, count: values.count)
        }
        deinit { pointer.deallocate() }
    }
}
