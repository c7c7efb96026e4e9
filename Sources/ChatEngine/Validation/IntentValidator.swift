import Foundation
import SqueezeBERT

/// One thing wrong (an error) or worth a look (a warning) in an intents folder.
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    /// A short name of the check, for tools: `file`, `duplicate-example`, `near-duplicate`, ...
    public var check: String
    public var file: String
    public var line: Int?
    public var problem: String

    public init(_ severity: Severity, _ check: String, file: String, line: Int?, _ problem: String) {
        self.severity = severity
        self.check = check
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// `FILE:LINE: problem`, with `warning: ` before the problem of a warning.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(severity == .warning ? "warning: " : "")\(problem)"
    }
}

/// Lints an intents folder, as `rasa data validate` does and more. The cheap checks read the files
/// only (the chat runs them at start-up); the embedding checks need the model.
public enum IntentValidator {
    /// Fewer examples than this teach an intent poorly (intents/README.md asks for 12).
    public static let minimumExamples = 12
    /// Fewer responses than this leave the bot little to alternate between.
    public static let minimumResponses = 3
    /// Cosine similarity from which two examples of different intents count as near-duplicates.
    /// On the bundled model 99.9% of such pairs in the built-in set score under 0.6; above 0.85
    /// sit rewordings of one request ("who trained your model", "how was your model trained")
    /// and pairs that differ in one telling word ("hey squeezechat", "bye squeezechat").
    public static let nearDuplicateSimilarity: Float = 0.85
    /// A confusable pair: at least this share of an intent's held-out examples, and at least
    /// `confusableMinimum` of them, are taken for the other intent.
    public static let confusableShare: Float = 0.2
    public static let confusableMinimum = 3

    /// The checks that read the files only: the loader's errors, the same example under two
    /// intents or also out of scope, repeated examples and responses, too few examples or responses.
    public static func cheapChecks(folder: URL) -> (set: IntentSet?, source: IntentSource?, issues: [ValidationIssue]) {
        let set: IntentSet
        do {
            set = try IntentLoader.load(folder: folder)
        } catch let error as IntentFileError {
            return (nil, nil, [ValidationIssue(.error, "file", file: error.file, line: error.line, error.problem)])
        } catch {
            return (nil, nil, [ValidationIssue(.error, "file", file: folder.path, line: nil, "\(error)")])
        }
        let source: IntentSource
        do { source = try IntentSource(folder: folder) } catch {
            return (set, nil, [ValidationIssue(.error, "file", file: folder.path, line: nil, "\(error)")])
        }
        var issues: [ValidationIssue] = []
        func place(_ entry: IntentSource.Entry) -> String { "\(entry.file):\(entry.line)" }

        // The same example twice: within one intent a waste, across intents or against the
        // out-of-scope examples a contradiction the classifier cannot learn.
        var seen: [String: IntentSource.Entry] = [:]
        let examples = source.intentEntries.filter { $0.key == "examples" }
            + source.outOfScopeEntries.filter { $0.key == "examples" }
        for entry in examples {
            let key = normalised(entry.text)
            guard let first = seen[key] else { seen[key] = entry; continue }
            let where_ = "\(describe(first.owner, first.key, source)) at \(place(first))"
            if first.owner == entry.owner {
                issues.append(ValidationIssue(.warning, "repeated-example", file: entry.file, line: entry.line,
                                              "example \"\(entry.text)\" is repeated (first at \(place(first)))"))
            } else {
                issues.append(ValidationIssue(.error, "duplicate-example", file: entry.file, line: entry.line,
                                              "example \"\(entry.text)\" of \(describe(entry.owner, entry.key, source)) is also an example of \(where_)"))
            }
        }
        // Responses: repeated within one list.
        var responses: [String: IntentSource.Entry] = [:]
        for entry in source.intentEntries + source.outOfScopeEntries where entry.key != "examples" {
            let key = "\(entry.owner ?? "")|\(entry.key)|\(normalised(entry.text))"
            if let first = responses[key] {
                issues.append(ValidationIssue(.warning, "repeated-response", file: entry.file, line: entry.line,
                                              "response \"\(entry.text)\" is repeated in \"\(entry.key)\" (first at \(place(first)))"))
            } else {
                responses[key] = entry
            }
        }
        for intent in set.intents {
            guard let block = source.block(intent.name), !block.isTopic else { continue }
            if intent.examples.count < minimumExamples {
                issues.append(ValidationIssue(.warning, "few-examples", file: block.file, line: block.line,
                                              "intent \"\(intent.name)\" has \(intent.examples.count) examples; \(minimumExamples) or more teach it better"))
            }
            if intent.responses.count < minimumResponses {
                issues.append(ValidationIssue(.warning, "few-responses", file: block.file, line: block.line,
                                              "intent \"\(intent.name)\" has \(intent.responses.count) responses; with \(minimumResponses) or more the bot can alternate"))
            }
        }
        if set.outOfScopeExamples.isEmpty {
            issues.append(ValidationIssue(.warning, "no-out-of-scope", file: folder.path, line: nil,
                                          "no out_of_scope examples: the threshold rejects the least confident 5% of turns instead"))
        }
        return (set, source, issues)
    }

    /// The checks that need sentence embeddings of the examples (`embed` returns L2-normalised
    /// vectors in order): near-duplicate examples of different intents, out-of-scope examples
    /// that sit on an intent's example, and the pairs of intents cross-validation confuses.
    public static func embeddingChecks(set: IntentSet, source: IntentSource,
                                       embed: ([String]) -> [[Float]]) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let examples = source.intentEntries.filter { $0.key == "examples" }
        let outside = source.outOfScopeEntries.filter { $0.key == "examples" }
        let vectors = embed(examples.map(\.text) + outside.map(\.text))
        guard let dimensions = vectors.first?.count else { return [] }
        let inScope = Array(vectors[..<examples.count]), outOfScope = Array(vectors[examples.count...])
        let flat = inScope.flatMap { $0 }
        func place(_ entry: IntentSource.Entry) -> String { "\(entry.file):\(entry.line)" }

        for (i, entry) in examples.enumerated() {
            let similarities = IntentClassifier.similarities(of: inScope[i], to: flat, dimensions: dimensions)
            // Each pair once, at its later line.
            for j in 0..<i where examples[j].owner != entry.owner && similarities[j] >= nearDuplicateSimilarity
                && normalised(examples[j].text) != normalised(entry.text) {
                issues.append(ValidationIssue(.warning, "near-duplicate", file: entry.file, line: entry.line, String(
                    format: "near-duplicate examples of two intents: \"%@\" (%@) and \"%@\" (%@ at %@), similarity %.2f",
                    entry.text, entry.owner ?? "", examples[j].text, examples[j].owner ?? "", place(examples[j]), similarities[j])))
            }
        }
        for (i, entry) in outside.enumerated() {
            let similarities = IntentClassifier.similarities(of: outOfScope[i], to: flat, dimensions: dimensions)
            guard let j = similarities.indices.max(by: { similarities[$0] < similarities[$1] }),
                  similarities[j] >= nearDuplicateSimilarity, normalised(examples[j].text) != normalised(entry.text) else { continue }
            issues.append(ValidationIssue(.warning, "out-of-scope-like-intent", file: entry.file, line: entry.line, String(
                format: "out-of-scope example \"%@\" looks like intent \"%@\": \"%@\" at %@, similarity %.2f",
                entry.text, examples[j].owner ?? "", examples[j].text, place(examples[j]), similarities[j])))
        }

        // Confusable pairs, by the cross-validation the chat calibrates with.
        let names = set.intents.map(\.name)
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let labels = examples.map { index[$0.owner ?? ""] ?? 0 }
        guard names.count > 1 else { return issues }
        let held = IntentClassifier.heldOutConfidences(embeddings: inScope, labels: labels, classes: names.count,
                                                       outOfScope: outOfScope)
        var total = [Int](repeating: 0, count: names.count)
        var taken: [Int: [Int: Int]] = [:]
        for row in held.inScope {
            total[row.label] += 1
            if !row.correct { taken[row.label, default: [:]][row.predicted, default: 0] += 1 }
        }
        for (label, targets) in taken.sorted(by: { $0.key < $1.key }) {
            for (other, count) in targets.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) })
            where count >= confusableMinimum && Float(count) >= confusableShare * Float(total[label]) {
                guard let block = source.block(names[label]) else { continue }
                issues.append(ValidationIssue(.warning, "confusable", file: block.file, line: block.line,
                    "intent \"\(names[label])\" is taken for \"\(names[other])\" in \(count) of \(total[label]) held-out examples (cross-validated): give both clearer examples, or merge them"))
            }
        }
        return issues
    }

    /// Lower case, letters and digits only, single spaces: "Hi!" and "hi" are the same example.
    static func normalised(_ text: String) -> String {
        text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " }
            .split(separator: " ", omittingEmptySubsequences: true).map { String($0) }.joined(separator: " ")
    }

    static func describe(_ owner: String?, _ key: String, _ source: IntentSource) -> String {
        guard let owner else { return "out_of_scope" }
        return source.block(owner)?.isTopic == true ? "out-of-scope topic \"\(owner)\"" : "intent \"\(owner)\""
    }
}
