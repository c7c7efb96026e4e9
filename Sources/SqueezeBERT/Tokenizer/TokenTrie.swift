// A byte trie over the vocabulary's UTF-8 spellings, for WordPiece's greedy longest match.
//
// Walking the trie from a word position finds every vocabulary entry that starts there in one
// pass, so the longest match costs one step per byte instead of one hash of a fresh String per
// candidate length, as in the reference. Keys are bytes, not Strings: Swift compares Strings by
// canonical equivalence, and a vocabulary may hold both "é" and "e\u{301}" as different tokens.
// Edges live in one open-addressing hash table keyed by (node, byte); nothing here allocates
// after construction.

/// Maps UTF-8 byte strings to token ids; node 0 is the root (the empty string).
struct TokenTrie: Sendable {
    /// The token id ending at each node, or -1.
    private(set) var ids: [Int32]
    /// Edge keys, `(parent << 8 | byte) + 1`; 0 marks an empty slot.
    private var keys: [UInt64]
    /// The child node for the key in the same slot.
    private var children: [Int32]
    /// Right shift that turns a 64-bit hash into a slot index.
    private var shift: UInt64
}

extension TokenTrie {
    /// The root node: the empty string.
    static let root: Int32 = 0

    /// Builds the trie; where a spelling occurs twice, the later id wins (as in Hugging Face's
    /// `load_vocab`, which fills a dict in file order).
    init<Spellings: Collection>(spellings: Spellings) where Spellings.Element == [UInt8] {
        let totalBytes = spellings.reduce(0) { $0 + $1.count }
        var capacity = 16
        while capacity < 2 * totalBytes + 2 { capacity <<= 1 }
        ids = [-1]
        ids.reserveCapacity(totalBytes + 1)
        keys = [UInt64](repeating: 0, count: capacity)
        children = [Int32](repeating: -1, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        for (id, spelling) in spellings.enumerated() {
            var node = Self.root
            for byte in spelling {
                node = insertChild(of: node, byte: byte)
            }
            ids[Int(node)] = Int32(id)
        }
    }

    /// The child of `node` along `byte`, or -1.
    @inline(__always)
    func child(of node: Int32, byte: UInt8) -> Int32 {
        let key = (UInt64(UInt32(bitPattern: node)) << 8 | UInt64(byte)) &+ 1
        let mask = keys.count - 1
        var slot = Self.slot(key, shift)
        while true {
            let found = keys[slot]
            if found == key { return children[slot] }
            if found == 0 { return -1 }
            slot = (slot + 1) & mask
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
        guard node >= 0, ids[Int(node)] >= 0 else { return nil }
        return ids[Int(node)]
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    private mutating func insertChild(of node: Int32, byte: UInt8) -> Int32 {
        let key = (UInt64(UInt32(bitPattern: node)) << 8 | UInt64(byte)) &+ 1
        let mask = keys.count - 1
        var slot = Self.slot(key, shift)
        while keys[slot] != 0 {
            if keys[slot] == key { return children[slot] }
            slot = (slot + 1) & mask
        }
        let created = Int32(ids.count)
        ids.append(-1)
        keys[slot] = key
        children[slot] = created
        return created
    }
}
