import Foundation

/// The cache readers a start-up runs, callable from outside the module so the fuzzers and the
/// replay of their corpora exercise exactly that code on arbitrary bytes.
public enum CacheReaders {
    /// The number of entries in an embedding cache file of `dimensions`, or nil when it is rejected.
    public static func embeddingEntries(in data: Data, dimensions: Int) -> Int? {
        EmbeddingCache.decode(data, dimensions: dimensions)?.count
    }

    /// The classifier weights and bias in a classifier cache file with `key` for `dimensions` by
    /// `classes`, or nil when it is rejected.
    public static func classifierValues(in data: Data, key: UInt64, dimensions: Int, classes: Int) -> Int? {
        guard let (regression, _) = ClassifierCache.decode(data, key: key, dimensions: dimensions, classes: classes)
        else { return nil }
        return regression.weights.count + regression.bias.count
    }

    /// Wraps `payload` in the cache file format (magic, key, count, values, checksum), for seeds
    /// and tests: the embedding cache's magic when `embeddings`, else the classifier's.
    public static func encode(_ payload: [Float], key: UInt64, embeddings: Bool) -> [UInt8] {
        CacheFile.encode(payload, key: key, magic: embeddings ? EmbeddingCache.magic : ClassifierCache.magic)
    }
}
