import BuiltInIntents
import Foundation
import Testing
@testable import ChatEngine

/// The intent set the app ships with: complete in the bundle, valid, and as rich as promised.
struct BuiltInIntentsTests {
    static let repositoryFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../intents").standardizedFileURL

    @Test func everyFileInTheRepositoryShipsInTheBundle() throws {
        let intentFiles = { (folder: URL) in
            try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }.sorted()
        }
        #expect(try intentFiles(BuiltInIntents.folder) == intentFiles(Self.repositoryFolder),
                "a file in intents/ is missing from builtInIntentFiles in Package.swift")
    }

    @Test func theSetIsValidAndRich() throws {
        let set = try IntentLoader.load(folder: BuiltInIntents.folder)
        #expect(set.intents.count >= 40)
        for intent in set.intents {
            #expect(intent.examples.count >= 12, "\(intent.name) has \(intent.examples.count) examples")
            #expect(intent.responses.count >= 3, "\(intent.name) has \(intent.responses.count) responses")
            #expect(Set(intent.examples).count == intent.examples.count, "\(intent.name) repeats an example")
        }
        #expect(set.outOfScopeExamples.count >= 20 && !set.fallbackResponses.isEmpty)
        let examples = set.intents.flatMap(\.examples)
        #expect(Set(examples.map { $0.lowercased() }).count == examples.count, "an example belongs to two intents")
    }

    @Test func theCheapChecksOfValidateFindNothing() {
        // The chat runs these at start-up for a user's folder; the built-in set sets the example.
        let issues = IntentValidator.cheapChecks(folder: BuiltInIntents.folder).issues
        #expect(issues.isEmpty, "\(issues.map(\.description).joined(separator: "\n"))")
    }
}
