// AVX512Math is header-only (include/avx512_math.h); a C target needs one source file.
#include "avx512_math.h"
