// The binary's entry point. SwiftPM links an executable's main to a symbol named after its module
// (squeezechat_fuzz_main); this defines it and hands over to libFuzzer's driver, which then calls
// LLVMFuzzerTestOneInput (FuzzEntry.swift) for every input.
#include "FuzzDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const unsigned char *data, unsigned long size));
int LLVMFuzzerTestOneInput(const unsigned char *data, unsigned long size);

int squeezechat_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
