import Foundation
import SqueezeBERT
import Testing

/// `squeezechat bench` end to end on a tiny fixture model: the JSON the issue specifies and the
/// `--kernels` choice, never the timings.
struct BenchCommandTests {
    static let model = BenchCompareTests.models.appendingPathComponent("tiny-squeezebert").path

    func bench(_ extra: [String]) throws -> CommandTests.Run {
        try CommandTests().squeezechat(["bench", "--model", Self.model, "--seq", "8", "--batch", "1", "--threads", "1",
                                        "--min-time", "0.01"] + extra)
    }

    @Test("--json: one object with a results row per case, naming the kernels each ran on")
    func jsonRowsNameTheirKernels() throws {
        let available = InstructionSet.allCases.filter(\.isAvailable).map(\.rawValue)
        let run = try bench(["--kernels", available.joined(separator: ","), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["results"] as? [[String: Any]])
        #expect(rows.compactMap { $0["kernels"] as? String } == available)
        for row in rows {
            for key in ["batch", "seq", "threads", "precision", "p50_ms", "p95_ms", "p99_ms", "seq_per_s"] {
                #expect(row[key] != nil, "missing \(key)")
            }
        }
        #expect(json["peak_rss_mb"] is Double)
    }

    @Test("without --kernels it runs on the fastest this CPU has")
    func defaultKernelsAreTheFastest() throws {
        let run = try bench(["--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["results"] as? [[String: Any]])
        #expect(rows.first?["kernels"] as? String == InstructionSet.fastest.rawValue)
    }

    @Test("unknown kernels, or kernels this CPU cannot run, are a usage error naming the problem")
    func badKernels() throws {
        let unknown = try bench(["--kernels", "sse9"])
        #expect(unknown.status != 0 && unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("--kernels: unknown kernels 'sse9' (avx2, avx512, avx512-vnni)"))
        let withCompare = try CommandTests().squeezechat(
            ["bench", "--compare", Self.model, Self.model, "--kernels", "avx2", "--seq", "8", "--min-time", "0.01"])
        #expect(withCompare.status != 0 && withCompare.stderr.contains("--compare runs on the fastest kernels; drop --kernels"))
        if !InstructionSet.avx512.isAvailable {
            let missing = try bench(["--kernels", "avx512"])
            #expect(missing.status != 0 && missing.stderr.contains("--kernels: this CPU cannot run avx512"))
        }
    }
}
