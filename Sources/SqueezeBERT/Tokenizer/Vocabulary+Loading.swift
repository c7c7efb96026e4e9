// Reading `vocab.txt` exactly as Hugging Face's `load_vocab` does: the file is UTF-8, one token
// per line, id = line number. Python opens it in text mode, so "\n", "\r\n" and a lone "\r" all
// end a line, a final line break does not start another token, and blank lines are tokens ("").
// A byte-order mark is not removed (Python's "utf-8" codec keeps it), so such a file fails the
// special-token check instead of silently shifting nothing.
import Foundation

extension Vocabulary {
    /// Loads `vocab.txt`. Throws `ModelLoadError`: `.missingFile` when it does not exist or cannot
    /// be read, `.malformedFile` when it is not UTF-8, is empty, or lacks a required special token.
    public init(contentsOf url: URL) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelLoadError(.missingFile, file: path, "file not found")
        }
        guard !isDirectory.boolValue else {
            throw ModelLoadError(.missingFile, file: path, "is a folder, not a vocabulary file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelLoadError(.missingFile, file: path, "cannot be read")
        }
        try self.init(tokens: Self.lines(of: data, file: path), source: path)
    }

    /// Splits `vocab.txt`'s bytes into tokens the way Python's text-mode `readlines` does.
    static func lines(of data: Data, file: String) throws -> [String] {
        var tokens: [String] = []
        var lineNumber = 1
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var index = 0
            func take(_ end: Int) throws {
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                let token = String(decoding: line, as: UTF8.self)
                guard token.utf8.elementsEqual(line) else {
                    throw ModelLoadError(.malformedFile, file: file, "line \(lineNumber) is not valid UTF-8")
                }
                tokens.append(token)
                lineNumber += 1
            }
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\n"):
                    try take(index)
                    index += 1
                    start = index
                case UInt8(ascii: "\r"):
                    try take(index)
                    index += 1
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
                    start = index
                default:
                    index += 1
                }
            }
            if start < bytes.count { try take(bytes.count) }
        }
        return tokens
    }
}
