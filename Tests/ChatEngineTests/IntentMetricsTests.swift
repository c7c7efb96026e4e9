@testable import ChatEngine
import Testing

/// Intent metrics with out-of-scope rows, on a test set small enough to count by hand.
struct IntentMetricsTests {
    @Test("in-scope accuracy with and without the threshold, out-of-scope recall and precision, macro-F1 with the out-of-scope class")
    func handCounted() {
        // Row 0 right; row 1 rejected although in scope; row 2 rightly rejected; row 3 out of scope but answered.
        let metrics = IntentMetrics(gold: [0, 1, nil, nil], predicted: [0, nil, nil, 1], unthresholded: [0, 1, 1, 1], classes: 2)
        #expect(metrics.accuracy == 0.5)
        #expect(metrics.inScopeAccuracy == 0.5)
        #expect(metrics.inScopeAccuracyWithoutThreshold == 1)
        #expect(metrics.outOfScopeCount == 2)
        #expect(metrics.outOfScopeRecall == 0.5)
        #expect(metrics.outOfScopePrecision == 0.5)
        // F1: intent 0 is 1, intent 1 is 0, out of scope (precision 1/2, recall 1/2) is 1/2.
        #expect(abs(metrics.macroF1 - 0.5) < 1e-12)
    }

    @Test("without out-of-scope rows: no recall or precision, and rejections only cost the intents")
    func nothingOutOfScope() {
        let metrics = IntentMetrics(gold: [0, 1, 1], predicted: [0, 1, nil], unthresholded: [0, 1, 1], classes: 2)
        #expect(metrics.outOfScopeRecall == nil && metrics.outOfScopePrecision == nil)
        #expect(abs(metrics.accuracy - 2.0 / 3) < 1e-12)
        // intent 0: 1; intent 1: precision 1, recall 1/2 -> 2/3.
        #expect(abs(metrics.macroF1 - (1 + 2.0 / 3) / 2) < 1e-12)
    }
}

/// Per-intent held-out accuracy, for `eval chat`'s weakest intents.
struct PerIntentAccuracyTests {
    @Test("weakest first, with the intent each one's misses went to most often (ties: the first)")
    func weakestFirst() {
        var held = IntentClassifier.HeldOutConfidences()
        held.inScope = [
            (0.9, true, 0, 0), (0.4, false, 0, 2),  // a: 1 of 2, missed as c
            (0.3, false, 1, 2), (0.3, false, 1, 0),  // b: 0 of 2, once each as c and a: a comes first
            (0.8, true, 2, 2),  // c: 1 of 1
        ]
        #expect(held.perIntent(names: ["a", "b", "c", "never-held-out"]) == [
            IntentAccuracy(name: "b", examples: 2, accuracy: 0, confusedWith: "a"),
            IntentAccuracy(name: "a", examples: 2, accuracy: 0.5, confusedWith: "c"),
            IntentAccuracy(name: "c", examples: 1, accuracy: 1, confusedWith: nil),
        ])
    }
}
