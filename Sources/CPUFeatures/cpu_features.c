// SwiftPM builds a C target from at least one source file; the header is all inline.
#include "cpu_features.h"
