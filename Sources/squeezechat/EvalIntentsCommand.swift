import ArgumentParser
import ChatEngine
import Foundation
import SqueezeBERT

/// `squeezechat eval intents`: learns intents from one JSONL file and classifies another.
struct EvalIntentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intents",
        abstract: "Learn intents from TRAIN.jsonl ({\"text\",\"intent\"}) and measure them on TEST.jsonl.",
        discussion: """
            Rows labelled with --oos-label are out-of-scope: in TRAIN they teach the detector, in TEST they \
            must be rejected. --holdout-intents K turns K intents (chosen with a fixed seed) into unseen \
            out-of-scope queries: their TRAIN rows are dropped and their TEST rows must be rejected.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var engine: EngineOptions

    @Option(name: .long, help: ArgumentHelp("Training rows (JSON lines with text and intent).", valueName: "FILE"))
    var train: String

    @Option(name: .long, help: ArgumentHelp("Test rows, same format.", valueName: "FILE"))
    var test: String

    @Option(name: .long, help: "The intent label of out-of-scope rows.")
    var oosLabel = "oos"

    @Option(name: .long, help: "Hold out this many intents as unseen out-of-scope queries.")
    var holdoutIntents = 0

    @Option(name: .long, help: "Out-of-scope threshold (default: calibrated by cross-validation on TRAIN).")
    var threshold: Float?

    @Option(name: .long, help: "Without out-of-scope training rows, the share of in-scope examples the calibrated threshold rejects.")
    var reject: Float = 0.05

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Let TRAIN's out-of-scope rows vote too: a test row whose nearest rows are mostly out-of-scope ones is rejected.")
    var outOfScopeVote = true

    @Flag(name: .long, help: "Also print the in-scope / out-of-scope trade-off at several calibrated thresholds.")
    var sweep = false

    @Flag(name: .long, help: "Print one JSON object with the metrics.")
    var json = false

    func validate() throws {
        guard holdoutIntents >= 0 else { throw ValidationError("--holdout-intents must be 0 or more") }
        guard (0..<1).contains(reject) else { throw ValidationError("--reject must be in [0, 1)") }
    }

    func run() throws {
        var clock = Stopwatch()
        let encoder = try model.load(engine)
        var trainRows = readRows(train)
        var testRows = readRows(test)
        var heldOut = Set<String>()
        if holdoutIntents > 0 {
            var generator = SeededGenerator(seed: 77)
            let names = Set(trainRows.map(\.intent)).subtracting([oosLabel]).sorted()
            guard holdoutIntents < names.count else { Output.fail("\(train): only \(names.count) intents to hold out from") }
            heldOut = Set(names.shuffled(using: &generator).prefix(holdoutIntents))
            trainRows.removeAll { heldOut.contains($0.intent) }
            testRows = testRows.map { heldOut.contains($0.intent) ? Row(text: $0.text, intent: oosLabel, line: $0.line) : $0 }
        }
        let intentNames = Array(Set(trainRows.map(\.intent)).subtracting([oosLabel])).sorted()
        let index = Dictionary(uniqueKeysWithValues: intentNames.enumerated().map { ($1, $0) })
        for row in testRows where row.intent != oosLabel && index[row.intent] == nil {
            Output.fail("\(test):\(row.line): intent \"\(row.intent)\" does not occur in \(train)")
        }

        let embed = { (texts: [String]) in encoder.embedMany(texts, pooling: .mean, normalize: true) }
        let inScope = trainRows.filter { $0.intent != oosLabel }
        let trainEmbeddings = embed(inScope.map(\.text))
        let oosEmbeddings = embed(trainRows.filter { $0.intent == oosLabel }.map(\.text))
        let testEmbeddings = embed(testRows.map(\.text))
        let encodeSeconds = clock.lap() / 1000

        let labels = inScope.map { index[$0.intent]! }
        var parameters = IntentClassifier.Parameters()
        parameters.outOfScopeVote = outOfScopeVote
        // With nothing out of scope to train on or to catch, a threshold could only reject good
        // answers: calibrate only when there is something to reject.
        let expectsOutOfScope = !oosEmbeddings.isEmpty || testRows.contains { $0.intent == oosLabel }
        let held = threshold == nil && (expectsOutOfScope || sweep)
            ? IntentClassifier.heldOutConfidences(embeddings: trainEmbeddings, labels: labels, classes: intentNames.count,
                                                  outOfScope: oosEmbeddings, parameters: parameters)
            : nil
        let calibrated = held.map { $0.calibratedThreshold(inScopeRejection: reject) }
        let chosenThreshold = threshold ?? (expectsOutOfScope ? calibrated ?? 0 : 0)
        let classifier = IntentClassifier(embeddings: trainEmbeddings, labels: labels, classes: intentNames.count,
                                          outOfScope: oosEmbeddings, parameters: parameters, threshold: chosenThreshold)
        let predictions = testEmbeddings.map(classifier.predict)
        let learnSeconds = clock.lap() / 1000

        let gold = testRows.map { $0.intent == oosLabel ? nil : index[$0.intent] }
        let metrics = IntentMetrics(gold: gold, predicted: predictions.map(\.label),
                                    unthresholded: predictions.map(\.best), classes: intentNames.count)
        if json {
            JSONOutput.print(IntentEvaluationRecord(
                n: testRows.count, accuracy: metrics.accuracy, inscopeAccuracy: metrics.inScopeAccuracy,
                inscopeAccuracyNoThreshold: metrics.inScopeAccuracyWithoutThreshold, macroF1: metrics.macroF1,
                threshold: classifier.threshold, intents: intentNames.count, trainRows: trainRows.count,
                encodeSeconds: encodeSeconds, learnAndClassifySeconds: learnSeconds,
                oosRecall: OrNull(metrics.outOfScopeRecall), oosPrecision: OrNull(metrics.outOfScopePrecision)))
        } else {
            let percent = { (value: Double) in String(format: "%.2f%%", value * 100) }
            print("test rows            \(testRows.count) (\(metrics.outOfScopeCount) out of scope)")
            print("intents              \(intentNames.count) learned from \(inScope.count) rows"
                  + (oosEmbeddings.isEmpty ? "" : " + \(oosEmbeddings.count) out-of-scope rows")
                  + (heldOut.isEmpty ? "" : "; held out: \(heldOut.sorted().joined(separator: ", "))"))
            print("threshold            \(String(format: "%.3f", classifier.threshold))"
                  + (threshold != nil ? " (given)" : expectsOutOfScope ? " (calibrated)" : " (nothing out of scope: none)"))
            print("accuracy             \(percent(metrics.accuracy))")
            print("in-scope accuracy    \(percent(metrics.inScopeAccuracy)) (no threshold: \(percent(metrics.inScopeAccuracyWithoutThreshold)))")
            if let recall = metrics.outOfScopeRecall { print("out-of-scope recall  \(percent(recall))") }
            if let precision = metrics.outOfScopePrecision { print("out-of-scope prec.   \(percent(precision))") }
            print("macro-F1             \(percent(metrics.macroF1))")
            print(String(format: "time                 %.1f s encoding, %.1f s learning and classifying", encodeSeconds, learnSeconds))
        }
        if sweep, let held {
            print("\nthreshold sweep (chosen on TRAIN by cross-validation; measured on TEST):")
            print("reject in-scope (CV)  threshold  in-scope acc  oos recall  oos precision")
            for share: Float in [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4] {
                let t = share == 0 ? 0 : held.threshold(rejectingInScope: share)
                let m = IntentMetrics(gold: gold, predicted: predictions.map { $0.outVoted || $0.confidence < t ? nil : $0.best },
                                      unthresholded: predictions.map(\.best), classes: intentNames.count)
                print(String(format: "%19.0f%%  %9.3f  %11.2f%%  %@  %@", share * 100, t, m.inScopeAccuracy * 100,
                             m.outOfScopeRecall.map { String(format: "%9.2f%%", $0 * 100) } ?? "        -",
                             m.outOfScopePrecision.map { String(format: "%12.2f%%", $0 * 100) } ?? "            -"))
            }
        }
    }

    struct Row { var text: String; var intent: String; var line: Int }

    /// JSON lines with "text" and "intent"; a malformed line is one error with its number.
    func readRows(_ path: String) -> [Row] {
        guard let data = FileManager.default.contents(atPath: path) else { Output.fail("\(path): cannot read file") }
        var rows: [Row] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                  let text = object["text"] as? String, let intent = object["intent"] as? String else {
                Output.fail("\(path):\(number + 1): expected a JSON object with string fields \"text\" and \"intent\"")
            }
            rows.append(Row(text: text, intent: intent, line: number + 1))
        }
        if rows.isEmpty { Output.fail("\(path): no rows") }
        return rows
    }
}

/// A small deterministic generator (SplitMix64) so hold-outs are the same on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
