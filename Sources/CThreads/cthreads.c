#include "cthreads.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

int cthreads_yield(void) { return sched_yield(); }

// One block per thread: the pointer and size live in thread-local storage; a pthread key's
// destructor frees the block when the thread exits (thread-local variables have no destructors).
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static __thread void *scratch_block;
static __thread size_t scratch_bytes;

static void scratch_free(void *block) { free(block); }
static void scratch_make_key(void) { pthread_key_create(&scratch_key, scratch_free); }

void *cthreads_scratch(size_t bytes) {
    if (bytes <= scratch_bytes) return scratch_block;
    pthread_once(&scratch_once, scratch_make_key);
    size_t rounded = (bytes + 63) & ~(size_t)63;  // aligned_alloc wants a multiple of the alignment
    void *block = aligned_alloc(64, rounded);
    if (block == NULL) return NULL;
    free(scratch_block);
    scratch_block = block;
    scratch_bytes = rounded;
    pthread_setspecific(scratch_key, block);
    return block;
}
