import Foundation
import Testing

/// Long runs that CI skips: set SQUEEZECHAT_SOAK=1 to run them. 10,000 turns streamed through
/// `ask` on standard input; memory must stay flat (no growth beyond the caches) and latency must
/// not drift. A million short lines through `tag` on standard input; memory must stay flat. The figures are printed for docs/hardening.md.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SQUEEZECHAT_SOAK"] == "1", "set SQUEEZECHAT_SOAK=1"))
struct SoakTests {
    static let turns = [
        "hello there", "what is the weather like", "tell me a joke", "thanks, that was helpful",
        "I am so tired of this broken phone", "who made you", "what can you do", "goodbye",
        "this is the best day ever!", "do you dream?", "I don't understand", "help",
    ]

    @Test("10,000 turns through ask: flat memory, no latency drift")
    func askTenThousandTurns() throws {
        let count = 10_000
        let scratch = try Scratch()
        let process = Binary.process(["ask", "--json"], environment: scratch.environment)
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let written = DispatchSemaphore(value: 0)
        let writer = Thread {
            for index in 0..<count {
                input.fileHandleForWriting.write(Data("\(Self.turns[index % Self.turns.count]) #\(index)\n".utf8))
            }
            written.signal()
        }
        writer.start()

        var latencies: [Double] = []
        var memory: [Int: Int] = [:]
        var buffer = Data()
        let reader = output.fileHandleForReading
        while latencies.count < count {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                let row = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
                let timings = try #require(row["timings_ms"] as? [String: Double])
                latencies.append(try #require(timings["total"]))
                if latencies.count == 100 { memory[100] = Self.residentKB(process.processIdentifier) }
                // ask's output to a pipe is block-buffered: the last replies come only at the end of
                // input, so the end is measured a few turns early and then the input is closed.
                if latencies.count == count - 50 {
                    memory[count] = Self.residentKB(process.processIdentifier)
                    written.wait()
                    try input.fileHandleForWriting.close()
                }
            }
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(latencies.count == count)

        let start = Array(latencies.prefix(1_000)), end = Array(latencies.suffix(1_000))
        let startKB = memory[100] ?? 0, endKB = memory[count] ?? 0
        print("soak ask: \(count) turns; resident memory after 100 turns \(startKB / 1024) MB, after \(count - 50) \(endKB / 1024) MB; "
              + "first 1,000 turns p50 \(Self.percentile(start, 50)) ms p95 \(Self.percentile(start, 95)) ms p99 \(Self.percentile(start, 99)) ms; "
              + "last 1,000 p50 \(Self.percentile(end, 50)) ms p95 \(Self.percentile(end, 95)) ms p99 \(Self.percentile(end, 99)) ms")
        #expect(startKB > 0 && endKB - startKB < 20 * 1024, "memory grew from \(startKB) KB to \(endKB) KB")
        #expect(Self.percentile(end, 50) < 2 * Self.percentile(start, 50) + 1, "median latency drifted")
    }

    @Test("a million short lines through tag on standard input: streamed, every line tagged, flat memory")
    func tagMillionLines() throws {
        let count = 1_000_000
        let scratch = try Scratch()
        let input = scratch.url("million.txt"), output = scratch.url("tagged.tsv")
        var text = ""
        text.reserveCapacity(count * 20)
        for index in 0..<count { text += "\(Self.turns[index % Self.turns.count]) \(index)\n" }
        try text.write(to: input, atomically: false, encoding: .utf8)

        let clock = ContinuousClock.now
        // `exec` hands the shell's place to the binary, so GNU time measures tag itself.
        let command = "exec \"$0\" tag --by line --format tsv < \"$1\" > \"$2\""
        let run = try Spawned.run(["/bin/sh", "-c", command, Binary.url.path, input.path, output.path])
        let seconds = Double((ContinuousClock.now - clock).components.seconds)
        #expect(run.status == 0, "\(run.stderr)")
        let tagged = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(tagged.count == count + 1, "a header and one row per line")
        #expect(tagged.last?.hasPrefix("\(Self.turns[(count - 1) % Self.turns.count]) \(count - 1)\t") == true)
        print("soak tag: \(count) lines (\(text.utf8.count / 1_000_000) MB) on standard input in \(Int(seconds)) s; "
              + "peak resident memory \(run.peakMemoryKB / 1024) MB")
        #expect(run.peakMemoryKB < 200 * 1024, "peak memory \(run.peakMemoryKB) KB: the input is not streamed")
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let value = sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)]
        return (value * 100).rounded() / 100
    }

    /// VmRSS of a running process, in KB.
    static func residentKB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}
