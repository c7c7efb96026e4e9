import CThreads
import Foundation

/// A warm pool of worker threads that splits one forward pass's kernels.
///
/// The caller thread takes part, so a pool of N threads starts N - 1 workers. Between parallel
/// regions workers spin on an atomic generation counter (a forward pass runs dozens of regions a
/// few microseconds apart, far shorter than a futex wake-up), and after about `spinSeconds` of
/// nothing they sleep on a condition variable, so an idle app costs no CPU.
///
/// One region runs at a time: `parallel` must not be called concurrently (the encoder holds a lock).
public final class ComputePool: @unchecked Sendable {
    /// The cores this process may run on.
    public static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Threads including the caller.
    public let threads: Int
    /// How long an idle worker spins before it sleeps.
    static let spinSeconds = 0.002

    private let state: UnsafeMutablePointer<Int64>  // [generation, done, sleepers, shutdown]
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    // The current region, written before the generation is bumped.
    private var job: ((Range<Int>) -> Void)?
    private var taskCount = 0
    private var regionThreads = 0

    public init(threads: Int) {
        self.threads = max(1, threads)
        state = .allocate(capacity: 4)
        state.initialize(repeating: 0, count: 4)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for worker in 1..<self.threads {
            let thread = Thread { self.work(index: worker) }  // strong: the pool lives until shutdown()
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the workers (they exit at their next wake-up); the pool must not be used afterwards.
    public func shutdown() {
        cthreads_store(state + 3, 1)
        cthreads_fetch_add(state, 1)
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    /// Runs `body` over `0..<tasks`, split into contiguous ranges over `threads` threads (at most
    /// the pool's); returns when all are done. With one thread (or one task) it just calls body.
    public func parallel(tasks: Int, threads requested: Int, _ body: (Range<Int>) -> Void) {
        let n = min(requested, threads, tasks)
        guard n > 1 else {
            if tasks > 0 { body(0..<tasks) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            taskCount = tasks
            regionThreads = n
            cthreads_store(state + 1, 0)
            cthreads_fetch_add(state, 1)  // publish
            if cthreads_load(state + 2) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&condition)
                pthread_mutex_unlock(&mutex)
            }
            body(Self.share(0, of: n, tasks: tasks))
            // Every worker reports each region, taking part or not, so none can lag into the next.
            while cthreads_load(state + 1) < Int64(threads - 1) { cthreads_pause() }
            job = nil
        }
    }

    static func share(_ index: Int, of n: Int, tasks: Int) -> Range<Int> {
        (index * tasks / n)..<((index + 1) * tasks / n)
    }

    private func work(index: Int) {
        var seen: Int64 = 0
        while true {
            var generation = cthreads_load(state)
            if generation == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while generation == seen {
                    cthreads_pause()
                    spins += 1
                    if spins & 255 == 0,
                       Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 > Self.spinSeconds {
                        pthread_mutex_lock(&mutex)
                        cthreads_fetch_add(state + 2, 1)
                        while cthreads_load(state) == seen { pthread_cond_wait(&condition, &mutex) }
                        cthreads_fetch_add(state + 2, -1)
                        pthread_mutex_unlock(&mutex)
                    }
                    generation = cthreads_load(state)
                }
            }
            seen = generation
            if cthreads_load(state + 3) != 0 { return }
            let n = regionThreads
            if index < n, let job { job(Self.share(index, of: n, tasks: taskCount)) }
            cthreads_fetch_add(state + 1, 1)
        }
    }
}
