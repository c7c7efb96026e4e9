import Foundation

/// The trained intent classifier and its calibration, kept on disk so a warm start skips
/// training. Keyed by the model and by everything the training saw (examples, labels,
/// out-of-scope examples, parameters): any change retrains.
enum ClassifierCache {
    static let magic: UInt64 = 0x3143_4C43_5A51_5153  // "SQZCLC1"

    /// Bumped whenever training or calibration changes, so old caches are not trusted.
    static let version = 5

    static func key(modelKey: UInt64, set: IntentSet, parameters: IntentClassifier.Parameters) -> UInt64 {
        var text = "v\(version)|\(modelKey)|\(parameters)"
        for intent in set.intents { text += "|\(intent.name):" + intent.examples.joined(separator: "\u{1F}") }
        text += "|oos:" + set.outOfScopeExamples.joined(separator: "\u{1F}")
        return Hashing.fnv1a(text)
    }

    static func file(_ directory: URL, key: UInt64) -> URL {
        directory.appendingPathComponent(String(format: "classifier-%016llx.bin", key))
    }

    static func load(from directory: URL?, key: UInt64, dimensions D: Int, classes L: Int)
        -> (SoftmaxRegression, IntentClassifier.Calibration)? {
        guard let directory, let data = try? Data(contentsOf: file(directory, key: key)) else { return nil }
        return decode(data, key: key, dimensions: D, classes: L)
    }

    /// The classifier in a well-formed file for this key and shape, or nil.
    static func decode(_ data: Data, key: UInt64, dimensions D: Int, classes L: Int)
        -> (SoftmaxRegression, IntentClassifier.Calibration)? {
        guard let payload = CacheFile.read(data, key: key, magic: magic), payload.count == 3 + L + D * L else { return nil }
        let calibration = IntentClassifier.Calibration(
            threshold: payload[0], inScopeAccuracy: payload[1], outOfScopeRecall: payload[2] < 0 ? nil : payload[2])
        let regression = SoftmaxRegression(dimensions: D, classes: L, weights: Array(payload[(3 + L)...]),
                                           bias: Array(payload[3..<(3 + L)]))
        return (regression, calibration)
    }

    static func save(_ regression: SoftmaxRegression, _ calibration: IntentClassifier.Calibration,
                     to directory: URL?, key: UInt64) throws {
        guard let directory else { return }
        let payload = [calibration.threshold, calibration.inScopeAccuracy, calibration.outOfScopeRecall ?? -1]
            + regression.bias + regression.weights
        try CacheFile.write(payload, key: key, magic: magic, to: file(directory, key: key))
    }
}
