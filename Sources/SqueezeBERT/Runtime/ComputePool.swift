import CThreads
import Foundation

/// A warm pool of worker threads that splits one forward pass's kernels.
///
/// The caller thread takes part, so a pool of N threads starts N - 1 workers. A parallel region
/// is a count of independent tasks; every thread claims chunks of them from one atomic counter
/// until none are left. Chunks shrink as the region drains (guided self-scheduling: a claim takes
/// half of the remaining tasks' fair share), so the first claims are large, which keeps a
/// thread's tasks adjacent in memory, and the last are small, so threads finish together.
/// The caller never waits for a worker that has not started: on a busy machine (another process
/// on the other core) it simply does the whole region itself, so a region is never much slower
/// than on one thread.
///
/// Between regions workers spin on an atomic generation counter (a forward pass runs dozens of
/// regions microseconds apart, far shorter than a futex wake-up), yielding the core to any other
/// runnable thread, and after `spinSeconds` of nothing they sleep on a condition variable, so an
/// idle app costs no CPU.
///
/// One region runs at a time: `parallel` must not be called concurrently (the encoder holds a lock).
public final class ComputePool: @unchecked Sendable {
    /// The cores this process may run on.
    public static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Threads including the caller.
    public let threads: Int
    /// How long an idle worker spins before it sleeps.
    static let spinSeconds = 0.002

    // Atomics: generation of the current region; claim = generation << 32 | next unclaimed task
    // (the generation tag keeps a late worker from claiming tasks of a newer region); completed
    // tasks; sleeping workers; shutdown flag.
    private let words: UnsafeMutablePointer<Int64>
    private var generation: UnsafeMutablePointer<Int64> { words }
    private var claim: UnsafeMutablePointer<Int64> { words + 1 }
    private var completed: UnsafeMutablePointer<Int64> { words + 2 }
    private var sleepers: UnsafeMutablePointer<Int64> { words + 3 }
    private var stopping: UnsafeMutablePointer<Int64> { words + 4 }
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    // The current region, written while `claim` refuses every claim.
    private var job: ((Range<Int>) -> Void)?
    private var taskCount = 0
    /// A claim takes remaining / shareDivisor tasks, at least minimumChunk.
    private var shareDivisor = 2
    private var minimumChunk = 1

    /// Claims fail while the low half of `claim` is this large.
    private static let closed: Int64 = 0x7FFF_FFFF

    public init(threads: Int) {
        self.threads = max(1, threads)
        words = .allocate(capacity: 8)
        words.initialize(repeating: 0, count: 8)
        words[1] = Self.closed
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for _ in 1..<self.threads {
            let thread = Thread { self.work() }  // strong: the pool lives until shutdown()
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the workers (they exit at their next wake-up); the pool must not be used afterwards.
    public func shutdown() {
        cthreads_store(stopping, 1)
        cthreads_fetch_add(generation, 1)
        wakeSleepers()
    }

    /// Runs `body` over `0..<tasks` in chunks spread over up to `threads` threads (at most the
    /// pool's); returns when all are done. With one thread (or one task) it just calls body once.
    public func parallel(tasks: Int, threads requested: Int, _ body: (Range<Int>) -> Void) {
        let n = min(requested, threads, tasks)
        guard n > 1 else {
            if tasks > 0 { body(0..<tasks) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let next = cthreads_load(generation) + 1
            // Open the region: claims are closed since the last one ended.
            job = escaping
            taskCount = tasks
            shareDivisor = 2 * n
            // Tail claims of tiny tasks (a LayerNorm row) would fight over the counter's line.
            minimumChunk = max(1, tasks / (n * 32))
            cthreads_store(completed, 0)
            cthreads_store(claim, (next & 0xFFFF_FFFF) << 32)
            cthreads_store(generation, next)
            if cthreads_load(sleepers) > 0 { wakeSleepers() }
            runClaims(generation: next)
            // Wait only for chunks other threads claimed and are still running.
            var spins = 0
            while cthreads_load(completed) < Int64(tasks) {
                spins += 1
                if spins < 2000 { cthreads_pause() } else { _ = cthreads_yield() }
            }
            cthreads_store(claim, ((next & 0xFFFF_FFFF) << 32) | Self.closed)
            job = nil
        }
    }

    /// Claims and runs chunks of region `generation` until none are left.
    private func runClaims(generation tag: Int64) {
        let tagBits = (tag & 0xFFFF_FFFF) << 32
        while true {
            let current = cthreads_load(claim)
            guard current & ~0xFFFF_FFFF == tagBits else { return }
            let start = Int(current & 0xFFFF_FFFF)
            guard start < taskCount, Int64(start) != Self.closed else { return }
            let end = min(taskCount, start + max(minimumChunk, (taskCount - start) / shareDivisor))
            guard cthreads_cas(claim, current, tagBits | Int64(end)) != 0 else { continue }
            // A successful claim proves the region is still open, so `job` is this region's.
            job?(start..<end)
            cthreads_fetch_add(completed, Int64(end - start))
        }
    }

    private func wakeSleepers() {
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    private func work() {
        var seen: Int64 = 0
        while true {
            var current = cthreads_load(generation)
            if current == seen {
                let waiting = Stopwatch()
                var spins = 0
                while current == seen {
                    spins += 1
                    if spins < 1000 { cthreads_pause() } else { _ = cthreads_yield() }
                    if spins & 63 == 0, waiting.seconds > Self.spinSeconds {
                        pthread_mutex_lock(&mutex)
                        cthreads_fetch_add(sleepers, 1)
                        while cthreads_load(generation) == seen { pthread_cond_wait(&condition, &mutex) }
                        cthreads_fetch_add(sleepers, -1)
                        pthread_mutex_unlock(&mutex)
                    }
                    current = cthreads_load(generation)
                }
            }
            seen = current
            if cthreads_load(stopping) != 0 { return }
            runClaims(generation: current)
        }
    }
}
