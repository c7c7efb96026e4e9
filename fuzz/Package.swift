// swift-tools-version: 6.1
// libFuzzer binaries over the app's parsers (FuzzTargets in the main package). Built by run.sh with
// -sanitize=fuzzer,address; see docs/hardening.md.
import PackageDescription

let package = Package(
    name: "squeezechat-fuzz",
    dependencies: [.package(name: "squeezechat", path: "..")],
    targets: [
        // One binary for every target; SQUEEZECHAT_FUZZ_TARGET picks which parser it feeds.
        .executableTarget(
            name: "squeezechat-fuzz",
            dependencies: ["FuzzDriver", .product(name: "FuzzTargets", package: "squeezechat")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        // main(): libFuzzer's driver, under the symbol SwiftPM links main to.
        .target(name: "FuzzDriver"),
    ]
)
