// The few C primitives the engine's warm thread pool needs and Swift's standard library does not
// offer on every platform this package supports: sequentially consistent atomics on a machine
// word and the spin-wait hint. Header-only (static inline), so calls compile to single instructions.
#ifndef CTHREADS_H
#define CTHREADS_H

#include <stddef.h>
#include <stdint.h>

/// Atomically reads *p.
static inline int64_t cthreads_load(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

/// Atomically writes v to *p.
static inline void cthreads_store(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

/// Atomically adds v to *p; returns the previous value.
static inline int64_t cthreads_fetch_add(int64_t *p, int64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

/// Atomically replaces *p with desired if it equals expected; returns whether it did.
static inline int cthreads_cas(int64_t *p, int64_t expected, int64_t desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/// Gives the core to another runnable thread, if any (sched_yield).
int cthreads_yield(void);

/// This thread's scratch buffer of at least `bytes` bytes, 64-byte aligned, for kernels that need
/// a private block (the int8 product converts a weight panel into it). Allocated on a thread's
/// first request and regrown only when a request is larger, so a warm thread never allocates;
/// freed when the thread exits. NULL when out of memory.
void *cthreads_scratch(size_t bytes);

/// Tells the CPU this is a spin-wait loop (x86 `pause`; a no-op elsewhere).
static inline void cthreads_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Asks for the cache line at p ahead of its use (a hint; never faults).
static inline void cthreads_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
