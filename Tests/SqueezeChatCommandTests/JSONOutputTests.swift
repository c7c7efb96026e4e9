import Foundation
import Testing

/// Every command's JSON output, pinned: field names, their order and each number's format. Values
/// that depend on timing or on the model's last float bits are matched by format only (a
/// template); everything else is compared exactly.
struct JSONOutputTests {
    static let models = BenchCompareTests.models
    static let fixtures = CommandTests.fixtures

    /// Matches `text` against `template`, where these placeholders stand for one JSON value:
    /// ⟨F⟩ a float in Swift's shortest form ("0.97", "1.0", "1e-05"), ⟨I⟩ an integer, ⟨3⟩ (any digit)
    /// a number with exactly that many decimals, ⟨S⟩ a string, ⟨F*⟩ an array of floats.
    static func matches(_ text: String, _ template: String) -> Bool {
        let float = #"-?\d+(?:\.\d+(?:e[-+]?\d+)?|e[-+]?\d+)"#
        let string = #""(?:[^"\\]|\\.)*""#
        var pattern = "^"
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "⟨"), let close = rest[open...].firstIndex(of: "⟩") {
            pattern += NSRegularExpression.escapedPattern(for: String(rest[..<open]))
            let name = rest[rest.index(after: open)..<close]
            switch name {
            case "F": pattern += float
            case "I": pattern += #"-?\d+"#
            case "S": pattern += string
            case "F*": pattern += #"\[(?:\#(float)(?:,\#(float))*)?\]"#
            default: pattern += #"-?\d+\.\d{\#(name)}"#
            }
            rest = rest[rest.index(after: close)...]
        }
        pattern += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
        return text.range(of: pattern, options: .regularExpression) != nil
    }

    func run(_ arguments: [String], input: String? = nil) throws -> [String] {
        let run = try CommandTests().squeezechat(arguments, input: input)
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout.split(separator: "\n").map(String.init)
    }

    func expect(_ lines: [String], _ templates: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(lines.count == templates.count, "\(lines)", sourceLocation: sourceLocation)
        for (line, template) in zip(lines, templates) {
            #expect(Self.matches(line, template), "\(line)\n does not match\n\(template)", sourceLocation: sourceLocation)
        }
    }

    static let timings = #""timings_ms":{"tokenize":⟨3⟩,"encode":⟨3⟩,"classify":⟨3⟩,"memory":⟨3⟩,"retrieve":⟨3⟩,"total":⟨3⟩}"#
    /// The memory a first turn is understood with: nothing open, nothing asked, no slots.
    static let freshContext = #""context":{"open":[],"asked":[],"route":"classifier","slots":{}}"#

    @Test("the template matcher tells formats apart")
    func templates() {
        #expect(Self.matches(#"{"a":1.0,"b":"x\"y","c":[1.5,2e-05]}"#, #"{"a":⟨F⟩,"b":⟨S⟩,"c":⟨F*⟩}"#))
        #expect(!Self.matches(#"{"a":1}"#, #"{"a":⟨F⟩}"#))
        #expect(Self.matches(#"{"t":0.125}"#, #"{"t":⟨3⟩}"#))
        #expect(!Self.matches(#"{"t":0.12}"#, #"{"t":⟨3⟩}"#))
        #expect(!Self.matches(#"{"b":1,"a":2}"#, #"{"a":⟨I⟩,"b":⟨I⟩}"#))
    }

    @Test("ask --json and chat --json: text, reply, intent, confidence, nearest_intent, topic, sentiment, context, timings_ms")
    func askAndChat() throws {
        let sentiment = #""sentiment":{"label":⟨S⟩,"score":⟨F⟩,"probabilities":{"negative":⟨F⟩,"positive":⟨F⟩}}"#
        let ask = try run(["ask", "--json", "hi", "what is the capital of peru", "what's the best way to cook a lasagna"])
        expect(ask, [
            #"{"text":"hi","reply":⟨S⟩,"intent":"greeting","confidence":⟨F⟩,"# + sentiment + "," + Self.freshContext + ","
                + Self.timings + "}",
            #"{"text":"what is the capital of peru","reply":⟨S⟩,"intent":"out_of_scope","confidence":⟨F⟩,"#
                + #""nearest_intent":⟨S⟩,"# + sentiment + ","
                + #""context":{"open":[],"asked":[],"route":"classifier","slots":{}},"# + Self.timings + "}",
            #"{"text":"what's the best way to cook a lasagna","reply":⟨S⟩,"intent":"out_of_scope","confidence":⟨F⟩,"#
                + #""nearest_intent":⟨S⟩,"topic":"cooking","# + sentiment + ","
                + #""context":{"open":[],"asked":[],"route":"classifier","slots":{}},"# + Self.timings + "}",
        ])
        let chat = try run(["chat", "--json"], input: "hello\n")
        expect(chat, [#"{"text":"hello","reply":⟨S⟩,"intent":"greeting","confidence":⟨F⟩,"# + sentiment + "," + Self.freshContext
            + "," + Self.timings + "}"])
    }

    @Test("ask --json on a model without a sentiment head writes sentiment null")
    func askWithoutSentiment() throws {
        let lines = try run(["ask", "--json", "--model", Self.models.appendingPathComponent("tiny-squeezebert").path, "hi"])
        expect(lines, [#"{"text":"hi","reply":⟨S⟩,"intent":⟨S⟩,"confidence":⟨F⟩,"sentiment":null,"# + Self.freshContext + ","
            + Self.timings + "}"])
    }

    @Test("tag --format jsonl: text, label, score, probabilities in label order, then windows and logits when present")
    func tag() throws {
        let reviews = Self.fixtures.appendingPathComponent("reviews.txt").path
        let lines = try run(["tag", "--format", "jsonl", "--logits", reviews])
        let row = { (text: String, label: String) in
            #"{"text":"\#(text)","label":"\#(label)","score":⟨F⟩,"probabilities":{"negative":⟨F⟩,"positive":⟨F⟩},"logits":⟨F*⟩}"#
        }
        expect(lines, [
            row("The soup was superb and the staff were lovely.", "positive"),
            row("I would happily come back every week!", "positive"),
            row("My order arrived broken and the support team was rude and useless.", "negative"),
        ])
        let long = String(repeating: "This is great. ", count: 300)
        let document = try run(["tag", "--by", "document", "--format", "jsonl"], input: long + "\n")
        expect(document, [#"{"text":"\#(long)\n","label":"positive","score":⟨F⟩,"#
                          + #""probabilities":{"negative":⟨F⟩,"positive":⟨F⟩},"windows":13}"#])
    }

    @Test("embed: text and the embedding as shortest floats")
    func embed() throws {
        let lines = try run(["embed", "--model", Self.models.appendingPathComponent("tiny-bert").path, "hi", "a \"quote\""])
        expect(lines, [#"{"text":"hi","embedding":⟨F*⟩}"#, #"{"text":"a \"quote\"","embedding":⟨F*⟩}"#])
    }

    @Test("tokenize --json: exact, with quotes, backslash, tab and control characters escaped and other text as is")
    func tokenize() throws {
        let lines = try run(["tokenize", "--json", "say \"hi\"\t\\ café \u{01}", "Hello, world"])
        #expect(lines == [
            #"{"text":"say \"hi\"\t\\ café \u0001","tokens":["[CLS]","say","\"","hi","\"","\\","cafe","[SEP]"],"#
                + #""ids":[101,2360,1000,7632,1000,1032,7668,102],"offsets":[[0,0],[0,3],[4,5],[5,7],[7,8],[9,10],[11,15],[0,0]]}"#,
            #"{"text":"Hello, world","tokens":["[CLS]","hello",",","world","[SEP]"],"ids":[101,7592,1010,2088,102],"#
                + #""offsets":[[0,0],[0,5],[5,6],[7,12],[0,0]]}"#,
        ])
    }

    @Test("eval sentiment --json: exact on the fixtures")
    func evalSentiment() throws {
        let binary = try run(["eval", "sentiment", "--json", "--data", Self.fixtures.appendingPathComponent("binary.tsv").path])
        #expect(binary == [#"{"n":4,"accuracy":1.0,"macro_f1":1.0,"labels":["negative","positive"],"confusion":[[2,0],[0,2]],"#
                           + #""decision":"positive-vs-negative"}"#])
        let three = try run(["eval", "sentiment", "--json", "--data", Self.fixtures.appendingPathComponent("three-way.tsv").path])
        #expect(three == [#"{"n":7,"accuracy":0.7142857142857143,"macro_f1":0.7000000000000001,"#
                          + #""labels":["negative","neutral","positive"],"confusion":[[2,0,0],[1,1,0],[0,1,2]],"#
                          + #""decision":"three-way"}"#])
    }

    /// Three intents and two out-of-scope rows to learn from, one row of each to test.
    static func intentFiles() throws -> (train: URL, test: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("squeezechat-intents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let train = [("hello there", "greet"), ("hi, good morning", "greet"), ("hey how are you", "greet"),
                     ("goodbye for now", "bye"), ("see you later", "bye"), ("bye bye", "bye"),
                     ("will it rain tomorrow", "weather"), ("what is the forecast", "weather"), ("is it sunny outside", "weather"),
                     ("what is the capital of peru", "oos"), ("how many legs does a spider have", "oos")]
        let test = [("hello friend", "greet"), ("see you soon", "bye"), ("will it snow", "weather"), ("who wrote hamlet", "oos")]
        func write(_ rows: [(String, String)], _ name: String) throws -> URL {
            let url = folder.appendingPathComponent(name)
            try rows.map { #"{"text":"\#($0.0)","intent":"\#($0.1)"}"# }.joined(separator: "\n")
                .write(to: url, atomically: true, encoding: .utf8)
            return url
        }
        return (try write(train, "train.jsonl"), try write(test, "test.jsonl"))
    }

    @Test("eval intents --json: the metrics in their order, oos fields null when nothing is out of scope")
    func evalIntents() throws {
        let files = try Self.intentFiles()
        defer { try? FileManager.default.removeItem(at: files.train.deletingLastPathComponent()) }
        let base = ["eval", "intents", "--json", "--train", files.train.path, "--test", files.test.path]
        expect(try run(base), [
            #"{"n":4,"accuracy":⟨F⟩,"inscope_accuracy":⟨F⟩,"inscope_accuracy_no_threshold":⟨F⟩,"macro_f1":⟨F⟩,"#
                + #""threshold":⟨F⟩,"intents":3,"train_rows":11,"encode_seconds":⟨F⟩,"learn_and_classify_seconds":⟨F⟩,"#
                + #""oos_recall":⟨F⟩,"oos_precision":⟨F⟩}"#,
        ])
        expect(try run(base + ["--oos-label", "none", "--threshold", "0.3"]), [
            #"{"n":4,"accuracy":⟨F⟩,"inscope_accuracy":⟨F⟩,"inscope_accuracy_no_threshold":⟨F⟩,"macro_f1":⟨F⟩,"#
                + #""threshold":0.3,"intents":4,"train_rows":11,"encode_seconds":⟨F⟩,"learn_and_classify_seconds":⟨F⟩,"#
                + #""oos_recall":null,"oos_precision":null}"#,
        ])
    }

    @Test("eval chat --json: the set, the calibration and the weakest intents in their order")
    func evalChat() throws {
        let weakest = #"{"intent":⟨S⟩,"examples":⟨I⟩,"accuracy":⟨F⟩,"confused_with":⟨S⟩}"#
        expect(try run(["eval", "chat", "--json", "--worst", "2"]), [
            #"{"folder":⟨S⟩,"model":⟨S⟩,"intents":⟨I⟩,"examples":⟨I⟩,"out_of_scope_examples":⟨I⟩,"threshold":⟨F⟩,"#
                + #""threshold_from_file":false,"inscope_accuracy":⟨F⟩,"inscope_accuracy_no_threshold":⟨F⟩,"oos_recall":⟨F⟩,"#
                + #""clarify":{"gap":⟨F⟩,"band":⟨F⟩,"wrong_answers":⟨I⟩,"wrong_asked":⟨I⟩,"right_answers":⟨I⟩,"right_delayed":⟨I⟩},"#
                + #""weakest":[\#(weakest),\#(weakest)]}"#,
        ])
    }

    @Test("bench --json: a results row per case with 4, 2 and 1 decimals")
    func bench() throws {
        let model = Self.models.appendingPathComponent("tiny-squeezebert").path
        let row = { (batch: Int) in
            #"{"batch":\#(batch),"seq":8,"threads":1,"precision":"fp32","kernels":⟨S⟩,"p50_ms":⟨4⟩,"p95_ms":⟨4⟩,"p99_ms":⟨4⟩,"#
                + #""seq_per_s":⟨2⟩,"runs":⟨I⟩}"#
        }
        expect(try run(["bench", "--model", model, "--seq", "8", "--batch", "1,2", "--threads", "1", "--min-time", "0.01", "--json"]),
               [#"{"results":[\#(row(1)),\#(row(2))],"load_to_first_embedding_ms":⟨1⟩,"peak_rss_mb":⟨1⟩}"#])
    }

    @Test("bench --compare --json: both models' facts exactly, timings by format")
    func benchCompare() throws {
        let a = Self.models.appendingPathComponent("tiny-squeezebert-classifier").path
        let b = Self.models.appendingPathComponent("tiny-bert-classifier").path
        let binary = Self.fixtures.appendingPathComponent("binary.tsv").path
        let lines = try run(["bench", "--compare", a, b, "--seq", "8,16", "--min-time", "0.01", "--eval", binary, "--json"])
        let sideA = #"{"folder":"\#(a)","architecture":"squeezebert","layers":2,"hidden":64,"heads":4,"intermediate":256,"#
            + #""groups":{"q":4,"k":4,"v":4,"post_attention":1,"intermediate":4,"output":4},"#
            + #""parameters":{"total":54659,"embeddings":17920,"layers":32384,"pooler":4160,"classifier":195},"#
            + #""file_bytes":223268,"precision":"fp32","projection_flops_per_token":61440,"accuracy":0.5,"macro_f1":0.3333333333333333}"#
        let sideB = #"{"folder":"\#(b)","architecture":"bert","layers":2,"hidden":32,"heads":4,"intermediate":64,"#
            + #""groups":{"q":1,"k":1,"v":1,"post_attention":1,"intermediate":1,"output":1},"#
            + #""parameters":{"total":27170,"embeddings":8960,"layers":17088,"pooler":1056,"classifier":66},"#
            + #""file_bytes":113000,"precision":"fp32","projection_flops_per_token":32768,"accuracy":0.5,"macro_f1":0.3333333333333333}"#
        let note = "FLOPs per token: 2*K*N/G for each of the six projections of every layer, plus attention 4*T*C per layer at "
            + "T tokens (Q K^T and probabilities x V); embeddings, LayerNorm, softmax, GELU, biases, pooler and classifier "
            + "(once per sequence) are not counted."
        let cases = #"[{"seq":8,"threads":1,"a_p50_ms":⟨6⟩,"b_p50_ms":⟨6⟩,"latency_ratio":⟨4⟩,"a_runs":⟨I⟩,"b_runs":⟨I⟩,"#
            + #""a_flops_per_token":65536,"b_flops_per_token":34816,"flops_ratio":0.531250},"#
            + #"{"seq":16,"threads":1,"a_p50_ms":⟨6⟩,"b_p50_ms":⟨6⟩,"latency_ratio":⟨4⟩,"a_runs":⟨I⟩,"b_runs":⟨I⟩,"#
            + #""a_flops_per_token":69632,"b_flops_per_token":36864,"flops_ratio":0.529412}]"#
        expect(lines, [
            #"{"a":\#(sideA),"b":\#(sideB),"cases":\#(cases),"#
                + #""ratios":{"parameters":0.497082,"file_bytes":0.506118,"projection_flops":0.533333},"batch":1,"skipped_seq":[],"#
                + #""flops_note":"\#(note)","eval":{"file":"\#(binary)","n":4,"decision":"positive-vs-negative"}}"#,
        ])
    }
}
