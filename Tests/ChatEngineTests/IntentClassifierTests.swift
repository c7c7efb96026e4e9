import Testing
@testable import ChatEngine

struct IntentClassifierTests {
    /// Three well-separated clusters on the unit circle in 4 dimensions.
    static func cluster(_ label: Int, _ jitter: Float) -> [Float] {
        var v: [Float] = [0, 0, 0, 0]
        v[label] = 1
        v[3] = jitter
        let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return v.map { $0 / norm }
    }

    @Test func separableClassesAreLearned() {
        var x: [[Float]] = [], y: [Int] = []
        for label in 0..<3 { for j in 0..<6 { x.append(Self.cluster(label, Float(j) * 0.1)); y.append(label) } }
        let classifier = IntentClassifier(embeddings: x, labels: y, classes: 3)
        for label in 0..<3 {
            let prediction = classifier.predict(Self.cluster(label, 0.25))
            #expect(prediction.label == label && prediction.confidence > 0.5)
            #expect(abs(prediction.probabilities.reduce(0, +) - 1) < 1e-4)
        }
    }

    @Test func calibrationSeparatesOutOfScopeExamples() {
        var x: [[Float]] = [], y: [Int] = []
        for label in 0..<3 { for j in 0..<9 { x.append(Self.cluster(label, Float(j) * 0.05)); y.append(label) } }
        // Out of scope: halfway between every pair of classes, where no intent is confident.
        let outOfScope: [[Float]] = (0..<6).map { i in
            var v: [Float] = [0.7, 0.7, 0.7, 0]
            v[i % 3] = 0.1
            v[3] = Float(i) * 0.01
            let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
            return v.map { $0 / norm }
        }
        let calibration = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope)
        #expect(calibration.inScopeAccuracy > 0.9)
        #expect(calibration.outOfScopeRecall! >= 0.75)
        // Asking for more recall raises the threshold and catches every out-of-scope example here.
        let strict = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope,
                                                outOfScopeRecall: 1)
        #expect(strict.outOfScopeRecall == 1 && strict.threshold >= calibration.threshold)
        #expect(strict.inScopeAccuracy > 0.9)
    }

    @Test func withoutOutOfScopeExamplesTheThresholdRejectsTheRequestedShare() {
        var x: [[Float]] = [], y: [Int] = []
        for label in 0..<3 { for j in 0..<20 { x.append(Self.cluster(label, Float(j) * 0.08)); y.append(label) } }
        let calibration = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: [],
                                                     inScopeRejection: 0.1)
        #expect(calibration.outOfScopeRecall == nil)
        #expect(calibration.inScopeAccuracy >= 0.85 && calibration.inScopeAccuracy <= 0.95)
    }
}
