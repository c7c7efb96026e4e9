import TextAnalysis

/// How well intent predictions match a labelled test set; a nil gold label or prediction means
/// out of scope.
public struct IntentMetrics: Sendable, Equatable {
    /// Right answers over all rows (an out-of-scope row is right when it is rejected).
    public var accuracy = 0.0
    /// Right answers over the in-scope rows.
    public var inScopeAccuracy = 0.0
    /// Right best intents over the in-scope rows, before any rejection.
    public var inScopeAccuracyWithoutThreshold = 0.0
    /// Macro-F1 over the intents, plus the out-of-scope class when the test set has it.
    public var macroF1 = 0.0
    /// The share of out-of-scope rows rejected; nil when there are none.
    public var outOfScopeRecall: Double?
    /// The share of rejections that were out of scope (0 when nothing was rejected); nil when no
    /// row is out of scope.
    public var outOfScopePrecision: Double?
    /// Out-of-scope rows.
    public var outOfScopeCount = 0

    /// `predicted` is after the threshold, `unthresholded` the best intent of each row.
    public init(gold: [Int?], predicted: [Int?], unthresholded: [Int], classes: Int) {
        let n = gold.count
        let inScope = gold.indices.filter { gold[$0] != nil }
        inScopeAccuracy = Double(inScope.filter { predicted[$0] == gold[$0] }.count) / Double(max(inScope.count, 1))
        inScopeAccuracyWithoutThreshold = Double(inScope.filter { unthresholded[$0] == gold[$0] }.count) / Double(max(inScope.count, 1))
        outOfScopeCount = n - inScope.count
        if outOfScopeCount > 0 {
            let caught = gold.indices.filter { gold[$0] == nil && predicted[$0] == nil }.count
            outOfScopeRecall = Double(caught) / Double(outOfScopeCount)
            let flagged = predicted.filter { $0 == nil }.count
            outOfScopePrecision = flagged == 0 ? 0 : Double(caught) / Double(flagged)
        }
        let classes: [Int?] = (0..<classes).map { Optional($0) } + (outOfScopeCount > 0 ? [nil] : [])
        let score = ClassificationScore(gold: gold, predicted: predicted, classes: classes)
        accuracy = score.accuracy
        macroF1 = score.macroF1
    }
}

/// One intent's held-out accuracy, and the intent its misses went to most often.
public struct IntentAccuracy: Sendable, Equatable {
    /// The intent's name.
    public var name: String
    /// Its held-out examples.
    public var examples: Int
    /// The share of them whose best intent was right.
    public var accuracy: Float
    /// nil when no example was missed.
    public var confusedWith: String?

    /// A row as counted.
    public init(name: String, examples: Int, accuracy: Float, confusedWith: String?) {
        self.name = name
        self.examples = examples
        self.accuracy = accuracy
        self.confusedWith = confusedWith
    }
}

extension IntentClassifier.HeldOutConfidences {
    /// Held-out accuracy per intent named in `names` (best class right, threshold aside), weakest
    /// first (ties by name), with the class its misses went to most often (ties: the first class).
    public func perIntent(names: [String]) -> [IntentAccuracy] {
        var total = [Int](repeating: 0, count: names.count), right = total
        var misses = [[Int: Int]](repeating: [:], count: names.count)
        for example in inScope {
            total[example.label] += 1
            if example.correct { right[example.label] += 1 } else { misses[example.label][example.predicted, default: 0] += 1 }
        }
        return names.indices.filter { total[$0] > 0 }.map { i in
            let confused = misses[i].max { ($0.value, $1.key) < ($1.value, $0.key) }.map { names[$0.key] }
            return IntentAccuracy(name: names[i], examples: total[i], accuracy: Float(right[i]) / Float(total[i]),
                                  confusedWith: confused)
        }.sorted { ($0.accuracy, $0.name) < ($1.accuracy, $1.name) }
    }
}
