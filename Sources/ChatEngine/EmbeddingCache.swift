import Foundation
import SqueezeBERT

/// Sentence embeddings of intent examples and responses kept on disk between starts.
///
/// One file per model, named by a key derived from the model's files; entries are keyed by a hash
/// of each text, so editing one intent file re-encodes only what changed. The file ends in a
/// checksum: a truncated or corrupt file is ignored and rebuilt, never trusted. Writes go to a
/// temporary file that is renamed over the old one, so a crash mid-write loses nothing.
struct EmbeddingCache {
    let file: URL?
    let dimensions: Int
    private(set) var entries: [UInt64: [Float]] = [:]
    private(set) var isDirty = false
    static let magic: UInt64 = 0x3145_4D42_5A51_5153  // "SQZQBME1", little-endian

    /// Opens (or starts) the cache for `modelKey` under `directory`; nil directory: memory only.
    init(directory: URL?, modelKey: UInt64, dimensions: Int) {
        self.dimensions = dimensions
        file = directory?.appendingPathComponent(String(format: "embeddings-%016llx.bin", modelKey))
        if let file, let data = try? Data(contentsOf: file) { entries = Self.decode(data, dimensions: dimensions) ?? [:] }
    }

    func lookup(_ text: String) -> [Float]? { entries[Hashing.fnv1a(text)] }

    mutating func store(_ text: String, _ vector: [Float]) {
        precondition(vector.count == dimensions)
        entries[Hashing.fnv1a(text)] = vector
        isDirty = true
    }

    /// Keeps only `texts`' entries, so the file does not grow forever as intents are edited.
    mutating func retainOnly(_ texts: [String]) {
        let keep = Set(texts.map(Hashing.fnv1a))
        let before = entries.count
        entries = entries.filter { keep.contains($0.key) }
        if entries.count != before { isDirty = true }
    }

    /// Writes the cache atomically when it changed; failures are reported, not fatal.
    func save() throws {
        guard isDirty, let file else { return }
        let sorted = entries.sorted { $0.key < $1.key }
        var payload = [Float]()
        payload.reserveCapacity(sorted.count * (2 + dimensions))
        for (key, vector) in sorted {
            // The 64-bit key travels as two Float bit patterns, keeping one payload type.
            payload.append(Float(bitPattern: UInt32(truncatingIfNeeded: key)))
            payload.append(Float(bitPattern: UInt32(truncatingIfNeeded: key >> 32)))
            payload += vector
        }
        try CacheFile.write(payload, key: UInt64(dimensions), magic: Self.magic, to: file)
    }

    /// Entries of a well-formed file for `dimensions`, or nil.
    static func decode(_ data: Data, dimensions: Int) -> [UInt64: [Float]]? {
        guard let payload = CacheFile.read(data, key: UInt64(dimensions), magic: magic),
              payload.count % (2 + dimensions) == 0 else { return nil }
        var entries: [UInt64: [Float]] = [:]
        for start in stride(from: 0, to: payload.count, by: 2 + dimensions) {
            let key = UInt64(payload[start].bitPattern) | UInt64(payload[start + 1].bitPattern) << 32
            entries[key] = Array(payload[(start + 2)..<(start + 2 + dimensions)])
        }
        return entries
    }
}

/// The on-disk format of both caches: magic, a key the reader must match, a count of Float32
/// values, the values, and an FNV-1a checksum of everything before it. Written atomically.
enum CacheFile {
    static func write(_ payload: [Float], key: UInt64, magic: UInt64, to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(encode(payload, key: key, magic: magic), to: file)
    }

    static func encode(_ payload: [Float], key: UInt64, magic: UInt64) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32 + 4 * payload.count)
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(magic)
        append(key)
        append(UInt64(payload.count))
        for value in payload { append(value.bitPattern) }
        append(Hashing.fnv1a(bytes))
        return bytes
    }

    /// The payload of a well-formed file with this magic and key, or nil.
    static func read(_ data: Data, key: UInt64, magic: UInt64) -> [Float]? {
        let bytes = [UInt8](data)
        guard bytes.count >= 32 else { return nil }
        func word(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            return value
        }
        let body = bytes.count - 8
        guard word(0) == magic, word(8) == key, word(body) == Hashing.fnv1a(bytes[0..<body]) else { return nil }
        // The count is compared before any arithmetic on it: a forged one must not overflow.
        guard word(16) == UInt64(body - 24) / 4, (body - 24) % 4 == 0 else { return nil }
        let count = (body - 24) / 4
        var payload = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let at = 24 + 4 * i
            payload[i] = Float(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8
                               | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        }
        return payload
    }
}

/// 64-bit FNV-1a: stable across runs and platforms (Swift's Hasher is seeded per process).
enum Hashing {
    static func fnv1a<S: Sequence>(_ bytes: S, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 where S.Element == UInt8 {
        var hash = seed
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    static func fnv1a(_ text: String) -> UInt64 { fnv1a(text.utf8) }

    /// A key for a model folder that changes when its files do, without hashing all the weights:
    /// config and vocabulary in full, and the weights' size, header and tail.
    static func modelKey(folder: URL) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in ["config.json", "vocab.txt"] {
            if let data = try? Data(contentsOf: folder.appendingPathComponent(name)) { hash = fnv1a(data, seed: hash) }
        }
        let weights = folder.appendingPathComponent("model.safetensors")
        if let handle = try? FileHandle(forReadingFrom: weights) {
            defer { try? handle.close() }
            let size = (try? handle.seekToEnd()) ?? 0
            hash = fnv1a(withUnsafeBytes(of: size.littleEndian) { Array($0) }, seed: hash)
            try? handle.seek(toOffset: 0)
            if let head = try? handle.read(upToCount: 1 << 20) { hash = fnv1a(head, seed: hash) }
            if size > 1 << 16, (try? handle.seek(toOffset: size - (1 << 16))) != nil,
               let tail = try? handle.read(upToCount: 1 << 16) {
                hash = fnv1a(tail, seed: hash)
            }
        }
        return hash
    }
}
