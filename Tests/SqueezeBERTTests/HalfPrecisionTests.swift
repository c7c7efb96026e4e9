// The hand-written 16-bit float conversions are exact: every F16 bit pattern against Swift's
// own Float16 (where the platform has it), round-to-nearest-even at every halfway point, and
// BF16 as the top half of a Float.
import Testing
@testable import SqueezeBERT

@Suite struct HalfPrecisionTests {
    @Test func everyHalfPatternRoundTripsThroughFloat() {
        var mismatches: [UInt16] = []
        for bits in UInt16.min...UInt16.max {
            let value = Float(halfBits: bits)
            let isNaN = (bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0
            if isNaN ? !value.isNaN : value.halfBits != bits { mismatches.append(bits) }
        }
        #expect(mismatches.isEmpty, "first: \(mismatches.prefix(5))")
    }

    #if !(os(macOS) && arch(x86_64))  // Float16 is unavailable on Intel Macs.
    @Test func everyHalfPatternConvertsLikeFloat16() {
        var mismatches: [UInt16] = []
        for bits in UInt16.min...UInt16.max {
            let ours = Float(halfBits: bits)
            let swift = Float(Float16(bitPattern: bits))
            if !(ours.isNaN && swift.isNaN) && ours.bitPattern != swift.bitPattern { mismatches.append(bits) }
        }
        #expect(mismatches.isEmpty, "first: \(mismatches.prefix(5))")
    }

    @Test func roundingToHalfMatchesFloat16AtEveryHalfwayPoint() {
        // For each pair of adjacent finite halves, the Floats at, just below and just above
        // their midpoint: ties go to even, everything else to nearest.
        var mismatches: [Float] = []
        for bits in UInt16(0)..<0x7c00 {
            let low = Float(halfBits: bits)
            let high = Float(halfBits: bits + 1)  // 0x7bff + 1 is infinity: the overflow threshold
            let middle = high.isInfinite ? Float(65520) : (low + high) / 2
            for value in [middle.nextDown, middle, middle.nextUp, low, -middle] {
                if value.halfBits != Float16(value).bitPattern { mismatches.append(value) }
            }
        }
        for value in [Float.greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-8, -1e-30, .infinity, -.infinity] {
            if value.halfBits != Float16(value).bitPattern { mismatches.append(value) }
        }
        #expect(mismatches.isEmpty, "first: \(mismatches.prefix(5))")
        #expect(Float.nan.halfBits & 0x7e00 == 0x7e00)
    }
    #endif

    @Test func bfloat16IsTheTopHalfOfAFloat() {
        #expect(Float(bfloat16Bits: 0x3f80) == 1)
        #expect(Float(bfloat16Bits: 0xc020) == -2.5)
        #expect(Float(bfloat16Bits: 0xff80) == -.infinity)
        #expect(Float(bfloat16Bits: 0x8000).sign == .minus)
        #expect(Float(bfloat16Bits: 0x7fc1).isNaN)
        #expect(Float(bfloat16Bits: 0x0001) == Float(bitPattern: 0x0001_0000))
    }
}
