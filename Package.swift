// swift-tools-version: 6.1
// squeezechat: an on-device SqueezeBERT runtime, chat engine and terminal app.
// Dependencies point one way: executable -> (TerminalUI ->) ChatEngine -> SqueezeBERT (engine).
import Foundation
import PackageDescription

/// The built-in intent files ship as resources of the BuiltInIntents target, which lives in the
/// repository's `intents/` folder; listing them here keeps that folder a plain set of YAML files.
let intentFiles = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/intents")) ?? [])
    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
    .sorted()

let package = Package(
    name: "squeezechat",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SqueezeBERT", targets: ["SqueezeBERT"]),
        .library(name: "ChatEngine", targets: ["ChatEngine"]),
        .library(name: "TerminalUI", targets: ["TerminalUI"]),
        .executable(name: "squeezechat", targets: ["squeezechat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // The engine: tokenizer, checkpoint loading, kernels and the encoder. No UI, no I/O beyond model files.
        .target(name: "SqueezeBERT"),
        // The chat brain: intents, out-of-scope fallback, retrieval, per-turn timings. No terminal code.
        .target(
            name: "ChatEngine",
            dependencies: ["SqueezeBERT", .product(name: "Yams", package: "Yams")]
        ),
        // The intent set the app ships with: intents/*.yaml, located at run time through Bundle.module.
        .target(
            name: "BuiltInIntents",
            path: "intents",
            exclude: ["README.md"],
            sources: ["BuiltInIntents.swift"],
            resources: intentFiles.map { .copy($0) }
        ),
        // ncursesw (wide characters) and GNU readline from the system: apt install libncurses-dev libreadline-dev.
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .systemLibrary(name: "CReadline", pkgConfig: "readline", providers: [.apt(["libreadline-dev"])]),
        // Plain C functions over curses' macros and globals, which Swift cannot import under strict concurrency.
        .target(name: "CTerminalShim", dependencies: ["CNcurses"]),
        // The full-screen chat: layout, wrapping, editing, history and status as plain tested models,
        // with a thin ncurses screen over them.
        .target(name: "TerminalUI", dependencies: ["ChatEngine", "SqueezeBERT", "CTerminalShim"]),
        .executableTarget(
            name: "squeezechat",
            dependencies: [
                "SqueezeBERT",
                "ChatEngine",
                "TerminalUI",
                "CReadline",
                "BuiltInIntents",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SqueezeBERTTests",
            dependencies: ["SqueezeBERT"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ChatEngineTests",
            dependencies: ["ChatEngine", "SqueezeBERT"],
            exclude: ["Fixtures"]
        ),
        // Unit tests of the screen models, and the end-to-end test that drives the built binary in tmux.
        .testTarget(
            name: "TerminalUITests",
            dependencies: ["TerminalUI", "ChatEngine"]
        ),
    ]
)
