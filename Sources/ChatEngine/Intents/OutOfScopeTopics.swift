import Yams

/// Reading the `topics` of an `out_of_scope` section:
///
///     out_of_scope:
///       topics:
///         - name: cooking
///           examples: [how do i make pancakes, recipe for curry]
///           responses: ["I can't help with recipes, but I can ..."]
extension NodeReader {
    /// The topics listed at `node` (none when absent).
    func topics(_ node: Node?) throws -> [OutOfScopeTopic] {
        guard let node else { return [] }
        guard let items = node.sequence else { throw fail(node, "\"topics\" must be a list") }
        var topics: [OutOfScopeTopic] = []
        for item in items {
            let topic = try topic(item)
            if let earlier = topics.first(where: { $0.name == topic.name }) {
                throw fail(item, "topic \"\(topic.name)\" is already defined at \(earlier.source)")
            }
            topics.append(topic)
        }
        return topics
    }

    func topic(_ node: Node) throws -> OutOfScopeTopic {
        guard let mapping = node.mapping else { throw fail(node, "each topic must be a mapping with a name") }
        try allowOnly(["name", "examples", "responses"], in: mapping, at: node)
        guard let nameNode = mapping["name"] else { throw fail(node, "topic without a \"name\"") }
        guard case .scalar(let scalar) = nameNode, !scalar.string.isEmpty,
              scalar.string.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw fail(nameNode, "topic names are words of letters, digits, _ and -")
        }
        let name = scalar.string, owner = "topic \"\(name)\": "
        func list(_ key: String) throws -> [String] {
            guard let value = mapping[key] else { throw fail(node, "\(owner)missing \"\(key)\"") }
            return try strings(value, key, required: true, owner: owner)
        }
        return OutOfScopeTopic(name: name, examples: try list("examples"), responses: try list("responses"),
                               source: "\(file):\(node.mark?.line ?? 0)")
    }
}

extension IntentLoader {
    /// Adds one file's topics; a topic name may occur once in the folder.
    static func mergeTopics(_ topics: [OutOfScopeTopic], into set: inout IntentSet, file: String) throws {
        for topic in topics {
            if let earlier = set.topics.first(where: { $0.name == topic.name }) {
                throw IntentFileError(file: file, line: line(of: topic.source),
                                      "topic \"\(topic.name)\" is already defined at \(earlier.source)")
            }
            set.topics.append(topic)
        }
    }

    /// A topic named like an intent would make reports ambiguous.
    static func checkTopicNames(_ set: IntentSet) throws {
        for topic in set.topics {
            if let intent = set.intent(named: topic.name) {
                throw IntentFileError(file: String(topic.source.split(separator: ":").dropLast().joined(separator: ":")),
                                      line: line(of: topic.source),
                                      "topic \"\(topic.name)\" has the name of the intent at \(intent.source)")
            }
        }
    }
}
