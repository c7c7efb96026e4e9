// The only source file in intents/: it lets the built-in YAML files ship inside the package as
// resources, so the app finds them wherever its binary is run from.
import Foundation

/// The folder of built-in intent files.
public enum BuiltInIntents {
    /// Where the YAML files are at run time.
    public static var folder: URL { Bundle.module.resourceURL ?? Bundle.module.bundleURL }
}
