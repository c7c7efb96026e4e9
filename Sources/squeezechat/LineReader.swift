import Foundation

/// Reads a file (or standard input) a line at a time in fixed-size chunks: bounded memory on any
/// input size, and bytes that are not valid UTF-8 become U+FFFD instead of stopping the read.
final class LineReader {
    private let handle: FileHandle
    private let closesHandle: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    /// Bytes consumed so far (for progress).
    private(set) var bytesRead = 0

    /// A reader over an opened handle (standard input, or a file opened by `open`).
    init(handle: FileHandle, closesHandle: Bool) {
        self.handle = handle
        self.closesHandle = closesHandle
    }

    deinit {
        if closesHandle { try? handle.close() }
    }

    /// Opens `path` for reading; the error says why it cannot be read, in a few words.
    static func open(_ path: String) throws(InputError) -> LineReader {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(path: path, problem: "no such file")
        }
        guard !isDirectory.boolValue else { throw InputError(path: path, problem: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(path: path, problem: "cannot be read (permission denied?)")
        }
        return LineReader(handle: handle, closesHandle: true)
    }

    /// The next line without its terminator ("\n" or "\r\n"), or nil at the end.
    func nextLine() -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = buffer.count
                return line
            }
            refill()
        }
    }

    /// Everything that is left, as one string (for `--by document`).
    func rest() -> String {
        while !finished { refill() }
        let text = String(decoding: buffer[start...], as: UTF8.self)
        start = buffer.count
        return text
    }

    private func refill() {
        // Drop what has been consumed before growing the buffer.
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = (try? handle.read(upToCount: 1 << 16)) ?? nil
        guard let chunk, !chunk.isEmpty else {
            finished = true
            return
        }
        bytesRead += chunk.count
        buffer.append(contentsOf: chunk)
    }
}

/// An input file that cannot be read: printed as `squeezechat: PATH: problem`.
struct InputError: Error {
    let path: String
    let problem: String
}
