import Testing
@testable import SqueezeBERT

@Test func errorDescriptionNamesFileAndProblem() {
    let error = ModelLoadError(.missingFile, file: "/m/vocab.txt", "file not found")
    #expect(error.description == "/m/vocab.txt: file not found")
}
