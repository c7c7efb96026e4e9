import Foundation

/// Worker threads for one forward pass.
public enum ComputePool {
    /// The cores this process may run on.
    public static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
