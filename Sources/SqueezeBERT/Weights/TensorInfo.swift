// What a `.safetensors` header says about one tensor: its element type and its shape.
//
// Where its bytes lie is the reader's business (`SafeTensorsHeader.Entry`); callers see only
// what they need to decide how to read it.

/// The dtype and shape of one tensor in a `.safetensors` file.
public struct TensorInfo: Sendable, Equatable {
    /// The element type named in the header.
    public let dtype: SafeTensorsDType
    /// The dimensions, outermost first; `[]` for a scalar.
    public let shape: [Int]

    /// Describes a tensor of `dtype` with dimensions `shape`.
    public init(dtype: SafeTensorsDType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }
}

extension TensorInfo {
    /// The number of elements: the product of `shape` (1 for a scalar, 0 if any dimension is 0).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Writes a shape the way the error messages and the header spell it: `[2, 3]`.
func describe(shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
