// libFuzzer's driver behind the name SwiftPM gives the executable's main.
int squeezechat_fuzz_main(int argc, char **argv);
