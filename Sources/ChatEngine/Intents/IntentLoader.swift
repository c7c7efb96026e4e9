import Foundation
import Yams

/// Reads and validates intent files. Every problem is an `IntentFileError` with file and line.
///
///     intents:
///       - name: greeting
///         examples: [hi, hello there]
///         responses: ["Hello!"]
///         when_negative: ["Hello. Rough day?"]   # optional
///         when_positive: ["Hello! Good to see you cheerful."]   # optional
///     out_of_scope:                                # optional, in any one file
///       examples: [what's the weather tomorrow]
///       responses: ["I can't help with that; I can ..."]
///       threshold: 0.5                             # optional override of the calibrated one
///       topics:                                    # optional: refusals that fit the request
///         - name: cooking
///           examples: [how do i make pancakes]
///           responses: ["I can't help with recipes, but I can ..."]
public enum IntentLoader {
    /// Loads every `.yaml`, `.yml` and `.json` file in `folder` (sorted by name) and merges them.
    public static func load(folder: URL) throws -> IntentSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IntentFileError(file: folder.path, line: nil, "intents folder not found")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { ["yaml", "yml", "json"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
        guard !names.isEmpty else {
            throw IntentFileError(file: folder.path, line: nil, "no .yaml, .yml or .json intent files")
        }
        var merged = IntentSet(intents: [])
        var definedIn: [String: String] = [:]
        for name in names {
            let url = folder.appendingPathComponent(name)
            let part = try load(file: url)
            for intent in part.intents {
                if let earlier = definedIn[intent.name] {
                    throw IntentFileError(file: url.path, line: line(of: intent.source),
                                          "intent \"\(intent.name)\" is already defined at \(earlier)")
                }
                definedIn[intent.name] = intent.source
                merged.intents.append(intent)
            }
            merged.outOfScopeExamples += part.outOfScopeExamples
            try mergeTopics(part.topics, into: &merged, file: url.path)
            merged.fallbackResponses += part.fallbackResponses
            merged.followUps += part.followUps
            if let clarify = part.clarify { merged.clarify = clarify }
            if let threshold = part.confidenceThreshold { merged.confidenceThreshold = threshold }
        }
        guard !merged.intents.isEmpty else {
            throw IntentFileError(file: folder.path, line: nil, "the intent files define no intents")
        }
        try checkDialogueReferences(merged)
        try checkTopicNames(merged)
        return merged
    }

    /// Loads one file.
    public static func load(file url: URL) throws -> IntentSet {
        let text: String
        do {
            let data = try Data(contentsOf: url)
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw IntentFileError(file: url.path, line: nil, "not valid UTF-8")
            }
            text = decoded
        } catch let error as IntentFileError {
            throw error
        } catch {
            throw IntentFileError(file: url.path, line: nil, "cannot read (\(error.localizedDescription))")
        }
        return try parse(text, file: url.path)
    }

    /// Parses the text of one intent file; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> IntentSet {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw IntentFileError(file: file, line: yamlLine(error), "not valid YAML: \(yamlProblem(error))")
        } catch {
            throw IntentFileError(file: file, line: nil, "not valid YAML")
        }
        guard let root, let top = root.mapping else {
            throw IntentFileError(file: file, line: root?.mark?.line, "expected a mapping with an \"intents\" list")
        }
        let reader = NodeReader(file: file)
        try reader.allowOnly(Set(["intents", "out_of_scope"]).union(NodeReader.dialogueFileKeys), in: top, at: root)
        var set = IntentSet(intents: [])
        if let list = top["intents"] {
            guard let items = list.sequence else { throw reader.fail(list, "\"intents\" must be a list") }
            for item in items { set.intents.append(try reader.intent(item)) }
        }
        if let oos = top["out_of_scope"] {
            guard let mapping = oos.mapping else { throw reader.fail(oos, "\"out_of_scope\" must be a mapping") }
            try reader.allowOnly(["examples", "responses", "threshold", "topics"], in: mapping, at: oos)
            set.outOfScopeExamples = try reader.strings(mapping["examples"], "examples", required: false)
            set.topics = try reader.topics(mapping["topics"])
            set.outOfScopeExamples += set.topics.flatMap(\.examples)
            set.fallbackResponses = try reader.strings(mapping["responses"], "responses", required: false)
            if let threshold = mapping["threshold"] {
                guard let value = threshold.float, value >= 0, value <= 1 else {
                    throw reader.fail(threshold, "\"threshold\" must be a number from 0 to 1")
                }
                set.confidenceThreshold = Float(value)
            }
        }
        try reader.dialogueSections(top, into: &set)
        if set.intents.isEmpty && set.outOfScopeExamples.isEmpty && set.fallbackResponses.isEmpty && set.followUps.isEmpty
            && set.clarify == nil {
            throw IntentFileError(file: file, line: root.mark?.line, "defines neither \"intents\" nor \"out_of_scope\"")
        }
        try checkTopicNames(set)
        return set
    }

    static func line(of source: String) -> Int? {
        source.split(separator: ":").last.flatMap { Int($0) }
    }

    private static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default: return nil
        }
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default: return "\(error)".split(separator: "\n").first.map(String.init) ?? "syntax error"
        }
    }
}

/// Typed access to YAML nodes, failing with the node's line.
struct NodeReader {
    let file: String

    func fail(_ node: Node, _ problem: String) -> IntentFileError {
        IntentFileError(file: file, line: node.mark?.line, problem)
    }

    func allowOnly(_ keys: Set<String>, in mapping: Node.Mapping, at node: Node) throws {
        for (key, _) in mapping {
            guard let name = key.string, keys.contains(name) else {
                let allowed = keys.sorted().joined(separator: ", ")
                throw fail(key, "unknown key \"\(key.string ?? "?")\" (expected one of: \(allowed))")
            }
        }
    }

    /// The list of non-empty strings at `node`; `owner` prefixes messages ("intent \"x\": ").
    func strings(_ node: Node?, _ key: String, required: Bool, owner: String = "") throws -> [String] {
        guard let node else {
            if required { throw IntentFileError(file: file, line: nil, "\(owner)missing \"\(key)\"") }
            return []
        }
        guard let items = node.sequence else { throw fail(node, "\(owner)\"\(key)\" must be a list of strings") }
        var values: [String] = []
        for item in items {
            guard case .scalar(let scalar) = item else { throw fail(item, "\(owner)\"\(key)\" must hold strings") }
            let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw fail(item, "\(owner)\"\(key)\" holds an empty string") }
            values.append(text)
        }
        if required && values.isEmpty { throw fail(node, "\(owner)\"\(key)\" is empty") }
        return values
    }

    func intent(_ node: Node) throws -> Intent {
        guard let mapping = node.mapping else { throw fail(node, "each intent must be a mapping with a name") }
        try allowOnly(Set(["name", "examples", "responses", "when_negative", "when_positive"]).union(Self.dialogueIntentKeys),
                      in: mapping, at: node)
        guard let nameNode = mapping["name"] else { throw fail(node, "intent without a \"name\"") }
        guard case .scalar(let scalar) = nameNode, !scalar.string.isEmpty,
              scalar.string.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw fail(nameNode, "intent names are words of letters, digits, _ and -")
        }
        let name = scalar.string
        let owner = "intent \"\(name)\": "
        func list(_ key: String, required: Bool) throws -> [String] {
            guard let value = mapping[key] else {
                if required { throw fail(node, "\(owner)missing \"\(key)\"") }
                return []
            }
            return try strings(value, key, required: required, owner: owner)
        }
        return Intent(
            name: name, examples: try list("examples", required: true), responses: try list("responses", required: true),
            negativeResponses: try list("when_negative", required: false),
            positiveResponses: try list("when_positive", required: false),
            source: "\(file):\(node.mark?.line ?? 0)", dialogue: try dialogue(mapping, at: node, owner: owner))
    }
}
