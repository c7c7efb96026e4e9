// The tokenizer against its reference: every fixture case from tools/make_tokenizer_fixtures.py
// (Hugging Face BertTokenizer ids and tokens, BertTokenizerFast offsets) must match exactly, plus
// the behaviour the fixtures do not pin down: vocabulary errors, truncation, batch padding.
import Foundation
import Testing
@testable import SqueezeBERT

/// One fixture case, as the generator writes it.
private struct TokenizerCase: Decodable {
    let text: String
    let ids: [Int32]
    let tokens: [String]
    let fastAgrees: Bool
    let idsMax128: [Int32]?
    let offsets: [[Int]]?

    enum CodingKeys: String, CodingKey {
        case text, ids, tokens, offsets
        case fastAgrees = "fast_agrees"
        case idsMax128 = "ids_max128"
    }
}

private struct TokenizerFixture: Decodable {
    let cases: [TokenizerCase]
}

private let fixtureFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizer")

private func fixtureVocabulary() throws -> Vocabulary {
    try Vocabulary(contentsOf: fixtureFolder.appendingPathComponent("vocab.txt"))
}

private func fixtureCases() throws -> [TokenizerCase] {
    let data = try Data(contentsOf: fixtureFolder.appendingPathComponent("cases.json"))
    return try JSONDecoder().decode(TokenizerFixture.self, from: data).cases
}

/// The first index where two sequences differ (or where the shorter ends), nil if equal.
private func firstDifference<T>(_ a: [T], _ b: [T], by equal: (T, T) -> Bool) -> Int? {
    for index in 0..<min(a.count, b.count) where !equal(a[index], b[index]) { return index }
    return a.count == b.count ? nil : min(a.count, b.count)
}

private func describe<T>(_ values: [T], around index: Int) -> String {
    let window = values[max(0, index - 2)..<min(values.count, index + 3)]
    return "\(window) (of \(values.count))"
}

/// A temporary file holding `bytes`, removed by the caller.
private func temporaryFile(_ bytes: [UInt8]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString).txt")
    try Data(bytes).write(to: url)
    return url
}

private func temporaryVocabulary(_ text: String) throws -> Vocabulary {
    let url = try temporaryFile(Array(text.utf8))
    defer { try? FileManager.default.removeItem(at: url) }
    return try Vocabulary(contentsOf: url)
}

@Suite("Tokenizer fixtures")
struct TokenizerFixtureTests {
    @Test("ids, tokens and offsets equal Hugging Face's for every fixture case")
    func fixtureCasesMatch() throws {
        let vocabulary = try fixtureVocabulary()
        let untruncated = BertTokenizer(vocabulary: vocabulary, maxLength: .max, maxPositions: .max)
        let standard = BertTokenizer(vocabulary: vocabulary, maxLength: 128, maxPositions: 512)
        let cases = try fixtureCases()
        #expect(cases.count >= 300)
        var failures = 0
        for (index, testCase) in cases.enumerated() where failures < 25 {
            let label = "case \(index) \(testCase.text.debugDescription.prefix(160))"
            let encoding = untruncated.encode(testCase.text)
            if let at = firstDifference(encoding.ids, testCase.ids, by: ==) {
                failures += 1
                Issue.record("\(label): ids differ at \(at): got \(describe(encoding.ids, around: at)), expected \(describe(testCase.ids, around: at)); tokens got \(describe(encoding.tokens, around: at)) expected \(describe(testCase.tokens, around: at))")
                continue
            }
            if let at = firstDifference(encoding.tokens, testCase.tokens, by: { Array($0.unicodeScalars) == Array($1.unicodeScalars) }) {
                failures += 1
                Issue.record("\(label): tokens differ at \(at): got \(describe(encoding.tokens, around: at)), expected \(describe(testCase.tokens, around: at))")
                continue
            }
            if let expected = testCase.offsets {
                let expectedRanges = expected.map { $0[0]..<$0[1] }
                if let at = firstDifference(encoding.offsets, expectedRanges, by: ==) {
                    failures += 1
                    Issue.record("\(label): offsets differ at \(at) (\(encoding.tokens[min(at, encoding.count - 1)])): got \(describe(encoding.offsets, around: at)), expected \(describe(expectedRanges, around: at))")
                    continue
                }
            }
            let truncated = standard.encode(testCase.text)
            let expectedTruncated = testCase.idsMax128 ?? testCase.ids
            if let at = firstDifference(truncated.ids, expectedTruncated, by: ==) {
                failures += 1
                Issue.record("\(label): ids at max length 128 differ at \(at): got \(describe(truncated.ids, around: at)), expected \(describe(expectedTruncated, around: at))")
            }
            if untruncated.tokenize(testCase.text) != Array(testCase.tokens.dropFirst().dropLast()) {
                failures += 1
                Issue.record("\(label): tokenize() differs from the framed tokens")
            }
        }
        #expect(failures == 0)
    }

    @Test("concurrent callers share the Unicode caches safely and get the same results")
    func concurrentEncoding() async throws {
        let tokenizer = BertTokenizer(vocabulary: try fixtureVocabulary(), maxLength: 512)
        let texts = try fixtureCases().map(\.text)
        let results = await withTaskGroup(of: (Int, Encoding).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, tokenizer.encode(text)) }
            }
            var results = [Encoding?](repeating: nil, count: texts.count)
            for await (index, encoding) in group { results[index] = encoding }
            return results
        }
        let expected = texts.map { tokenizer.encode($0) }
        #expect(results.map { $0?.ids } == expected.map(\.ids))
        #expect(results.map { $0?.offsets } == expected.map(\.offsets))
    }

    @Test("offsets are recorded for most cases, so the comparison means something")
    func fixtureCoverage() throws {
        let cases = try fixtureCases()
        #expect(cases.filter(\.fastAgrees).count >= cases.count * 9 / 10)
        #expect(cases.contains { $0.ids.count > 512 })
    }
}

@Suite("Vocabulary loading")
struct VocabularyLoadingTests {
    @Test func missingFileIsReported() {
        let path = "/nonexistent/folder/vocab.txt"
        #expect(throws: ModelLoadError(.missingFile, file: path, "file not found")) {
            try Vocabulary(contentsOf: URL(fileURLWithPath: path))
        }
    }

    @Test func folderIsNotAVocabulary() {
        let path = FileManager.default.temporaryDirectory.path
        #expect(throws: ModelLoadError.self) { try Vocabulary(contentsOf: URL(fileURLWithPath: path)) }
    }

    @Test func emptyFileIsMalformed() throws {
        let url = try temporaryFile([])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError(.malformedFile, file: url.path, "the vocabulary is empty")) {
            try Vocabulary(contentsOf: url)
        }
    }

    @Test func missingSpecialTokensAreNamed() throws {
        let url = try temporaryFile(Array("[PAD]\n[CLS]\nhello\n".utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError(.malformedFile, file: url.path, "the vocabulary lacks [UNK], [SEP]")) {
            try Vocabulary(contentsOf: url)
        }
    }

    @Test func invalidUTF8IsMalformed() throws {
        let url = try temporaryFile(Array("[PAD]\n[UNK]\n".utf8) + [0xFF, 0x0A])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError(.malformedFile, file: url.path, "line 3 is not valid UTF-8")) {
            try Vocabulary(contentsOf: url)
        }
    }

    @Test("lines end at \\n, \\r\\n or \\r; a final break adds no token; blank lines are tokens")
    func lineEndingsFollowPythonTextMode() throws {
        let vocabulary = try temporaryVocabulary("[PAD]\r\n[UNK]\r[CLS]\n\n[SEP]\r\nhello\r\n")
        #expect(vocabulary.tokens == ["[PAD]", "[UNK]", "[CLS]", "", "[SEP]", "hello"])
        #expect(vocabulary.id(for: "hello") == 5)
        let unterminated = try temporaryVocabulary("[PAD]\n[UNK]\n[CLS]\n[SEP]")
        #expect(unterminated.count == 4)
        #expect(unterminated.separatorID == 3)
    }

    @Test("a token listed twice takes the later line's id, as in Hugging Face's load_vocab")
    func duplicatesKeepTheLaterId() throws {
        let vocabulary = try temporaryVocabulary("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhi\nthere\nhi\n")
        #expect(vocabulary.id(for: "hi") == 6)
        #expect(vocabulary.token(for: 4) == "hi")
        #expect(vocabulary.maskID == nil)
        #expect(BertTokenizer(vocabulary: vocabulary).encode("hi there").ids == [2, 6, 5, 3])
    }

    @Test("lookups compare bytes, not canonical equivalence")
    func lookupsAreByteExact() throws {
        let vocabulary = try temporaryVocabulary("[PAD]\n[UNK]\n[CLS]\n[SEP]\n\u{E9}\ne\u{301}\n")
        #expect(vocabulary.id(for: "\u{E9}") == 4)
        #expect(vocabulary.id(for: "e\u{301}") == 5)
        #expect(vocabulary.token(for: 6) == nil)
    }
}

@Suite("Truncation and batches")
struct TokenizerShapeTests {
    private func tokenizer(maxLength: Int = 128, maxPositions: Int = 512) throws -> BertTokenizer {
        BertTokenizer(vocabulary: try fixtureVocabulary(), maxLength: maxLength, maxPositions: maxPositions)
    }

    private let longText = String(repeating: "hello world, ", count: 400)

    @Test func defaultLengthIs128() throws {
        let encoding = try tokenizer().encode(longText)
        #expect(encoding.count == 128)
        #expect(encoding.tokens.first == "[CLS]")
        #expect(encoding.tokens.last == "[SEP]")
        #expect(encoding.offsets.last == 0..<0)
    }

    @Test("no sequence is longer than the model's positions, whatever is asked")
    func clampedToMaxPositions() throws {
        let clamped = try tokenizer(maxLength: 4096, maxPositions: 512)
        #expect(clamped.maxLength == 512)
        #expect(clamped.encode(longText).count == 512)
        #expect(clamped.encode(longText, maxLength: 100_000).count == 512)
        #expect(clamped.encodeBatch([longText, "hi"], maxLength: 9999).sequenceLength == 512)
        let small = try tokenizer(maxLength: 128, maxPositions: 64)
        #expect(small.encode(longText).count == 64)
    }

    @Test("a length below 2 still frames the sequence")
    func tinyLengthKeepsSpecials() throws {
        let encoding = try tokenizer().encode("hello world", maxLength: 0)
        #expect(encoding.tokens == ["[CLS]", "[SEP]"])
        #expect(try tokenizer().encode("hello world", maxLength: 3).tokens == ["[CLS]", "hello", "[SEP]"])
    }

    @Test func emptyTextIsJustTheSpecials() throws {
        let encoding = try tokenizer().encode("")
        #expect(encoding.tokens == ["[CLS]", "[SEP]"])
        #expect(encoding.offsets == [0..<0, 0..<0])
        #expect(try tokenizer().tokenize("  \t ") == [])
    }

    @Test("batches pad to the longest row with [PAD], mask the padding, keep lengths")
    func batchPadding() throws {
        let tokenizer = try tokenizer()
        let texts = ["hello world", "", "the movie was great , wasn't it ?"]
        let batch = tokenizer.encodeBatch(texts)
        let rows = texts.map { tokenizer.encode($0).ids }
        #expect(batch.batchSize == 3)
        #expect(batch.sequenceLength == rows.map(\.count).max())
        #expect(batch.lengths == rows.map(\.count))
        #expect(batch.ids.count == 3 * batch.sequenceLength)
        #expect(batch.tokenTypeIds == [Int32](repeating: 0, count: batch.ids.count))
        for (row, ids) in rows.enumerated() {
            let start = row * batch.sequenceLength
            #expect(Array(batch.ids(ofRow: row)) == ids)
            #expect(batch.ids[start + ids.count..<start + batch.sequenceLength].allSatisfy {
                $0 == tokenizer.vocabulary.paddingID
            })
            #expect(Array(batch.attentionMask[start..<start + batch.sequenceLength])
                == [Int32](repeating: 1, count: ids.count)
                + [Int32](repeating: 0, count: batch.sequenceLength - ids.count))
        }
    }

    @Test func emptyBatch() throws {
        let batch = try tokenizer().encodeBatch([])
        #expect(batch.batchSize == 0)
        #expect(batch.sequenceLength == 0)
        #expect(batch.ids.isEmpty && batch.attentionMask.isEmpty && batch.lengths.isEmpty)
    }

    @Test func batchRowsAreTruncatedLikeEncode() throws {
        let tokenizer = try tokenizer()
        let batch = tokenizer.encodeBatch([longText, "hi"], maxLength: 16)
        #expect(batch.sequenceLength == 16)
        #expect(batch.lengths == [16, 3])
        #expect(Array(batch.ids(ofRow: 0)) == tokenizer.encode(longText, maxLength: 16).ids)
    }
}
