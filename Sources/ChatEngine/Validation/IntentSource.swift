import Foundation
import Yams

/// Every text of an intents folder with the file and line it was written on, for messages that
/// point at the line to fix. Read after `IntentLoader` accepted the folder, so the shapes are known.
public struct IntentSource: Sendable {
    /// One string of a list, where it was written.
    public struct Entry: Sendable, Equatable {
        public var text: String
        public var file: String
        public var line: Int
        /// The intent's or topic's name; nil for the general out-of-scope lists.
        public var owner: String?
        /// `examples`, `responses`, `when_negative` or `when_positive`.
        public var key: String
    }

    /// An intent or topic: its name and where its mapping starts.
    public struct Block: Sendable, Equatable {
        public var name: String
        public var file: String
        public var line: Int
        public var isTopic: Bool
    }

    /// Intent entries (examples, responses and their variants), in folder order.
    public var intentEntries: [Entry] = []
    /// Out-of-scope examples and responses, general and topics'.
    public var outOfScopeEntries: [Entry] = []
    public var blocks: [Block] = []

    /// Reads the folder's `.yaml`, `.yml` and `.json` files in the loader's order.
    public init(folder: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { ["yaml", "yml", "json"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
        for name in names {
            let path = folder.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let root = try Yams.compose(yaml: text), let top = root.mapping else { continue }
            for item in top["intents"]?.sequence ?? [] {
                intentEntries += read(item, file: path, isTopic: false)
            }
            if let oos = top["out_of_scope"]?.mapping {
                for key in ["examples", "responses"] {
                    outOfScopeEntries += entries(oos[key], file: path, owner: nil, key: key)
                }
                for item in oos["topics"]?.sequence ?? [] {
                    outOfScopeEntries += read(item, file: path, isTopic: true)
                }
            }
        }
    }

    /// One intent's or topic's entries; records its block.
    private mutating func read(_ item: Node, file: String, isTopic: Bool) -> [Entry] {
        guard let mapping = item.mapping, let name = mapping["name"]?.string else { return [] }
        blocks.append(Block(name: name, file: file, line: item.mark?.line ?? 0, isTopic: isTopic))
        return ["examples", "responses", "when_negative", "when_positive"].flatMap {
            entries(mapping[$0], file: file, owner: name, key: $0)
        }
    }

    private func entries(_ node: Node?, file: String, owner: String?, key: String) -> [Entry] {
        (node?.sequence ?? []).compactMap { item in
            guard case .scalar(let scalar) = item else { return nil }
            return Entry(text: scalar.string.trimmingCharacters(in: .whitespacesAndNewlines), file: file,
                         line: item.mark?.line ?? 0, owner: owner, key: key)
        }
    }

    /// The block of the intent or topic `name`.
    public func block(_ name: String) -> Block? { blocks.first { $0.name == name } }
}
