// swift-tools-version: 6.1
// squeezechat: an on-device SqueezeBERT runtime, chat engine and terminal app.
// Dependencies point one way: executable -> TextAnalysis -> engine; DefaultModel is data only
// (later: executable -> TerminalUI -> ChatEngine -> engine).
import PackageDescription

let package = Package(
    name: "squeezechat",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SqueezeBERT", targets: ["SqueezeBERT"]),
        .library(name: "TextAnalysis", targets: ["TextAnalysis"]),
        .library(name: "DefaultModel", targets: ["DefaultModel"]),
        .executable(name: "squeezechat", targets: ["squeezechat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The engine: tokenizer, checkpoint loading, kernels and the encoder. No UI, no I/O beyond model files.
        .target(name: "SqueezeBERT"),
        // Reusable text analysis over the engine: sentence splitting and sentiment. No terminal code.
        .target(name: "TextAnalysis", dependencies: ["SqueezeBERT"]),
        // The bundled sentiment + embedding model folder (made by training/), as a resource.
        .target(name: "DefaultModel", resources: [.copy("squeezechat-sentiment")]),
        .executableTarget(
            name: "squeezechat",
            dependencies: [
                "SqueezeBERT",
                "TextAnalysis",
                "DefaultModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SqueezeBERTTests",
            dependencies: ["SqueezeBERT"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TextAnalysisTests",
            dependencies: ["TextAnalysis", "DefaultModel", "SqueezeBERT"]
        ),
        // End-to-end: runs the built squeezechat binary (the dependency makes sure it is built).
        .testTarget(
            name: "SqueezeChatCommandTests",
            dependencies: ["squeezechat"],
            exclude: ["Fixtures"]
        ),
    ]
)
