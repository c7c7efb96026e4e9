import ChatEngine
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
