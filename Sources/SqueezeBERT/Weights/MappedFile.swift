// A whole file mapped read-only into memory, unmapped when the last reference goes.
//
// This is how checkpoints are read: the kernel pages weights in on demand and shares them
// with the page cache, so opening a 50 MB model costs no copy until a tensor is converted.
// It is deliberately not a general file API: no writing, no partial mappings, no remapping.
// If another process truncates the file while it is mapped, reads past the new end fault
// (SIGBUS); checkpoints are not expected to change under a running model.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of an entire regular file.
///
/// `@unchecked Sendable`: the mapping is `PROT_READ` and private, `bytes` never changes after
/// `init`, and it is unmapped only in `deinit`, when no other reference can be reading it.
final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    let path: String
    /// The file's contents; empty for an empty file.
    let bytes: UnsafeRawBufferPointer

    /// Opens and maps `path`; a missing, unreadable or non-regular file is `.missingFile`.
    init(path: String) throws(ModelLoadError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "file not found" : "cannot be opened: \(systemErrorMessage())"
            throw ModelLoadError(.missingFile, file: path, reason)
        }
        defer { close(fd) }

        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw ModelLoadError(.missingFile, file: path, "cannot be read: \(systemErrorMessage())")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ModelLoadError(.missingFile, file: path, "not a regular file")
        }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        // The descriptor can be closed once mapped: the mapping keeps its own reference.
        guard let start = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              start != UnsafeMutableRawPointer(bitPattern: -1)  // MAP_FAILED
        else {
            throw ModelLoadError(.missingFile, file: path, "cannot be mapped: \(systemErrorMessage())")
        }
        bytes = UnsafeRawBufferPointer(start: start, count: size)
    }

    /// Drops the resident pages that lie wholly inside `range` (byte offsets into the file), as
    /// after copying a tensor out: the mapping is read-only and file-backed, so a later read just
    /// pages them in again. Keeps load-time peak memory to one copy of the weights, not two.
    func releasePages(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let address = Int(bitPattern: base)
        let start = (address + range.lowerBound + page - 1) / page * page
        let end = (address + range.upperBound) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, Int32(MADV_DONTNEED))
    }

    deinit {
        if let start = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: start), bytes.count)
        }
    }
}

/// The text for the current `errno`, e.g. "Permission denied".
func systemErrorMessage() -> String {
    String(cString: strerror(errno))
}
