import Foundation

/// Paths the tests find relative to this source file, so they run from any working directory.
enum RepositoryPaths {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `Vectors/`.
    static let vectors = root.appendingPathComponent("Vectors")
    /// `../shared/wycheproof`, where CI and developers keep the Wycheproof files.
    static let defaultWycheproof = root.deletingLastPathComponent().appendingPathComponent("shared/wycheproof")
}
