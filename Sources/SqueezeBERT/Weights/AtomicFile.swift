import Foundation

/// Whole-file writes that a crash cannot tear: readers see the old file or the complete new one
/// (a temporary file next to it, flushed to disk, then renamed over it). For the app's own files:
/// history, saved transcripts and caches.
public enum AtomicFile {
    /// Why a write failed; the old file, if any, is untouched.
    public struct Failure: LocalizedError, CustomStringConvertible, Sendable {
        public let problem: String
        public var errorDescription: String? { problem }
        public var description: String { problem }
    }

    /// Replaces (or creates) the file at `url` with `bytes`.
    public static func write(_ bytes: [UInt8], to url: URL) throws(Failure) {
        do {
            try writeAtomically(bytes, to: url.path)
        } catch {
            throw Failure(problem: error.problem)
        }
    }
}
