import Foundation
import SqueezeBERT
import Testing

/// `squeezechat bench --compare` end to end on the tiny fixture models: the structure of what it
/// reports (parameters, FLOPs, both columns, accuracy), never the timings.
struct BenchCompareTests {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SqueezeBERTTests/Fixtures/models")
    static let grouped = models.appendingPathComponent("tiny-squeezebert-classifier")
    static let binary = CommandTests.fixtures.appendingPathComponent("binary.tsv")

    /// The parameter counts PyTorch reported when the fixtures were made.
    static func fixtureParameters(_ name: String) throws -> Int {
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: models.appendingPathComponent("cases.json")))
        return try #require(((cases as? [String: Any])?[name] as? [String: Any])?["parameters"] as? Int)
    }

    /// Writes the dense twin of a grouped SqueezeBERT folder: every group count 1, each grouped
    /// Conv1d weight (N, K/G, 1) widened to (N, K, 1) with zeros outside its diagonal block. The
    /// twin computes the same function with G times the projection weights.
    static func denseTwin(of folder: URL) throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dense-twin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var config = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        let hidden = try #require(config["hidden_size"] as? Int), intermediate = try #require(config["intermediate_size"] as? Int)
        for key in ["q_groups", "k_groups", "v_groups", "post_attention_groups", "intermediate_groups", "output_groups"] {
            config[key] = 1
        }
        try JSONSerialization.data(withJSONObject: config).write(to: out.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: folder.appendingPathComponent("vocab.txt"),
                                         to: out.appendingPathComponent("vocab.txt"))
        let weights = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        var writer = SafeTensorsWriter()
        for name in weights.names {
            let shape = try #require(weights.info(name)).shape
            var values = try weights.floats(name)
            var newShape = shape
            if shape.count == 3 {  // a layer's Conv1d weight (N, K/G, 1)
                let N = shape[0], width = shape[1]
                let K = name.hasSuffix("output.conv1d.weight") ? intermediate : hidden
                let G = K / width, blockRows = N / G
                var dense = [Float](repeating: 0, count: N * K)
                for n in 0..<N {
                    let g = n / blockRows
                    for j in 0..<width { dense[n * K + g * width + j] = values[n * width + j] }
                }
                (values, newShape) = (dense, [N, K, 1])
            }
            try writer.add(name, shape: newShape, .f32(values))
        }
        try writer.write(to: out.appendingPathComponent("model.safetensors").path)
        return out
    }

    func squeezechat(_ arguments: [String]) throws -> CommandTests.Run {
        try CommandTests().squeezechat(arguments)
    }

    func object(_ run: CommandTests.Run) throws -> [String: Any] {
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test("grouped vs its dense twin: parameters as the configs imply, projection FLOP ratio 3.2, attention, equal accuracy")
    func groupedVersusDenseTwin() throws {
        let dense = try Self.denseTwin(of: Self.grouped)
        defer { try? FileManager.default.removeItem(at: dense) }
        let json = try object(squeezechat([
            "bench", "--compare", Self.grouped.path, dense.path, "--seq", "8,16", "--min-time", "0.01",
            "--eval", Self.binary.path, "--json",
        ]))
        let a = try #require(json["a"] as? [String: Any]), b = try #require(json["b"] as? [String: Any])
        #expect(a["folder"] as? String == Self.grouped.path && b["folder"] as? String == dense.path)
        #expect(a["architecture"] as? String == "squeezebert")
        #expect((a["groups"] as? [String: Int])?["q"] == 4 && (b["groups"] as? [String: Int])?["q"] == 1)

        // Tiny shape: V 236, P 40, 2 token types, C 64, I 256, 2 layers, 3 labels, pooler.
        let (C, I, L) = (64, 256, 2)
        let embeddings = (236 + 40 + 2) * C + 2 * C
        let norms = 4 * C, biases = 5 * C + I, pooler = C * C + C, classifier = (C + 1) * 3
        let groupedWeights = 3 * C * C / 4 + C * C + C * I / 4 + I * C / 4
        let denseWeights = 4 * C * C + 2 * C * I
        let pa = try #require(a["parameters"] as? [String: Int]), pb = try #require(b["parameters"] as? [String: Int])
        #expect(pa["total"] == embeddings + L * (groupedWeights + biases + norms) + pooler + classifier)
        #expect(pa["total"] == (try Self.fixtureParameters("tiny-squeezebert-classifier")))
        #expect(pb["total"] == embeddings + L * (denseWeights + biases + norms) + pooler + classifier)
        #expect(pa["embeddings"] == embeddings && pa["pooler"] == pooler && pa["classifier"] == classifier)
        let bytes = try FileManager.default.attributesOfItem(
            atPath: Self.grouped.appendingPathComponent("model.safetensors").path)[.size] as? Int
        #expect(a["file_bytes"] as? Int == bytes)

        // Projections: 2 * K * N / G per token; B/A = dense / grouped = 49,152 / 15,360 = 3.2.
        #expect(a["projection_flops_per_token"] as? Int == 2 * L * groupedWeights)
        #expect(b["projection_flops_per_token"] as? Int == 2 * L * denseWeights)
        #expect((json["ratios"] as? [String: Double])?["projection_flops"] == 3.2)
        let cases = try #require(json["cases"] as? [[String: Any]])
        #expect(cases.map { $0["seq"] as? Int } == [8, 16])
        for row in cases {
            let T = try #require(row["seq"] as? Int)
            // Attention: 4 * T * C per layer (Q K^T and probabilities x V), the same for both.
            #expect(row["a_flops_per_token"] as? Int == 2 * L * groupedWeights + 4 * L * T * C)
            #expect(row["b_flops_per_token"] as? Int == 2 * L * denseWeights + 4 * L * T * C)
            #expect(row["threads"] as? Int == 1)
            let pA = try #require(row["a_p50_ms"] as? Double), pB = try #require(row["b_p50_ms"] as? Double)
            #expect(pA > 0 && pB > 0)
            // p50s have 6 decimals (ms), the ratio 4: they agree to within that rounding.
            #expect(abs(try #require(row["latency_ratio"] as? Double) - pB / pA) < 2e-3 * max(1, pB / pA))
        }

        // Same function, so the same decisions; and the same accuracy `eval sentiment` reports.
        let evalInfo = try #require(json["eval"] as? [String: Any])
        #expect(evalInfo["n"] as? Int == 4 && evalInfo["decision"] as? String == "positive-vs-negative")
        let single = try object(squeezechat(["eval", "sentiment", "--model", Self.grouped.path,
                                             "--data", Self.binary.path, "--json"]))
        #expect(a["accuracy"] as? Double == single["accuracy"] as? Double)
        #expect(b["accuracy"] as? Double == a["accuracy"] as? Double)
    }

    @Test("the table has both model columns, B/A ratios and the FLOP counting note; BERT counts match PyTorch's")
    func table() throws {
        let bert = Self.models.appendingPathComponent("tiny-bert")
        let run = try squeezechat(["bench", "--compare", bert.path, Self.models.appendingPathComponent("tiny-squeezebert").path,
                                   "--seq", "8", "--min-time", "0.01"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ") == ["A", "B", "B/A"])
        let folder = try #require(lines.first { $0.hasPrefix("folder") })
        #expect(folder.contains("tiny-bert") && folder.contains("tiny-squeezebert"))
        let parameters = try #require(lines.first { $0.hasPrefix("parameters") })
        let expectedBert = try Self.fixtureParameters("tiny-bert"), expectedGrouped = try Self.fixtureParameters("tiny-squeezebert")
        #expect(parameters.contains(BenchCompareTests.grouped(expectedBert))
                && parameters.contains(BenchCompareTests.grouped(expectedGrouped)))
        #expect(lines.contains { $0.hasPrefix("p50 ms, 1 x 8, 1 thread") })
        #expect(run.stdout.contains("FLOPs per token: 2*K*N/G"))
    }

    @Test("a forked model: its branch is a row of the table and an object in the JSON, its layers counted")
    func sentimentBranch() throws {
        let plain = Self.models.appendingPathComponent("tiny-squeezebert")
        let forked = Self.models.appendingPathComponent("tiny-forked-regrouped")
        let run = try squeezechat(["bench", "--compare", plain.path, forked.path, "--seq", "8", "--min-time", "0.01"])
        #expect(run.status == 0, "\(run.stderr)")
        let row = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("sentiment branch") })
        #expect(row.split(separator: " ", omittingEmptySubsequences: true).suffix(5)
                == ["none", "from", "1,", "2L", "1/2/4/2/8/1"])
        let parameters = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("parameters") })
        #expect(parameters.contains(Self.grouped(try Self.fixtureParameters("tiny-forked-regrouped"))))

        let json = try object(squeezechat(["bench", "--compare", plain.path, forked.path, "--seq", "8",
                                           "--min-time", "0.01", "--json"]))
        let a = try #require(json["a"] as? [String: Any]), b = try #require(json["b"] as? [String: Any])
        #expect(a["sentiment_branch"] == nil)
        let branch = try #require(b["sentiment_branch"] as? [String: Any])
        #expect(branch["from_layer"] as? Int == 1 && branch["layers"] as? Int == 2)
        #expect((branch["groups"] as? [String: Int])?["intermediate"] == 8)
        let layer = 64 * 64 + 64 * 64 / 2 + 64 * 64 / 4 + 64 * 64 / 2 + 64 * 256 / 8 + 256 * 64 + 5 * 64 + 256 + 4 * 64
        #expect(branch["parameters"] as? Int == 2 * layer)
        #expect((b["parameters"] as? [String: Int])?["total"] == (try Self.fixtureParameters("tiny-forked-regrouped")))
        // The plain table has no such row.
        let both = try squeezechat(["bench", "--compare", plain.path, plain.path, "--seq", "8", "--min-time", "0.01"])
        #expect(!both.stdout.contains("sentiment branch"))
    }

    static func grouped(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
    }

    @Test("bad input: one line naming the folder or file, non-zero exit", arguments: [
        (["/nonexistent/model-b"], "/nonexistent/model-b: model folder not found"),
        (["tiny-bert", "--eval", "/nonexistent/eval.tsv"], "/nonexistent/eval.tsv: no such file"),
    ])
    func badInput(_ second: [String], _ message: String) throws {
        var arguments = ["bench", "--compare", Self.grouped.path]
        arguments += second.first == "tiny-bert"
            ? [Self.models.appendingPathComponent("tiny-bert-classifier").path] + second.dropFirst() : second
        let run = try squeezechat(arguments + ["--seq", "8", "--min-time", "0.01"])
        #expect(run.status == 1)
        #expect(run.stderr == "squeezechat: \(message)\n")
        #expect(run.stdout.isEmpty)
    }

    @Test("the bundled models by short name: dense is G = 1, grouped cuts the feed-forward pair, from any directory")
    func bundledShortNames() throws {
        let json = try object(CommandTests().squeezechat(
            ["bench", "--compare", "dense", "grouped", "--seq", "8", "--min-time", "0.01", "--json"],
            directory: FileManager.default.temporaryDirectory))
        let a = try #require(json["a"] as? [String: Any]), b = try #require(json["b"] as? [String: Any])
        #expect((a["folder"] as? String)?.hasSuffix("/squeezechat-sentiment") == true)
        #expect((b["folder"] as? String)?.hasSuffix("/squeezechat-sentiment-grouped") == true)
        #expect((a["groups"] as? [String: Int])?["intermediate"] == 1 && (b["groups"] as? [String: Int])?["intermediate"] == 4)
        #expect((b["groups"] as? [String: Int])?["q"] == 1 && (b["groups"] as? [String: Int])?["output"] == 4)
    }

    @Test("a model without a sentiment head cannot be scored with --eval; one folder is a usage error")
    func unusable() throws {
        let headless = Self.models.appendingPathComponent("tiny-bert")
        let run = try squeezechat(["bench", "--compare", Self.grouped.path, headless.path, "--eval", Self.binary.path])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("squeezechat: ") && run.stderr.contains(headless.path)
                && run.stderr.split(separator: "\n").count == 1)
        let single = try squeezechat(["bench", "--compare", Self.grouped.path])
        #expect(single.status != 0 && single.stderr.contains("--compare takes two model folders"))
    }
}
