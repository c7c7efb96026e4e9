// A byte trie over the vocabulary's UTF-8 spellings, for WordPiece's greedy longest match.
//
// Walking the trie from a word position finds every vocabulary entry that starts there in one
// pass, so the longest match costs one step per byte instead of one hash of a fresh String per
// candidate length, as in the reference. Keys are bytes, not Strings: Swift compares Strings by
// canonical equivalence, and a vocabulary may hold both "é" and "e\u{301}" as different tokens.
//
// Layout is what makes it fast: nodes are numbered breadth-first, each node's children are one
// sorted run of packed edges, and nodes with many children (the root, "##") get a dense 256-entry
// table. The upper levels, where nearly every step happens, then sit in a few hundred kilobytes
// instead of being scattered over a hash table, and nothing allocates after construction.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps UTF-8 byte strings to token ids; node 0 is the root (the empty string).
struct TokenTrie: Sendable {
    /// One node: where its children are, and the token ending here.
    struct Node: Sendable {
        /// Index of the first child edge in `edges`.
        var firstEdge: UInt32
        /// The token id spelled by the path to this node, or -1.
        var id: Int32
        /// Number of child edges.
        var edgeCount: UInt16
        /// 1 + the index of this node's dense table in `dense`, or 0 if it has none.
        var denseTable: UInt16
    }

    /// Nodes in breadth-first order.
    private(set) var nodes: [Node]
    /// Child edges, `child << 8 | byte`, each node's run sorted by byte.
    private var edges: [UInt32]
    /// Dense child tables, 256 entries each (-1 for no child), for nodes with many children.
    private var dense: [Int32]
}

extension TokenTrie {
    /// The root node: the empty string.
    static let root: Int32 = 0
    /// Nodes with at least this many children get a dense table.
    private static let denseThreshold = 24

    /// The most bytes all spellings together may have (node numbers must fit in 24 bits).
    static let maxTotalBytes = 1 << 24 - 1

    /// Builds the trie over the UTF-8 of `tokens` (id = index); where a spelling occurs twice, the
    /// later id wins (as in Hugging Face's `load_vocab`, which fills a dict in file order).
    /// Spellings total at most `maxTotalBytes`.
    init(tokens: [String]) {
        // All spellings in one pool, then sorted: every prefix's extensions become contiguous, so
        // building level by level numbers nodes breadth-first and gives each node one sorted run.
        var pool: [UInt8] = []
        var starts = [Int](repeating: 0, count: tokens.count + 1)
        for (index, token) in tokens.enumerated() {
            pool.append(contentsOf: token.utf8)
            starts[index + 1] = pool.count
        }
        // Each spelling's first eight bytes, big-endian and zero-padded, decide nearly every
        // comparison with one integer compare (start-up time); equal prefixes fall back to memcmp.
        let prefixes = pool.withUnsafeBufferPointer { pool in
            tokens.indices.map { index -> UInt64 in
                var key: UInt64 = 0
                for j in 0..<8 {
                    let at = starts[index] + j
                    key = key << 8 | (at < starts[index + 1] ? UInt64(pool[at]) : 0)
                }
                return key
            }
        }
        let order = pool.withUnsafeBufferPointer { pool in
            tokens.indices.sorted { a, b in
                if prefixes[a] != prefixes[b] { return prefixes[a] < prefixes[b] }
                let (lengthA, lengthB) = (starts[a + 1] - starts[a], starts[b + 1] - starts[b])
                let common = min(lengthA, lengthB)
                let order = common == 0 ? 0 : memcmp(pool.baseAddress! + starts[a], pool.baseAddress! + starts[b], common)
                if order != 0 { return order < 0 }
                return lengthA != lengthB ? lengthA < lengthB : a < b
            }
        }
        var sortedPool: [UInt8] = []
        sortedPool.reserveCapacity(pool.count)
        var sortedStarts: [Int] = [0]
        for index in order {
            sortedPool.append(contentsOf: pool[starts[index]..<starts[index + 1]])
            sortedStarts.append(sortedPool.count)
        }

        var nodes = [Node(firstEdge: 0, id: -1, edgeCount: 0, denseTable: 0)]
        var edges: [UInt32] = []
        // Sorted positions of spellings longer than `depth - 1`, with their node at depth - 1.
        var active: [Int] = []
        for (rank, id) in order.enumerated() {
            if sortedStarts[rank] == sortedStarts[rank + 1] { nodes[0].id = Int32(id) } else { active.append(rank) }
        }
        var parents = [Int32](repeating: Self.root, count: active.count)
        var depth = 1
        while !active.isEmpty {
            var previous: (parent: Int32, byte: UInt8, node: Int32) = (-1, 0, -1)
            var nextActive: [Int] = []
            var nextParents: [Int32] = []
            for (slot, rank) in active.enumerated() {
                let parent = parents[slot]
                let byte = sortedPool[sortedStarts[rank] + depth - 1]
                let node: Int32
                if parent == previous.parent && byte == previous.byte {
                    node = previous.node
                } else {
                    node = Int32(nodes.count)
                    nodes.append(Node(firstEdge: 0, id: -1, edgeCount: 0, denseTable: 0))
                    if nodes[Int(parent)].edgeCount == 0 { nodes[Int(parent)].firstEdge = UInt32(edges.count) }
                    nodes[Int(parent)].edgeCount += 1
                    edges.append(UInt32(node) << 8 | UInt32(byte))
                }
                previous = (parent, byte, node)
                if sortedStarts[rank + 1] - sortedStarts[rank] == depth {
                    nodes[Int(node)].id = Int32(order[rank])
                } else {
                    nextActive.append(rank)
                    nextParents.append(node)
                }
            }
            active = nextActive
            parents = nextParents
            depth += 1
        }
        var dense: [Int32] = []
        for index in nodes.indices where Int(nodes[index].edgeCount) >= Self.denseThreshold {
            guard dense.count / 256 < Int(UInt16.max) else { break }
            nodes[index].denseTable = UInt16(dense.count / 256 + 1)
            var table = [Int32](repeating: -1, count: 256)
            let first = Int(nodes[index].firstEdge)
            for edge in edges[first..<first + Int(nodes[index].edgeCount)] {
                table[Int(edge & 0xFF)] = Int32(edge >> 8)
            }
            dense += table
        }
        self.nodes = nodes
        self.edges = edges
        self.dense = dense
    }

    /// The child of `node` along `byte`, or -1.
    @inline(__always)
    func child(of node: Int32, byte: UInt8) -> Int32 {
        nodes.withUnsafeBufferPointer { nodes in
            edges.withUnsafeBufferPointer { edges in
                dense.withUnsafeBufferPointer { dense in
                    Self.child(of: node, byte: byte, nodes, edges, dense)
                }
            }
        }
    }

    /// The node reached by walking `bytes` from the root, or -1.
    func node<Bytes: Sequence>(for bytes: Bytes) -> Int32 where Bytes.Element == UInt8 {
        var node = Self.root
        for byte in bytes {
            node = child(of: node, byte: byte)
            if node < 0 { return -1 }
        }
        return node
    }

    /// The id of the token spelled by `bytes`, if any.
    func id<Bytes: Sequence>(for bytes: Bytes) -> Int32? where Bytes.Element == UInt8 {
        let node = node(for: bytes)
        guard node >= 0, nodes[Int(node)].id >= 0 else { return nil }
        return nodes[Int(node)].id
    }

    /// The longest token that `bytes[start...]` begins with, looked up below `node` (the root for
    /// a word's first piece, the "##" node for the others): its id and where it ends, or nil.
    func longestMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, below node: Int32) -> (id: Int32, end: Int)? {
        guard node >= 0 else { return nil }
        return nodes.withUnsafeBufferPointer { nodes in
            edges.withUnsafeBufferPointer { edges in
                dense.withUnsafeBufferPointer { dense in
                    var best: (id: Int32, end: Int)? = nil
                    var cursor = node
                    var index = start
                    while index < bytes.count {
                        cursor = Self.child(of: cursor, byte: bytes[index], nodes, edges, dense)
                        if cursor < 0 { break }
                        index += 1
                        let id = nodes[Int(cursor)].id
                        if id >= 0 { best = (id, index) }
                    }
                    return best
                }
            }
        }
    }

    @inline(__always)
    private static func child(
        of node: Int32, byte: UInt8,
        _ nodes: UnsafeBufferPointer<Node>, _ edges: UnsafeBufferPointer<UInt32>, _ dense: UnsafeBufferPointer<Int32>
    ) -> Int32 {
        let entry = nodes[Int(node)]
        if entry.denseTable != 0 {
            return dense[(Int(entry.denseTable) - 1) << 8 | Int(byte)]
        }
        var low = Int(entry.firstEdge)
        let end = low + Int(entry.edgeCount)
        let target = UInt32(byte)
        while low < end {
            let edge = edges[low]
            let edgeByte = edge & 0xFF
            if edgeByte == target { return Int32(edge >> 8) }
            if edgeByte > target { return -1 }
            low += 1
        }
        return -1
    }
}
