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
        .target(name: "SqueezeBERT"),
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
