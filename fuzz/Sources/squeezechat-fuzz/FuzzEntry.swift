// libFuzzer's entry point; main() is libFuzzer's driver (FuzzDriver).
import FuzzDriver
import FuzzTargets
import Foundation

/// The target named by SQUEEZECHAT_FUZZ_TARGET, read once.
let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SQUEEZECHAT_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fatalError("set SQUEEZECHAT_FUZZ_TARGET to one of: \(names)")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes)
    return 0
}
