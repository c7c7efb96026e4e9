// swift-tools-version: 6.1
// squeezechat: an on-device SqueezeBERT runtime, chat engine and terminal app.
// Dependencies point one way: executable -> (TerminalUI ->) ChatEngine -> TextAnalysis -> SqueezeBERT
// (the engine). DefaultModel and BuiltInIntents are data shipped as resources.
import PackageDescription

/// The built-in intent files, shipped as resources of the BuiltInIntents target (which lives in
/// `intents/`). Listed by name on purpose: SwiftPM caches the manifest, so a listing computed
/// here would miss files added later. A test checks that every file in intents/ is listed.
let builtInIntentFiles = [
    "commands.yaml",
    "dialogue.yaml",
    "feedback.yaml",
    "feelings.yaml",
    "fun.yaml",
    "limits.yaml",
    "out_of_scope.yaml",
    "self.yaml",
    "social.yaml",
    "technology.yaml",
]

let package = Package(
    name: "squeezechat",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SqueezeBERT", targets: ["SqueezeBERT"]),
        .library(name: "TextAnalysis", targets: ["TextAnalysis"]),
        .library(name: "ChatEngine", targets: ["ChatEngine"]),
        .library(name: "DefaultModel", targets: ["DefaultModel"]),
        .library(name: "TerminalUI", targets: ["TerminalUI"]),
        .executable(name: "squeezechat", targets: ["squeezechat"]),
        // The fuzzers' entry points, for the libFuzzer package in fuzz/.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The engine: tokenizer, checkpoint loading, kernels and the encoder. No UI, no I/O beyond model files.
        // AVX2 + FMA: Swift's SIMD8<Float> then maps to one ymm register and addingProduct to one
        // vfmadd231ps (without them the kernels call fmaf per lane). The binary then needs an x86-64
        // CPU from 2013 on (Haswell, AMD Zen or newer); see README "Performance".
        .target(
            name: "SqueezeBERT",
            dependencies: ["CThreads", "SqueezeBERTMatmul", "SqueezeBERTMatmulAVX512", "SqueezeBERTAttentionAVX512"],
            swiftSettings: [
                .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"], .when(platforms: [.linux])),
                // The engine is optimised in debug builds too: unoptimised kernels make the
                // end-to-end tests on the real model minutes slower and debug them no better.
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ]
        ),
        // The matrix product, written once over the vector width (@inlinable, no flags of its own):
        // the engine instantiates it on AVX2 vectors, the module below on AVX-512 ones.
        .target(name: "SqueezeBERTMatmul", dependencies: ["CThreads", "CPUFeatures", "SqueezeBERTInt8"]),
        // The int8 product on AVX-512 VNNI's integer dot-product unit (C intrinsics), called only on
        // CPUs that have it (checked at run time, CPUFeatures).
        .target(
            name: "SqueezeBERTInt8",
            dependencies: ["AVX512Math"],
            cSettings: [
                .unsafeFlags(["-O3", "-mavx512f", "-mavx512bw", "-mavx512vnni"], .when(platforms: [.linux])),
            ]
        ),
        // Vector math the AVX-512 C kernels share (a header of static inline functions).
        .target(name: "AVX512Math"),
        // Attention on AVX-512F (C intrinsics): sixteen keys or channels per FMA and the 32 zmm
        // registers for sixteen queries at once. Called only where the CPU has AVX-512F.
        .target(
            name: "SqueezeBERTAttentionAVX512",
            dependencies: ["AVX512Math"],
            cSettings: [.unsafeFlags(["-O3", "-mavx512f", "-mfma"], .when(platforms: [.linux]))]
        ),
        // The AVX-512 build of the matrix product, called only on CPUs that have AVX-512F (checked
        // at run time, CPUFeatures), so the binary still runs on any AVX2 machine.
        .target(
            name: "SqueezeBERTMatmulAVX512",
            dependencies: ["SqueezeBERTMatmul"],
            swiftSettings: [
                .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mavx512f"], .when(platforms: [.linux])),
                .unsafeFlags(["-O"], .when(configuration: .debug)),
            ]
        ),
        // C atomics, the spin-wait hint and prefetch for the engine's thread pool and kernels (header-only).
        .target(name: "CThreads"),
        // The CPU feature check that picks the matrix kernels (header-only).
        .target(name: "CPUFeatures"),
        // Reusable text analysis over the engine: sentence splitting and sentiment. No terminal code.
        .target(name: "TextAnalysis", dependencies: ["SqueezeBERT"]),
        // The bundled model folders (made by training/), as resources: the default (dense, every
        // group 1) and the grouped SqueezeBERT student distilled from it.
        .target(name: "DefaultModel", resources: [.copy("squeezechat-sentiment"), .copy("squeezechat-sentiment-grouped")]),
        // The chat brain: intents, out-of-scope fallback, retrieval, per-turn timings. No terminal code.
        .target(
            name: "ChatEngine",
            dependencies: ["SqueezeBERT", "TextAnalysis", .product(name: "Yams", package: "Yams")]
        ),
        // The intent set the app ships with: intents/*.yaml, located at run time through Bundle.module.
        .target(
            name: "BuiltInIntents",
            path: "intents",
            exclude: ["README.md"],
            sources: ["BuiltInIntents.swift"],
            resources: builtInIntentFiles.map { .copy($0) }
        ),
        // ncursesw (wide characters) and GNU readline from the system: apt install libncurses-dev libreadline-dev.
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CReadline", pkgConfig: "readline", providers: [.apt(["libreadline-dev"])]),
        // Plain C functions over curses' macros and globals, which Swift cannot import under strict concurrency.
        .target(name: "CTerminalShim", dependencies: ["CNcurses"]),
        // The full-screen chat: layout, wrapping, editing, history and status as plain tested models,
        // with a thin ncurses screen over them.
        .target(name: "TerminalUI", dependencies: ["ChatEngine", "TextAnalysis", "SqueezeBERT", "CTerminalShim"]),
        .executableTarget(
            name: "squeezechat",
            dependencies: [
                "SqueezeBERT",
                "ChatEngine",
                "TextAnalysis",
                "TerminalUI",
                "CReadline",
                "BuiltInIntents",
                "DefaultModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Each parser the app runs on outside input, as a function of arbitrary bytes: called by the
        // libFuzzer binaries (fuzz/) and by the corpus replay in the tests.
        .target(name: "FuzzTargets", dependencies: ["SqueezeBERT", "TextAnalysis", "ChatEngine", "TerminalUI", "CTerminalShim"]),
        .testTarget(
            name: "SqueezeBERTTests",
            dependencies: ["SqueezeBERT", "DefaultModel"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ChatEngineTests",
            dependencies: ["ChatEngine", "SqueezeBERT", "TextAnalysis", "BuiltInIntents"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TextAnalysisTests",
            dependencies: ["TextAnalysis", "DefaultModel", "SqueezeBERT"]
        ),
        // End-to-end: runs the built squeezechat binary (the dependency makes sure it is built).
        .testTarget(
            name: "SqueezeChatCommandTests",
            dependencies: ["squeezechat", "ChatEngine", "BuiltInIntents", "SqueezeBERT"],
            exclude: ["Fixtures"]
        ),
        // Unit tests of the screen models, and the end-to-end test that drives the built binary in tmux.
        .testTarget(
            name: "TerminalUITests",
            dependencies: ["TerminalUI", "ChatEngine", "TextAnalysis"]
        ),
        // Hostile input: the fuzz corpora replayed, the crashes the fuzzers found, and writes killed midway.
        .testTarget(
            name: "HardeningTests",
            dependencies: ["FuzzTargets", "SqueezeBERT", "ChatEngine", "TerminalUI", "TextAnalysis", "squeezechat"]
        ),
    ]
)
