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
        #expect(calibration.outOfScopeRecall! >= 0.85)
        // Asking for more recall raises the threshold and catches every out-of-scope example here.
        let strict = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope,
                                                outOfScopeRecall: 1)
        #expect(strict.outOfScopeRecall == 1 && strict.threshold >= calibration.threshold)
        #expect(strict.inScopeAccuracy > 0.9)
    }

    @Test("a turn far from every example is less confident than the regression alone says, and is rejected")
    func distanceLowersTheConfidence() {
        var x: [[Float]] = [], y: [Int] = []
        for label in 0..<3 { for j in 0..<6 { x.append(Self.cluster(label, Float(j) * 0.1)); y.append(label) } }
        var plain = IntentClassifier.Parameters()
        plain.similarityExponent = 0
        let withoutDistance = IntentClassifier(embeddings: x, labels: y, classes: 3, parameters: plain, threshold: 0.5)
        let withDistance = IntentClassifier(embeddings: x, labels: y, classes: 3, threshold: 0.5)
        // Along class 0, but mostly along the unused dimension: cosine 0.4 to the nearest example.
        let far: [Float] = [0.4, 0, 0, 0.9165]
        let alone = withoutDistance.predict(far), weighted = withDistance.predict(far)
        #expect(alone.best == 0 && weighted.best == 0 && alone.probabilities == weighted.probabilities)
        #expect(alone.label == 0 && alone.confidence > 0.5)
        #expect(weighted.label == nil && weighted.confidence < 0.5)
        let nearest = x.map { zip($0, far).reduce(0) { $0 + $1.0 * $1.1 } }.max()!
        #expect(abs(weighted.confidence - alone.confidence * nearest * nearest * nearest) < 1e-5)
        // An example itself is at similarity 1: its confidence is the probability.
        let own = withDistance.predict(x[0])
        #expect(own.label == 0 && abs(own.confidence - own.probabilities[0]) < 1e-5)
    }

    @Test func withoutOutOfScopeExamplesTheThresholdRejectsTheRequestedShare() {
        var x: [[Float]] = [], y: [Int] = []
        for label in 0..<3 { for j in 0..<20 { x.append(Self.cluster(label, Float(j) * 0.08)); y.append(label) } }
        let calibration = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: [],
                                                     inScopeRejection: 0.1)
        #expect(calibration.outOfScopeRecall == nil)
        #expect(calibration.inScopeAccuracy >= 0.85 && calibration.inScopeAccuracy <= 0.95)
    }

    /// Unit vector along `direction` in 5 dimensions, tilted by `tilt` toward dimension 4.
    static func tilted(_ direction: Int, _ tilt: Float) -> [Float] {
        var v: [Float] = [0, 0, 0, 0, 0]
        v[direction] = 1
        v[4] += tilt
        let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return v.map { $0 / norm }
    }

    /// Three intents along dimensions 0-2; out-of-scope examples beside intent 0, tilted toward
    /// dimension 4 (the regression never sees them, so it still calls that region intent 0).
    static func nearMissSet() -> (x: [[Float]], y: [Int], outOfScope: [[Float]]) {
        var x: [[Float]] = [], y: [Int] = []
        for label in 0..<3 { for j in 0..<9 { x.append(tilted(label, Float(j) * 0.02)); y.append(label) } }
        let outOfScope = (0..<9).map { tilted(0, 0.9 + Float($0) * 0.05) }
        return (x, y, outOfScope)
    }

    @Test("out-of-scope examples out-vote a near miss the regression alone would take for an intent")
    func outOfScopeVote() {
        let (x, y, outOfScope) = Self.nearMissSet()
        let nearMiss = Self.tilted(0, 1.0), inScope = Self.tilted(0, 0.05)
        let voting = IntentClassifier(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope)
        var parameters = IntentClassifier.Parameters()
        parameters.outOfScopeVote = false
        let silent = IntentClassifier(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope, parameters: parameters)

        let rejected = voting.predict(nearMiss)
        #expect(rejected.label == nil && rejected.outVoted && rejected.outOfScopeVote > 0.9)
        #expect(rejected.best == 0 && rejected.probabilities[0] > 0.5)  // what the regression alone would take
        #expect(silent.predict(nearMiss).label == 0 && silent.predict(nearMiss).outOfScopeVote == 0)
        let kept = voting.predict(inScope)
        #expect(kept.label == 0 && !kept.outVoted && kept.outOfScopeVote < 0.1)
    }

    @Test("the vote never moves the threshold: it is chosen on the confidences, as without the vote")
    func voteLeavesTheThreshold() {
        let (x, y, outOfScope) = Self.nearMissSet()
        var parameters = IntentClassifier.Parameters()
        parameters.outOfScopeVote = false
        let without = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope, parameters: parameters)
        let with = IntentClassifier.calibrate(embeddings: x, labels: y, classes: 3, outOfScope: outOfScope)
        #expect(with.threshold == without.threshold)
        #expect(with.outOfScopeRecall! >= without.outOfScopeRecall!)
        #expect(with.outOfScopeRecall == 1)
    }
}
