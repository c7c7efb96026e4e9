// Header-only; this file gives SwiftPM a source to build.
