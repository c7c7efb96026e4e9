#include "cthreads.h"
#include <sched.h>

int cthreads_yield(void) { return sched_yield(); }
