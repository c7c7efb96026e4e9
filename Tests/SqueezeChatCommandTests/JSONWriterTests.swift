import Testing
@testable import squeezechat

/// The JSON writer itself: key order, snake-case names, data keys as they are, null and numbers.
struct JSONWriterTests {
    struct Sample: Encodable {
        let zeta: Int
        let alphaBeta: String
        let macroF1: Double
        let missing: Int?
        let required: OrNull<Int>
        let shares: LabelledValues<Float>
        let fixed: FixedDigits
        let notANumber: FixedDigits
        let nested: [[Int]]
    }

    @Test("keys in declaration order and snake case; labels, optionals, fixed digits and NaN as documented")
    func sample() {
        let sample = Sample(zeta: 1, alphaBeta: "a\"b\\c\n\u{1F}é", macroF1: 1, missing: nil, required: OrNull(nil),
                            shares: LabelledValues(["NEG", "posItive"], [0.25, 1e-05]), fixed: FixedDigits(2, 3),
                            notANumber: FixedDigits(.nan, 2), nested: [[1, 2], []])
        #expect(JSONOutput.line(sample) == #"{"zeta":1,"alpha_beta":"a\"b\\c\n\u001fé","macro_f1":1.0,"required":null,"#
                + #""shares":{"NEG":0.25,"posItive":1e-05},"fixed":2.000,"not_a_number":null,"nested":[[1,2],[]]}"#)
    }
}
