// Writing a file so that readers see either the old file or the complete new one, never a
// half-written one: write a temporary file in the same folder, flush it, then rename it over
// the target (rename is atomic within a file system). Used by `SafeTensorsWriter`, and through
// `AtomicFile` by the history, transcripts and caches.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces (or creates) the file at `path` with `contents`, atomically.
/// Throws `SafeTensorsWriter.WriteError` naming `path`; the temporary file is removed on failure.
func writeAtomically(_ contents: [UInt8], to path: String) throws(SafeTensorsWriter.WriteError) {
    func failure(_ action: String) -> SafeTensorsWriter.WriteError {
        SafeTensorsWriter.WriteError(file: path, problem: "\(action): \(systemErrorMessage())")
    }
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let temporary = "\(folder).\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure("cannot create a temporary file next to it") }
    var isOpen = true
    var renamed = false
    defer {
        if isOpen { close(fd) }
        if !renamed { unlink(temporary) }
    }

    // write(2) may write less than asked, or be interrupted; keep going until done.
    let failed = contents.withUnsafeBytes { bytes -> Bool in
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return true
            }
            offset += written
        }
        return false
    }
    guard !failed else { throw failure("cannot write") }
    guard fsync(fd) == 0 else { throw failure("cannot flush to disk") }
    isOpen = false
    guard close(fd) == 0 else { throw failure("cannot close") }
    pauseBeforeRenameIfAsked(target: path, base: base)
    guard rename(temporary, path) == 0 else { throw failure("cannot rename the temporary file into place") }
    renamed = true
    removeAbandonedTemporaries(folder: folder, base: base)
}

/// Removes the temporary files that writers of the same target left when they were killed
/// before their rename (SIGKILL, power loss): each names its writer's process id, and one whose
/// process is gone will never be renamed. A live writer's file is left alone. Best effort: a file
/// that cannot be listed or removed stays, as it did before.
private func removeAbandonedTemporaries(folder: String, base: String) {
    guard let directory = opendir(folder.isEmpty ? "." : folder) else { return }
    defer { closedir(directory) }
    let prefix = ".\(base).tmp-"
    var abandoned: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        guard name.hasPrefix(prefix),
              let pid = Int32(name.dropFirst(prefix.count).prefix(while: { $0 != "-" })),
              pid > 0, pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
        abandoned.append(name)
    }
    for name in abandoned { unlink(folder + name) }
}

/// A test-only hook: when `SQUEEZECHAT_TEST_PAUSE_BEFORE_RENAME` is a prefix of the file's name,
/// the new contents are complete on disk but not yet renamed into place; the writer then creates
/// `<file>.paused-before-rename` and waits 30 s, so a test can kill the process exactly there and
/// check that the old file is still whole.
private func pauseBeforeRenameIfAsked(target: String, base: String) {
    guard let prefix = getenv("SQUEEZECHAT_TEST_PAUSE_BEFORE_RENAME").map({ String(cString: $0) }),
          !prefix.isEmpty, base.hasPrefix(prefix) else { return }
    let marker = open(target + ".paused-before-rename", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    if marker >= 0 { close(marker) }
    sleep(30)
}
