import Foundation

/// The result of checking one vector file.
public struct FileReport: Sendable {
    /// The file's path as given.
    public let path: String
    /// The file's algorithm, when it parsed.
    public let algorithm: String?
    /// Test ids that passed.
    public let passed: [Int]
    /// Test ids that failed, with the reason.
    public let failures: [(id: Int, reason: String)]
    /// Test ids not run, with the reason.
    public let skipped: [(id: Int, reason: String)]
    /// Set when the file itself could not be read or does not follow the format.
    public let formatError: String?

    /// Whether the whole file passed: it parsed, and no test failed.
    public var succeeded: Bool { formatError == nil && failures.isEmpty }
}

/// Checks vector files against Sealpost's implementation.
///
/// The same verifier backs the test suite and `sealpost-vectors verify`, so what an auditor runs
/// is exactly what CI runs.
public enum VectorVerifier {
    /// The checker for a group type, across every layer that has vectors.
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        PrimitiveChecks.checker(for: type) ?? IdentityChecks.checker(for: type) ?? HandshakeChecks.checker(for: type) ?? RatchetChecks.checker(for: type)
            ?? EnvelopeChecks.checker(for: type) ?? VaultChecks.checker(for: type) ?? ContentChecks.checker(for: type)
            ?? DeviceChecks.checker(for: type)
            ?? LinkingChecks.checker(for: type)
    }

    /// Checks one parsed file.
    public static func verify(_ file: VectorFile, path: String) -> FileReport {
        var passed: [Int] = []
        var failures: [(Int, String)] = []
        var skipped: [(Int, String)] = []
        for (group, test) in file.tests {
            guard let check = checker(for: group.type) else {
                failures.append((test.id, "unknown group type \"\(group.type)\""))
                continue
            }
            switch check(group, test) {
            case .passed: passed.append(test.id)
            case .failed(let reason): failures.append((test.id, reason))
            case .skipped(let reason): skipped.append((test.id, reason))
            }
        }
        return FileReport(
            path: path, algorithm: file.algorithm, passed: passed, failures: failures, skipped: skipped, formatError: nil)
    }

    /// Reads, parses and checks the file at `url`.
    public static func verifyFile(at url: URL) -> FileReport {
        let path = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            return FileReport(path: path, algorithm: nil, passed: [], failures: [], skipped: [], formatError: "cannot read: \(error.localizedDescription)")
        }
        do {
            return verify(try VectorFile(data: data), path: path)
        } catch {
            return FileReport(path: path, algorithm: nil, passed: [], failures: [], skipped: [], formatError: error.description)
        }
    }

    /// The vector files at `url`: the file itself, or every `.json` file below the folder, sorted.
    /// - Throws: ``VectorLocationError`` if nothing is there or the folder holds no vector file.
    public static func vectorFiles(at url: URL) throws(VectorLocationError) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .notFound(url.path)
        }
        guard isDirectory.boolValue else { return [url] }
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else {
            throw .notFound(url.path)
        }
        let files = enumerator.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "json" }
            .sorted { $0.path < $1.path }
        guard !files.isEmpty else { throw .empty(url.path) }
        return files
    }
}

/// A path given to the verifier that holds no vector file.
public enum VectorLocationError: Error, Sendable, CustomStringConvertible {
    /// Nothing exists at the path.
    case notFound(String)
    /// The folder holds no `.json` file.
    case empty(String)

    /// A sentence naming the path.
    public var description: String {
        switch self {
        case .notFound(let path): "no such file or folder: \(path)"
        case .empty(let path): "no .json vector files under \(path)"
        }
    }
}
