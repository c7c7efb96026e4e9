// The fuzzers' entry points: each takes arbitrary bytes and runs them through one parser the app
// runs on outside input, exactly as the app does. A result that is an error is fine; a crash, a
// hang or an out-of-bounds access is a bug. The libFuzzer binaries under fuzz/ call these, and
// `swift test` replays the committed corpora through them.
import ChatEngine
import CTerminalShim
import Foundation
import SqueezeBERT
import TerminalUI
import TextAnalysis

#if canImport(Glibc)
import Glibc
#endif

/// One fuzzed parser.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The WordPiece tokenizer: the bytes as (possibly invalid) UTF-8 text.
    case tokenizer
    /// The safetensors reader: the bytes as `model.safetensors`, every tensor read.
    case safetensors
    /// `config.json`: the bytes decoded as a model configuration.
    case config
    /// A whole model folder: the bytes split at `\n====\n` into config.json, vocab.txt and model.safetensors.
    case modelFolder = "model-folder"
    /// The intents loader: the bytes as an intent file (YAML, of which JSON is a subset).
    case intents
    /// The sentence splitter: the bytes as text.
    case splitter
    /// The terminal's key and bracketed-paste decoding: the bytes as typed into the full-screen chat.
    case input
    /// The embedding cache reader: the bytes as a cache file.
    case embeddingCache = "embedding-cache"
    /// The classifier cache reader: the bytes as a cache file.
    case classifierCache = "classifier-cache"

    /// Runs one input.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .tokenizer: Self.tokenize(bytes)
        case .safetensors: Self.readSafeTensors(bytes)
        case .config: _ = try? EncoderConfig.decode(Data(bytes), file: "config.json")
        case .modelFolder: Self.loadModelFolder(bytes)
        case .intents: Self.loadIntents(bytes)
        case .splitter: Self.split(bytes)
        case .input: InputFuzzing.decode(bytes)
        case .embeddingCache: Self.readEmbeddingCache(bytes)
        case .classifierCache: Self.readClassifierCache(bytes)
        }
    }

    /// A small vocabulary with every kind of token the tokenizer handles: specials, words,
    /// continuation pieces, punctuation, accented and CJK characters.
    static let vocabulary: Vocabulary = {
        var tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        tokens += [".", ",", "!", "?", "'", "\"", "(", ")", "-", "/", ":", ";", "@", "#", "$", "%", "&", "*"]
        tokens += ["the", "a", "is", "i", "love", "hate", "this", "movie", "un", "##able", "##ing", "##s", "##ed", "##ly"]
        tokens += ["cafe", "naive", "中", "文", "日", "本", "é", "##é", "😀"]
        for letter in "abcdefghijklmnopqrstuvwxyz0123456789" { tokens += [String(letter), "##\(letter)"] }
        return try! Vocabulary(tokens: tokens, source: "fuzz vocabulary")
    }()

    static func tokenize(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let maxLength = bytes.first.map { Int($0) % 40 } ?? 8
        let tokenizer = BertTokenizer(vocabulary: vocabulary, maxLength: 128, maxPositions: 512)
        let encoding = tokenizer.encode(text, maxLength: maxLength)
        precondition(encoding.ids.count == encoding.tokens.count && encoding.ids.count <= max(maxLength, 2))
        _ = tokenizer.tokenize(text)
        _ = tokenizer.encodeBatch([text, "", text], maxLength: maxLength)
    }

    static func readSafeTensors(_ bytes: [UInt8]) {
        let path = scratchFile("model.safetensors")
        guard write(bytes, to: path) else { return }
        guard let file = try? SafeTensorsFile(path: path) else { return }
        for name in file.names {
            guard let info = file.info(name) else { continue }
            _ = try? file.floatTensor(name: name, expectedShape: info.shape)
            _ = try? file.int8(name)
        }
    }

    static func loadModelFolder(_ bytes: [UInt8]) {
        let parts = split(bytes, at: Array("\n====\n".utf8), limit: 3)
        guard parts.count == 3 else { return }
        let folder = scratchFile("model")
        mkdir(folder, 0o755)
        for (name, part) in zip(["config.json", "vocab.txt", "model.safetensors"], parts) {
            guard write(part, to: folder + "/" + name) else { return }
        }
        // A short window keeps a valid tiny model's workspace tiny; the checks run before any of it.
        guard let model = try? EncoderModel.load(from: URL(fileURLWithPath: folder), maxLength: 8, threads: 1) else { return }
        _ = model.embed(["a tiny test", ""])
    }

    static func loadIntents(_ bytes: [UInt8]) {
        guard let text = String(bytes: bytes, encoding: .utf8) else { return }
        _ = try? IntentLoader.parse(text, file: "fuzz.yaml")
    }

    static func split(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = SentenceSplitter().split(text)
    }

    static func readEmbeddingCache(_ bytes: [UInt8]) {
        let dimensions = bytes.count > 8 ? Int(bytes[8] % 8) : 4
        _ = CacheReaders.embeddingEntries(in: Data(bytes), dimensions: dimensions)
    }

    static func readClassifierCache(_ bytes: [UInt8]) {
        // The key is read from the file itself so that the fuzzer can reach past the key check,
        // and its low byte picks the shape (dimensions, classes) the file must have.
        let key = bytes.count >= 16 ? bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : 0
        let shape = Int(key & 0xff)
        _ = CacheReaders.classifierValues(in: Data(bytes), key: key, dimensions: shape % 8, classes: shape / 8 % 8)
    }

    // MARK: helpers

    /// A path in this process's scratch folder, reused by every input.
    static func scratchFile(_ name: String) -> String {
        let folder = NSTemporaryDirectory() + "squeezechat-fuzz-\(getpid())"
        mkdir(folder, 0o755)
        return folder + "/" + name
    }

    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    static func split(_ bytes: [UInt8], at separator: [UInt8], limit: Int) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0, index = 0
        while index + separator.count <= bytes.count, parts.count < limit - 1 {
            if bytes[index..<(index + separator.count)].elementsEqual(separator) {
                parts.append(Array(bytes[start..<index]))
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }
}

/// Feeds bytes through the terminal's real key decoding (ncurses with the app's settings and
/// bracketed-paste keys, over a pipe) and applies the events to a line editor the way the chat does.
enum InputFuzzing {
    nonisolated(unsafe) static var writeEnd: Int32 = -1
    nonisolated(unsafe) static var readEnd: Int32 = -1
    static let lock = NSLock()

    static func decode(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        if writeEnd < 0 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { return }
            // Non-blocking both ends: ncurses reads the rest of a mouse report without a timeout,
            // which on a terminal waits for the next key but here would wait forever.
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            guard tui_open_input_stream(fds[0]) == 0 else { return }
            (readEnd, writeEnd) = (fds[0], fds[1])
        }
        // A pipe holds 64 KiB; larger inputs would block the writer.
        let input = bytes.prefix(8192)
        _ = input.withUnsafeBytes { Glibc.write(writeEnd, $0.baseAddress, $0.count) }
        var editor = LineEditor()
        var pasting: String?
        var value: UInt32 = 0
        while true {
            let kind = tui_read(0, &value)
            if kind == Int32(TUI_EVENT_NONE.rawValue) { break }
            switch UInt32(kind) {
            case TUI_EVENT_PASTE_BEGIN.rawValue: pasting = ""
            case TUI_EVENT_PASTE_END.rawValue:
                if let text = pasting { editor.insert(text) }
                pasting = nil
            case TUI_EVENT_CHAR.rawValue:
                guard let scalar = Unicode.Scalar(value) else { continue }
                if pasting != nil { pasting!.append(Character(scalar)); continue }
                switch value {
                case 1: editor.moveHome()
                case 2: editor.moveLeft()
                case 5: editor.moveEnd()
                case 6: editor.moveRight()
                case 8, 127: editor.deleteBackward()
                case 11: editor.killToEnd()
                case 20: editor.transpose()
                case 21: editor.killToStart()
                case 23: editor.killWordBackward()
                case 25: editor.yank()
                case 0..<32: break
                default: editor.insert(String(Character(scalar)))
                }
            case TUI_EVENT_KEY.rawValue:
                switch value {
                case TUI_KEY_LEFT.rawValue: editor.moveLeft()
                case TUI_KEY_RIGHT.rawValue: editor.moveRight()
                case TUI_KEY_DELETE.rawValue: editor.deleteForward()
                case TUI_KEY_BACKSPACE.rawValue: editor.deleteBackward()
                default: break
                }
            default: break
            }
        }
        for columns in [1, 10, 80] { _ = editor.viewport(columns: columns) }
        // Whatever is left undecoded is dropped, so the next input starts from an empty pipe.
        var sink = [UInt8](repeating: 0, count: 4096)
        while Glibc.read(readEnd, &sink, sink.count) > 0 {}
    }
}
