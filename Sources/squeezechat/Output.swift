import Foundation

/// Runtime failures of the commands: one line `squeezechat: MESSAGE` on standard error and exit
/// code 1. (Wrong arguments are ArgumentParser's `ValidationError`, which also prints usage.)
enum Output {
    static func fail(_ message: String) -> Never {
        warn(message)
        exit(1)
    }

    /// One line on standard error that does not stop the command.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("squeezechat: \(message)\n".utf8))
    }
}
