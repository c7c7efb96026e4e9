import Foundation
import Testing
@testable import SqueezeBERT

/// `AtomicFile.write` replaces a file whole and clears away the temporary files that killed
/// writers of the same file left behind, but never a live writer's.
@Suite struct AtomicFileTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-file-\(UUID().uuidString)")

    func names() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: folder.path)) }

    /// The process id of a process that has already exited (and been reaped).
    func finishedProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test("a write replaces the file and removes only the abandoned temporaries of that file")
    func abandonedTemporaries() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("history")
        try Data("old".utf8).write(to: target)
        let dead = try finishedProcessID()
        let abandoned = ".history.tmp-\(dead)-12345"
        let live = ".history.tmp-1-777"                 // pid 1 is always running
        let otherFile = ".transcript.md.tmp-\(dead)-1"  // another target's: not this write's business
        for name in [abandoned, live, otherFile] {
            try Data("partial".utf8).write(to: folder.appendingPathComponent(name))
        }

        try AtomicFile.write(Array("new".utf8), to: target)

        #expect(try String(contentsOf: target, encoding: .utf8) == "new")
        #expect(try names() == ["history", live, otherFile])
    }
}
