import Testing
import TextAnalysis

/// The splitter on the cases pasted prose throws at it: abbreviations, initials, decimals,
/// quotes, ellipses, "?!" and newlines.
struct SentenceSplitterTests {
    let splitter = SentenceSplitter()

    @Test("Sentences end at . ! ? and the end of the text", arguments: [
        ("I loved it. The ending was weak! Would I go again? Yes", ["I loved it.", "The ending was weak!", "Would I go again?", "Yes"]),
        ("  One sentence only  ", ["One sentence only"]),
        ("", []),
        ("   \n  ", []),
    ])
    func basics(_ text: String, _ expected: [String]) {
        #expect(splitter.split(text) == expected)
    }

    @Test("Abbreviations and initials do not end a sentence", arguments: [
        ("Dr. Smith and Mrs. Jones arrived. They left early.", ["Dr. Smith and Mrs. Jones arrived.", "They left early."]),
        ("Bring fruit, e.g. apples or pears, i.e. something fresh. Thanks.", ["Bring fruit, e.g. apples or pears, i.e. something fresh.", "Thanks."]),
        ("J. R. R. Tolkien wrote it. I read it twice.", ["J. R. R. Tolkien wrote it.", "I read it twice."]),
        ("It is 5 vs. 3 for now. Great.", ["It is 5 vs. 3 for now.", "Great."]),
        ("We sell pens, paper, etc. The shop opens at 9.", ["We sell pens, paper, etc.", "The shop opens at 9."]),
        ("She moved to the U.S. Last year she visited.", ["She moved to the U.S.", "Last year she visited."]),
    ])
    func abbreviations(_ text: String, _ expected: [String]) {
        #expect(splitter.split(text) == expected)
    }

    @Test("Decimals, versions and amounts stay whole")
    func numbers() {
        #expect(splitter.split("Pi is 3.14 and it costs $4.99. Version 2.1.3 is out.")
                == ["Pi is 3.14 and it costs $4.99.", "Version 2.1.3 is out."])
    }

    @Test("Closing quotes and brackets stay with their sentence")
    func quotes() {
        #expect(splitter.split("He said \"Stop.\" Then he left. (It was late.) We waited.")
                == ["He said \"Stop.\"", "Then he left.", "(It was late.)", "We waited."])
        #expect(splitter.split("“Brilliant!” she wrote. I agree.") == ["“Brilliant!” she wrote.", "I agree."])
    }

    @Test("Ellipses and ?! end a sentence only before a new one")
    func runs() {
        #expect(splitter.split("Well... it was fine, I guess. Really?! Yes!!! Wait… What?")
                == ["Well... it was fine, I guess.", "Really?!", "Yes!!!", "Wait…", "What?"])
    }

    @Test("A lower-case word after a period continues the sentence")
    func lowercaseContinuation() {
        #expect(splitter.split("The price was approx. ten dollars. ok then") == ["The price was approx. ten dollars. ok then"])
    }

    @Test("A newline always ends a sentence")
    func newlines() {
        #expect(splitter.split("first review, no period\nsecond review\r\n\nthird. fourth")
                == ["first review, no period", "second review", "third. fourth"])
    }

    @Test("Custom abbreviations")
    func custom() {
        let german = SentenceSplitter(abbreviations: ["bzw", "z.b"])
        #expect(german.split("Äpfel bzw. Birnen. Gut.") == ["Äpfel bzw. Birnen.", "Gut."])
        #expect(german.split("Dr. Who. Fine.") == ["Dr.", "Who.", "Fine."])
    }
}
