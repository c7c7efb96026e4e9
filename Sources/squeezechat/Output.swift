import Foundation

/// Runtime failures of the commands: one line `squeezechat: MESSAGE` on standard error and exit
/// code 1. (Wrong arguments are ArgumentParser's `ValidationError`, which also prints usage.)
enum Output {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("squeezechat: \(message)\n".utf8))
        exit(1)
    }
}
