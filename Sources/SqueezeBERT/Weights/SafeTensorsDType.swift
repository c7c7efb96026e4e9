// The element types a `.safetensors` header may name, and how wide each one is.
//
// Every dtype the format defines is listed, so that any well-formed file opens and its byte
// ranges can be checked, even when this runtime cannot convert some of its tensors (a BERT
// checkpoint's I64 `position_ids`, say). Which of them read as Float lives with the reader.

/// A tensor element type as spelled in a `.safetensors` header.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    /// Booleans, one byte each.
    case bool = "BOOL"
    /// 4-bit float (E2M1), two per byte.
    case f4 = "F4"
    /// 6-bit float, E2M3 layout.
    case f6E2M3 = "F6_E2M3"
    /// 6-bit float, E3M2 layout.
    case f6E3M2 = "F6_E3M2"
    /// Unsigned 8-bit integer.
    case u8 = "U8"
    /// Signed 8-bit integer (quantised weights, with a per-row `_scale` tensor).
    case i8 = "I8"
    /// 8-bit float, E5M2 layout.
    case f8E5M2 = "F8_E5M2"
    /// 8-bit float, E4M3 layout.
    case f8E4M3 = "F8_E4M3"
    /// 8-bit float, E4M3 layout without negative zero or infinities.
    case f8E4M3FNUZ = "F8_E4M3FNUZ"
    /// 8-bit float, E5M2 layout without negative zero or infinities.
    case f8E5M2FNUZ = "F8_E5M2FNUZ"
    /// 8-bit exponent-only float (MX scales).
    case f8E8M0 = "F8_E8M0"
    /// Signed 16-bit integer.
    case i16 = "I16"
    /// Unsigned 16-bit integer.
    case u16 = "U16"
    /// IEEE 754 half precision.
    case f16 = "F16"
    /// bfloat16: the top half of an IEEE single.
    case bf16 = "BF16"
    /// Signed 32-bit integer.
    case i32 = "I32"
    /// Unsigned 32-bit integer.
    case u32 = "U32"
    /// IEEE 754 single precision.
    case f32 = "F32"
    /// Complex number of two IEEE singles.
    case c64 = "C64"
    /// IEEE 754 double precision.
    case f64 = "F64"
    /// Signed 64-bit integer.
    case i64 = "I64"
    /// Unsigned 64-bit integer.
    case u64 = "U64"
}

extension SafeTensorsDType {
    /// Bits one element occupies in the data section.
    public var bitWidth: Int {
        switch self {
        case .f4: 4
        case .f6E2M3, .f6E3M2: 6
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E4M3FNUZ, .f8E5M2FNUZ, .f8E8M0: 8
        case .i16, .u16, .f16, .bf16: 16
        case .i32, .u32, .f32: 32
        case .c64, .f64, .i64, .u64: 64
        }
    }

    /// Whether `SafeTensorsFile.floats(_:)` converts this dtype (F32, F16, BF16, F64).
    public var readsAsFloat: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64: true
        default: false
        }
    }
}
