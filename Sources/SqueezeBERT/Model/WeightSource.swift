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
}

extension SafeTensorsFile: WeightSource {
    public func contains(_ name: String) -> Bool { info(name) != nil }
}
