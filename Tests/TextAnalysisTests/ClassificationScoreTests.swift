import Testing
import TextAnalysis

/// Accuracy, macro-F1 and the confusion matrix on labellings small enough to count by hand.
struct ClassificationScoreTests {
    @Test("three classes: accuracy 4/6, F1 per class 1/2, 4/5, 2/3, and the confusion matrix")
    func threeClasses() {
        let score = ClassificationScore(gold: [0, 0, 1, 1, 2, 2], predicted: [0, 1, 1, 1, 2, 0], classes: [0, 1, 2])
        #expect(score.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        #expect(abs(score.accuracy - 4.0 / 6) < 1e-12)
        // class 0: precision 1/2, recall 1/2; class 1: 2/3 and 1; class 2: 1 and 1/2.
        #expect(zip(score.f1, [0.5, 0.8, 2.0 / 3]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(score.f1)")
        #expect(abs(score.macroF1 - (0.5 + 0.8 + 2.0 / 3) / 3) < 1e-12)
    }

    @Test("a class that is never predicted nor present scores F1 0 and still counts in the mean")
    func absentClass() {
        let score = ClassificationScore(gold: ["negative", "positive"], predicted: ["negative", "positive"],
                                        classes: ["negative", "neutral", "positive"])
        #expect(score.accuracy == 1)
        #expect(score.f1 == [1, 0, 1])
        #expect(abs(score.macroF1 - 2.0 / 3) < 1e-12)
        #expect(score.confusion == [[1, 0, 0], [0, 0, 0], [0, 0, 1]])
    }

    @Test("labels outside the scored classes count against accuracy and recall but stay out of the matrix")
    func labelsOutsideTheClasses() {
        // nil stands for a rejected (out-of-scope) prediction, not scored as a class here.
        let score = ClassificationScore(gold: [0, 0, 1] as [Int?], predicted: [0, nil, 1], classes: [0, 1])
        #expect(abs(score.accuracy - 2.0 / 3) < 1e-12)
        #expect(score.confusion == [[1, 0], [0, 1]])
        // class 0: precision 1, recall 1/2 -> F1 2/3; class 1: 1.
        #expect(zip(score.f1, [2.0 / 3, 1]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(score.f1)")
    }

    @Test("no rows: everything 0, no division by zero")
    func empty() {
        let score = ClassificationScore(gold: [Int](), predicted: [], classes: [0, 1])
        #expect(score.accuracy == 0 && score.macroF1 == 0)
        #expect(score.confusion == [[0, 0], [0, 0]])
    }
}
