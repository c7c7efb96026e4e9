/// How the encoder stores its projection weights, chosen at load.
public enum Precision: String, Sendable, CaseIterable {
    /// Float32 weights, as in the checkpoint: matches transformers to 1e-4.
    case fp32
    /// Int8 weights with one symmetric scale per output channel, dequantised on the fly in the
    /// matrix-product kernel; activations stay Float32.
    case int8
}
