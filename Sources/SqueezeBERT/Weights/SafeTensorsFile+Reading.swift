// Reading tensors out of a `SafeTensorsFile` as Float (or raw Int8), by checkpoint key name.
//
// `floatTensor(name:expectedShape:)` is what the model loader calls: one lookup, a shape
// check, then one tight conversion loop over the mapped bytes into a fresh [Float].
// F32/F16/BF16/F64 convert directly (little-endian, as the format stores them). An I8 tensor
// `X` is a quantised weight: its Float values are `q * X_scale[row]`, with one scale per
// output row (row = index along the first dimension) in a float tensor `X_scale` of shape
// (rows,) or (rows, 1). Scales may be any dtype `floats(_:)` reads. An I8 matrix may also carry
// `X_smooth`, one positive factor per input channel over all groups (K of them, a multiple of the
// columns): its values were quantised after multiplying input channel c by the factor, so the
// Float value divides it back out: `q * X_scale[row] / X_smooth[g * columns + column]`, g the
// row's group (rows are split evenly over K / columns groups).

extension SafeTensorsFile {
    /// The suffix naming the per-row scale tensor of an I8 tensor: `X` -> `X_scale`.
    public static let scaleSuffix = "_scale"
    /// The suffix naming an I8 matrix's per-input-channel smoothing factors: `X` -> `X_smooth`.
    public static let smoothingSuffix = "_smooth"

    /// Tensor `name` as Float, whatever its supported dtype (I8 is dequantised with its scale).
    /// Throws `.missingTensor` if absent, `.shapeMismatch` if its shape is not `expectedShape`,
    /// `.unsupportedDType` if it cannot be read as Float.
    public func floatTensor(name: String, expectedShape: [Int]) throws(ModelLoadError) -> [Float] {
        let entry = try entry(name)
        guard entry.info.shape == expectedShape else {
            throw ModelLoadError(
                .shapeMismatch, file: path,
                "tensor '\(name)' has shape \(describe(shape: entry.info.shape)), "
                    + "expected \(describe(shape: expectedShape))")
        }
        return entry.info.dtype == .i8 ? try dequantized(entry) : try floats(entry)
    }

    /// Tensor `name` converted to Float; it must be F32, F16, BF16 or F64.
    public func floats(_ name: String) throws(ModelLoadError) -> [Float] {
        try floats(entry(name))
    }

    /// The raw values of I8 tensor `name`.
    public func int8(_ name: String) throws(ModelLoadError) -> [Int8] {
        let entry = try entry(name)
        guard entry.info.dtype == .i8 else {
            throw ModelLoadError(.unsupportedDType, file: path, "tensor '\(name)' is \(entry.info.dtype.rawValue), not I8")
        }
        let source = bytes(of: entry)
        return [Int8](unsafeUninitializedCapacity: source.count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            initialized = source.count
        }
    }

    /// I8 tensor `name` dequantised with its per-row scale tensor `name + "_scale"`.
    public func dequantized(_ name: String) throws(ModelLoadError) -> [Float] {
        try dequantized(entry(name))
    }
}

extension SafeTensorsFile {
    /// The entry for `name`, or `.missingTensor`.
    private func entry(_ name: String) throws(ModelLoadError) -> SafeTensorsHeader.Entry {
        guard let entry = entries[name] else {
            throw ModelLoadError(.missingTensor, file: path, "tensor '\(name)' not found")
        }
        return entry
    }

    /// Converts a float-typed entry to Float.
    private func floats(_ entry: SafeTensorsHeader.Entry) throws(ModelLoadError) -> [Float] {
        let dtype = entry.info.dtype
        guard dtype.readsAsFloat else {
            let hint = dtype == .i8 ? " (an I8 tensor is read dequantised, with its \(Self.scaleSuffix) tensor)" : ""
            throw ModelLoadError(
                .unsupportedDType, file: path,
                "tensor '\(entry.name)' is \(dtype.rawValue); only F32, F16, BF16 and F64 read as floats\(hint)")
        }
        let count = entry.info.elementCount
        let source = bytes(of: entry)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                convert(source.baseAddress!, dtype, count, into: buffer.baseAddress!)
            }
            initialized = count
        }
    }

    /// Converts an I8 entry to `q * scale[row]` (divided by its smoothing factor, when it has them).
    private func dequantized(_ entry: SafeTensorsHeader.Entry) throws(ModelLoadError) -> [Float] {
        let (values, scales) = try quantizedRows(entry)
        let count = values.count
        let rows = scales.count
        let columns = rows == 0 ? 0 : count / rows
        let smoothing = try smoothingFactors(entry)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                dequantize(values.baseAddress!, scales, rows: rows, columns: columns, into: buffer.baseAddress!)
                if let smoothing { unsmooth(buffer.baseAddress!, smoothing, rows: rows, columns: columns) }
            }
            initialized = count
        }
    }

    /// The smoothing factors of I8 entry `entry` (`<name>_smooth`), validated; nil when it has none.
    func smoothingFactors(_ entry: SafeTensorsHeader.Entry) throws(ModelLoadError) -> [Float]? {
        let name = entry.name, smoothName = name + Self.smoothingSuffix
        guard let smoothEntry = entries[smoothName] else { return nil }
        let rows = entry.info.shape.first ?? 0
        let columns = rows == 0 ? 0 : entry.info.elementCount / rows
        let shape = smoothEntry.info.shape
        guard shape.count == 1, columns > 0, shape[0] % columns == 0, rows % (shape[0] / columns) == 0 else {
            throw ModelLoadError(
                .shapeMismatch, file: path,
                "smoothing tensor '\(smoothName)' has shape \(describe(shape: shape)); I8 tensor '\(name)' "
                    + "(\(rows) rows of \(columns)) needs one factor per input channel, a multiple of \(columns)")
        }
        let factors = try floats(smoothEntry)
        if let bad = factors.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw ModelLoadError(
                .malformedFile, file: path, "smoothing tensor '\(smoothName)' has a factor that is not positive at \(bad)")
        }
        return factors
    }

    /// An I8 entry's values, in place in the mapping, and its per-row scales (validated).
    func quantizedRows(_ entry: SafeTensorsHeader.Entry) throws(ModelLoadError)
        -> (values: UnsafeBufferPointer<Int8>, scales: [Float]) {
        let name = entry.name
        guard entry.info.dtype == .i8 else {
            throw ModelLoadError(.unsupportedDType, file: path, "tensor '\(name)' is \(entry.info.dtype.rawValue), not I8")
        }
        guard let rows = entry.info.shape.first else {
            throw ModelLoadError(.malformedFile, file: path, "I8 tensor '\(name)' is a scalar; a per-row scale needs rows")
        }
        let scaleName = name + Self.scaleSuffix
        guard let scaleEntry = entries[scaleName] else {
            throw ModelLoadError(.missingTensor, file: path, "I8 tensor '\(name)' has no scale tensor '\(scaleName)'")
        }
        let scaleShape = scaleEntry.info.shape
        guard scaleShape == [rows] || scaleShape == [rows, 1] else {
            throw ModelLoadError(
                .shapeMismatch, file: path,
                "scale tensor '\(scaleName)' has shape \(describe(shape: scaleShape)), "
                    + "expected [\(rows)] or [\(rows), 1] for I8 tensor '\(name)'")
        }
        let scales = try floats(scaleEntry)
        if let bad = scales.firstIndex(where: { !$0.isFinite }) {
            throw ModelLoadError(.malformedFile, file: path, "scale tensor '\(scaleName)' has a non-finite value at row \(bad)")
        }
        let raw = bytes(of: entry)
        return (UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Int8.self), count: raw.count), scales)
    }
}

/// Converts `count` little-endian `dtype` elements at `source` to Float at `target`.
/// `source` may be unaligned. `dtype` must read as Float.
private func convert(
    _ source: UnsafeRawPointer, _ dtype: SafeTensorsDType, _ count: Int,
    into target: UnsafeMutablePointer<Float>
) {
    switch dtype {
    case .f32:
        #if _endian(little)
        UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * 4)
        #else
        for i in 0..<count {
            target[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
        #endif
    case .f16:
        for i in 0..<count {
            target[i] = Float(halfBits: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        }
    case .bf16:
        for i in 0..<count {
            target[i] = Float(bfloat16Bits: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        }
    case .f64:
        for i in 0..<count {
            target[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
        }
    default:
        preconditionFailure("\(dtype.rawValue) does not read as Float")
    }
}

/// Divides a (rows, columns) matrix's column c of row r by `factors[g * columns + c]`, with
/// g = r / (rows / groups) and groups = factors.count / columns.
private func unsmooth(_ matrix: UnsafeMutablePointer<Float>, _ factors: [Float], rows: Int, columns: Int) {
    let rowsPerGroup = rows / (factors.count / columns)
    for row in 0..<rows {
        let offset = row * columns, first = (row / rowsPerGroup) * columns
        for column in 0..<columns { matrix[offset + column] /= factors[first + column] }
    }
}

/// `target[r][c] = Float(source[r][c]) * scales[r]` for a (rows, columns) row-major matrix.
private func dequantize(
    _ source: UnsafePointer<Int8>, _ scales: [Float], rows: Int, columns: Int,
    into target: UnsafeMutablePointer<Float>
) {
    scales.withUnsafeBufferPointer { scales in
        for row in 0..<rows {
            let scale = scales[row]
            let offset = row * columns
            for column in 0..<columns {
                target[offset + column] = Float(source[offset + column]) * scale
            }
        }
    }
}
