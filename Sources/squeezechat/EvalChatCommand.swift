import ArgumentParser
import ChatEngine
import Foundation
import SqueezeBERT

/// `squeezechat eval chat`: how well a model serves an intent set, by the same cross-validation the
/// chat runs at start-up, with the intents it confuses most.
struct EvalChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Cross-validate an intent set (the chat's own, or --intents DIR) on a model.",
        discussion: """
            3-fold cross-validation over the examples, as the chat calibrates at start-up: each held-out \
            example is classified by a classifier that never saw it. Reports the threshold the chat would \
            use, in-scope accuracy (correct and kept, and best intent right before any rejection), \
            out-of-scope recall on the out_of_scope examples, when the chat asks "Did you mean ...?" instead of answering \
            (the calibrated gap and band) with how often that turns a wrong answer into a question and delays a right one, \
            and the intents with the lowest held-out accuracy with what they are taken for. Compare models with --model.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions

    @OptionGroup var intentSet: IntentsOption

    @Option(name: .long, help: "Intents to list, weakest first.")
    var worst = 8

    @Flag(name: .long, help: "Print one JSON object instead of a report.")
    var json = false

    func validate() throws {
        guard worst >= 0 else { throw ValidationError("--worst must be 0 or more") }
    }

    func run() throws {
        let folder = intentSet.folder
        let set = ChatOptions.load(folder)
        let encoder = try model.load(engine)
        var embeddings: [[Float]] = [], labels: [Int] = []
        for (label, intent) in set.intents.enumerated() {
            embeddings += encoder.embedMany(intent.examples, pooling: .mean, normalize: true)
            labels += Array(repeating: label, count: intent.examples.count)
        }
        let outOfScope = encoder.embedMany(set.outOfScopeExamples, pooling: .mean, normalize: true)
        let held = IntentClassifier.heldOutConfidences(embeddings: embeddings, labels: labels, classes: set.intents.count,
                                                       outOfScope: outOfScope)
        let threshold = set.confidenceThreshold ?? held.calibratedThreshold()
        let calibration = held.calibration(at: threshold)
        let withoutThreshold = Float(held.inScope.filter(\.correct).count) / Float(max(held.inScope.count, 1))
        let weakest = held.perIntent(names: set.intents.map(\.name)).prefix(worst)
        let clarify = set.clarify ?? ClarifyPolicy.calibrate(held, threshold: threshold)
        let rates = clarify.rates(held, threshold: threshold)

        if json {
            JSONOutput.print(ChatEvaluationRecord(
                folder: folder.path, model: encoder.folder.path, intents: set.intents.count, examples: embeddings.count,
                outOfScopeExamples: outOfScope.count, threshold: threshold, thresholdFromFile: set.confidenceThreshold != nil,
                inscopeAccuracy: calibration.inScopeAccuracy, inscopeAccuracyNoThreshold: withoutThreshold,
                oosRecall: OrNull(calibration.outOfScopeRecall),
                clarify: .init(gap: clarify.gap, band: clarify.band, wrongAnswers: rates.wrong, wrongAsked: rates.wrongAsked,
                               rightAnswers: rates.right, rightDelayed: rates.rightDelayed),
                weakest: weakest.map {
                    .init(intent: $0.name, examples: $0.examples, accuracy: $0.accuracy, confusedWith: OrNull($0.confusedWith))
                }))
            return
        }
        print("intents              \(set.intents.count) from \(folder.path); \(embeddings.count) examples, "
              + "\(outOfScope.count) out of scope; model \(encoder.folder.path)")
        print(String(format: "threshold            %.3f (%@)", threshold,
                     set.confidenceThreshold != nil ? "from the intent file" : "calibrated"))
        print(String(format: "in-scope accuracy    %.1f%% (best intent right, before any rejection: %.1f%%), 3-fold cross-validated",
                     calibration.inScopeAccuracy * 100, withoutThreshold * 100))
        if let recall = calibration.outOfScopeRecall {
            print(String(format: "out-of-scope recall  %.1f%% of the out_of_scope examples", recall * 100))
        }
        print(String(format: "ask when unsure      gap %.3f, band %.3f (%@): %.1f%% of wrong answers became a question "
                     + "(%d of %d), %.1f%% of right answers were delayed by one (%d of %d)", clarify.gap, clarify.band,
                     set.clarify != nil ? "from the intent file" : "calibrated",
                     rates.wrongAskedShare * 100, rates.wrongAsked, rates.wrong, rates.rightDelayedShare * 100,
                     rates.rightDelayed, rates.right))
        if !weakest.isEmpty {
            print("\nweakest intents (held-out accuracy, most often taken for):")
            for row in weakest {
                print("  " + row.name.padding(toLength: max(24, row.name.count), withPad: " ", startingAt: 0)
                      + String(format: " %5.1f%% of %3d  ", row.accuracy * 100, row.examples) + (row.confusedWith ?? "-"))
            }
        }
    }
}
