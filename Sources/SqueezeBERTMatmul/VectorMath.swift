// Element-wise functions on eight Float lanes, shared by the matrix-product epilogues and the
// engine's other kernels. @inlinable, so each module compiles them with its own instruction set.

/// Eight Floats from memory (unaligned).
@inlinable @inline(__always) public func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Eight Floats to memory (unaligned).
@inlinable @inline(__always) public func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Lane-wise clamp to [lo, hi] with plain compares and blends (the standard library's generic
/// `clamped` / `pointwiseMin` are not specialised for SIMD8 and cost a call per vector).
@inlinable @inline(__always) public func clamp8(_ x: SIMD8<Float>, _ lo: Float, _ hi: Float) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: lo), high = SIMD8<Float>(repeating: hi)
    var y = x.replacing(with: low, where: x .< low)
    y = y.replacing(with: high, where: y .> high)
    return y
}

/// e^x for each lane (Cephes expf: range reduction to [-ln2/2, ln2/2] and a degree-6
/// polynomial; about 1 ulp). Inputs below -87.3 give about 1e-38 rather than 0.
@inlinable @inline(__always) public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let x = clamp8(x, -87.3, 88.3)
    // Round x / ln2 to the nearest integer with the 1.5 * 2^23 trick: adding it leaves the
    // integer in the low mantissa bits, which are also n's two's-complement bits.
    let magic = SIMD8<Float>(repeating: 12582912)
    let shifted = magic.addingProduct(x, SIMD8<Float>(repeating: 1.44269504088896341))
    let n = shifted - magic
    var r = x.addingProduct(n, SIMD8<Float>(repeating: -0.693359375))
    r = r.addingProduct(n, SIMD8<Float>(repeating: 2.12194440e-4))
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = SIMD8<Float>(repeating: 1.3981999507e-3).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 5.0000001201e-1).addingProduct(p, r)
    let y = (r + 1).addingProduct(p, r * r)
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let bits = (integer &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
}

/// erf(x) for each lane: a rational approximation on [-4, 4] (Eigen's / XLA's float erf),
/// within 5e-7 relative of the true erf; outside that range erf is +-1 in float.
@inlinable @inline(__always) public func erf8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let x = clamp8(x, -4, 4)
    let x2 = x * x
    var p = SIMD8<Float>(repeating: 2.77068142495902e-08).addingProduct(x2, SIMD8<Float>(repeating: -2.72614225801306e-10))
    p = SIMD8<Float>(repeating: -2.10102402082508e-06).addingProduct(x2, p)
    p = SIMD8<Float>(repeating: -5.69250639462346e-05).addingProduct(x2, p)
    p = SIMD8<Float>(repeating: -7.34990630326855e-04).addingProduct(x2, p)
    p = SIMD8<Float>(repeating: -2.95459980854025e-03).addingProduct(x2, p)
    p = SIMD8<Float>(repeating: -1.60960333262415e-02).addingProduct(x2, p)
    p *= x
    var q = SIMD8<Float>(repeating: -2.13374055278905e-04).addingProduct(x2, SIMD8<Float>(repeating: -1.45660718464996e-05))
    q = SIMD8<Float>(repeating: -1.68282697438203e-03).addingProduct(x2, q)
    q = SIMD8<Float>(repeating: -7.37332916720468e-03).addingProduct(x2, q)
    q = SIMD8<Float>(repeating: -1.42647390514189e-02).addingProduct(x2, q)
    return p / q
}

/// Exact GELU x * Φ(x) = 0.5 x (1 + erf(x / √2)), with `erf8`.
@inlinable @inline(__always) public func gelu8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let half = x * 0.5
    return half.addingProduct(half, erf8(x * 0.70710678118654752))
}

/// tanh(x) = 1 - 2 / (e^{2x} + 1), for each lane.
@inlinable @inline(__always) public func tanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let e = exp8(clamp8(x * 2, -40, 40))
    return 1 - 2 / (e + 1)
}

/// The tanh approximation of GELU ("gelu_new").
@inlinable @inline(__always) public func geluTanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let inner = (x * 0.79788456080286536).addingProduct(x * x * x, SIMD8<Float>(repeating: 0.79788456080286536 * 0.044715))
    return 0.5 * x * (1 + tanh8(inner))
}
