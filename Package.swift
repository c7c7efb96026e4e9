// swift-tools-version: 6.1
// squeezechat: an on-device SqueezeBERT runtime, chat engine and terminal app.
// Dependencies point one way: executable -> engine (later: -> TerminalUI -> ChatEngine -> engine).
import PackageDescription

let package = Package(
    name: "squeezechat",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SqueezeBERT", targets: ["SqueezeBERT"]),
        .executable(name: "squeezechat", targets: ["squeezechat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The engine: tokenizer, checkpoint loading, kernels and the encoder. No UI, no I/O beyond model files.
        // AVX2 + FMA: Swift's SIMD8<Float> then maps to one ymm register and addingProduct to one
        // vfmadd231ps (without them the kernels call fmaf per lane). The binary then needs an x86-64
        // CPU from 2013 on (Haswell, AMD Zen or newer); see README "Performance".
        .target(
            name: "SqueezeBERT",
            dependencies: ["CThreads"],
            swiftSettings: [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"], .when(platforms: [.linux]))]
        ),
        // C atomics and the spin-wait hint for the engine's thread pool (header-only).
        .target(name: "CThreads"),
        .executableTarget(
            name: "squeezechat",
            dependencies: [
                "SqueezeBERT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SqueezeBERTTests",
            dependencies: ["SqueezeBERT"],
            exclude: ["Fixtures"]
        ),
    ]
)
