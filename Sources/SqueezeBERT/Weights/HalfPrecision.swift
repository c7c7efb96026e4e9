// Conversions between Float and the two 16-bit float formats checkpoints use, done on bits.
//
// Swift's `Float16` is missing on Intel Macs, and on x86_64 Linux it converts through a
// runtime call; these are portable, exact and branch-light. F16 -> Float and BF16 -> Float
// are exact for every bit pattern (subnormals, infinities, signed zeros; NaNs stay NaN with
// their payload). Float -> F16 rounds to nearest, ties to even, as numpy and PyTorch do.
// HalfPrecisionTests checks all 65,536 F16 patterns against `Float16` where it exists.

extension Float {
    /// The value of the IEEE half-precision number with bit pattern `bits`.
    @inline(__always)
    init(halfBits bits: UInt16) {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1f
        let mantissa = UInt32(bits & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa x 2^-24, exactly representable as a normal Float.
            let magnitude = Float(mantissa) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        case 0x1f:
            // Infinity or NaN: keep the payload in the top of the wider mantissa.
            self = Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            // Normal: rebias the exponent from 15 to 127.
            self = Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The value of the bfloat16 number with bit pattern `bits` (exact: it is a truncated Float).
    @inline(__always)
    init(bfloat16Bits bits: UInt16) {
        self = Float(bitPattern: UInt32(bits) << 16)
    }

    /// This value rounded to IEEE half precision (nearest, ties to even), as a bit pattern.
    /// Values beyond the half range become infinity; NaN stays a (quiet) NaN.
    var halfBits: UInt16 {
        let bits = bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int((bits >> 23) & 0xff)
        let mantissa = bits & 0x7f_ffff

        if exponent == 0xff {
            return mantissa == 0 ? sign | 0x7c00 : sign | 0x7e00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1f { return sign | 0x7c00 }

        // Keep `kept` of the 24-bit significand, dropping `dropped` low bits with rounding.
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        let significand: UInt32
        let dropped: UInt32
        if halfExponent <= 0 {
            // Subnormal half (or zero): units of 2^-24.
            guard halfExponent >= -10 else { return sign }  // below half the smallest subnormal
            significand = mantissa | 0x80_0000
            dropped = UInt32(14 - halfExponent)
        } else {
            significand = UInt32(halfExponent) << 23 | mantissa
            dropped = 13
        }
        var kept = significand >> dropped
        let remainder = significand & ((1 << dropped) - 1)
        let halfway: UInt32 = 1 << (dropped - 1)
        if remainder > halfway || (remainder == halfway && kept & 1 == 1) {
            kept += 1
        }
        return sign | UInt16(truncatingIfNeeded: kept)
    }
}
