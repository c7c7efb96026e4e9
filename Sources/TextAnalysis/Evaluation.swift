/// Accuracy, macro-F1 and the confusion matrix of a labelling: predicted labels against gold ones.
/// Labels are any hashable values (class indices, names, nil for "out of scope").
public struct ClassificationScore: Sendable, Equatable {
    /// The share of rows whose prediction equals the gold label.
    public let accuracy: Double
    /// The mean over `classes` of each class's F1 (0 for a class neither predicted correctly nor present).
    public let macroF1: Double
    /// Each class's F1, in the order of `classes`.
    public let f1: [Double]
    /// confusion[gold][predicted], in the order of `classes`; rows with a label outside `classes`
    /// are left out.
    public let confusion: [[Int]]

    /// Scores `predicted` against `gold` (row by row) over `classes`.
    public init<Label: Hashable>(gold: [Label], predicted: [Label], classes: [Label]) {
        precondition(gold.count == predicted.count, "one prediction per gold label")
        var index: [Label: Int] = [:]
        for (position, label) in classes.enumerated() where index[label] == nil { index[label] = position }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        var goldCounts = [Int](repeating: 0, count: classes.count), predictedCounts = goldCounts
        var correct = 0
        for (g, p) in zip(gold, predicted) {
            if g == p { correct += 1 }
            let gi = index[g], pi = index[p]
            if let gi { goldCounts[gi] += 1 }
            if let pi { predictedCounts[pi] += 1 }
            if let gi, let pi { confusion[gi][pi] += 1 }
        }
        f1 = classes.indices.map { c in
            let truePositive = Double(confusion[c][c])
            let precision = predictedCounts[c] > 0 ? truePositive / Double(predictedCounts[c]) : 0
            let recall = goldCounts[c] > 0 ? truePositive / Double(goldCounts[c]) : 0
            return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
        accuracy = Double(correct) / Double(max(gold.count, 1))
        macroF1 = f1.reduce(0, +) / Double(max(f1.count, 1))
        self.confusion = confusion
    }
}
