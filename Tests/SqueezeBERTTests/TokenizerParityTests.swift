// At-scale parity with Hugging Face on real data, run by tools/check_tokenizer_parity.py.
// It needs a data file and a vocabulary that are not in the repository, so it runs only when
// SQUEEZECHAT_PARITY_DATA (JSON lines of {"text", "ids"}) and SQUEEZECHAT_PARITY_VOCAB (vocab.txt)
// are set, and otherwise shows as skipped. It also times the tokenizer (use a release build).
import Foundation
import SqueezeBERT
import Testing

/// CPU time of the calling thread, in seconds: steadier than wall time on a shared machine.
private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

private let parityData = ProcessInfo.processInfo.environment["SQUEEZECHAT_PARITY_DATA"]
private let parityVocab = ProcessInfo.processInfo.environment["SQUEEZECHAT_PARITY_VOCAB"]

/// One line of the parity file.
private struct ParityRow: Decodable {
    let source: String?
    let text: String
    let ids: [Int32]
    let offsets: [[Int]]?
}

@Suite("TokenizerParity")
struct TokenizerParityTests {
    @Test(
        "every row of the parity file gets Hugging Face's ids",
        .enabled(if: parityData != nil && parityVocab != nil,
                 "set SQUEEZECHAT_PARITY_DATA and SQUEEZECHAT_PARITY_VOCAB (see tools/check_tokenizer_parity.py)"))
    func parityWithHuggingFace() throws {
        let clock = ContinuousClock()
        var loaded: Vocabulary?
        let loadTime = try clock.measure { loaded = try Vocabulary(contentsOf: URL(fileURLWithPath: parityVocab!)) }
        let vocabulary = loaded!
        let tokenizer = BertTokenizer(vocabulary: vocabulary, maxLength: .max, maxPositions: .max)
        let firstUnicodeTime = clock.measure { _ = tokenizer.encode("Café") }
        print("tokenizer setup: vocabulary of \(vocabulary.count) loaded in \(loadTime), first non-ASCII text (builds the shared table) \(firstUnicodeTime)")
        let decoder = JSONDecoder()
        let rows = try String(contentsOfFile: parityData!, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true)
            .map { try decoder.decode(ParityRow.self, from: Data($0.utf8)) }
        let texts = rows.map(\.text)
        let tokenCount = rows.reduce(0) { $0 + $1.ids.count }

        var encodings: [Encoding] = []
        encodings.reserveCapacity(rows.count)
        let encodeCPUStart = threadCPUSeconds()
        let encodeTime = clock.measure {
            for text in texts { encodings.append(tokenizer.encode(text)) }
        }
        let encodeCPU = threadCPUSeconds() - encodeCPUStart
        var mismatches: [String: Int] = [:]
        var reported = 0
        var offsetRows = 0
        for (index, (row, encoding)) in zip(rows, encodings).enumerated() {
            if let offsets = row.offsets, encoding.ids == row.ids {
                offsetRows += 1
                if encoding.offsets != offsets.map({ $0[0]..<$0[1] }) {
                    mismatches["\(row.source ?? "?") offsets", default: 0] += 1
                    if reported < 20 {
                        reported += 1
                        Issue.record("row \(index) \(row.text.debugDescription): offsets differ: got \(encoding.offsets), expected \(offsets)")
                    }
                }
            }
            guard encoding.ids != row.ids else { continue }
            mismatches[row.source ?? "?", default: 0] += 1
            if reported < 20 {
                reported += 1
                let at = zip(encoding.ids, row.ids).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(encoding.ids.count, row.ids.count)
                Issue.record("row \(index) \(row.text.debugDescription): ids differ at \(at): got \(encoding.ids[max(0, at - 2)..<min(encoding.count, at + 3)]) \(encoding.tokens[max(0, at - 2)..<min(encoding.count, at + 3)]), expected \(row.ids[max(0, at - 2)..<min(row.ids.count, at + 3)])")
            }
        }
        let batchCPUStart = threadCPUSeconds()
        let batchTime = clock.measure {
            var start = 0
            while start < texts.count {
                let end = min(start + 64, texts.count)
                _ = tokenizer.encodeBatch(Array(texts[start..<end]), maxLength: 128)
                start = end
            }
        }
        let batchCPU = threadCPUSeconds() - batchCPUStart
        let matched = rows.count - mismatches.values.reduce(0, +)
        let seconds = Double(encodeTime.components.attoseconds) / 1e18 + Double(encodeTime.components.seconds)
        let batchSeconds = Double(batchTime.components.attoseconds) / 1e18 + Double(batchTime.components.seconds)
        let rate = String(format: "%.3f", 100 * Double(matched) / Double(max(rows.count, 1)))
        print("tokenizer parity: \(matched)/\(rows.count) rows match exactly (\(rate)%; offsets compared on \(offsetRows)), mismatches by source: \(mismatches)")
        print("tokenizer speed (wall): encode \(Int(Double(rows.count) / seconds)) rows/s, \(Int(Double(tokenCount) / seconds)) tokens/s; encodeBatch(64, maxLength 128) \(Int(Double(rows.count) / batchSeconds)) rows/s")
        print("tokenizer speed (thread CPU): encode \(Int(Double(rows.count) / encodeCPU)) rows/s, \(Int(Double(tokenCount) / encodeCPU)) tokens/s; encodeBatch(64, maxLength 128) \(Int(Double(rows.count) / batchCPU)) rows/s")
        #expect(matched == rows.count)
    }
}
