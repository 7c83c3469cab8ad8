import Foundation
import Testing
import SealpostVectors

/// Every committed vector file verifies, through the same verifier `sealpost-vectors` uses.
@Suite("Committed vectors")
struct VectorFilesTests {
    static let files: [URL] = (try? VectorVerifier.vectorFiles(at: RepositoryPaths.vectors)) ?? []

    /// The published sources the foundation must cover, each in its own file.
    static let requiredFiles = [
        "primitives/rfc7748-x25519.json",
        "primitives/rfc8032-ed25519.json",
        "primitives/rfc8439-chacha20poly1305.json",
        "primitives/xchacha20poly1305-draft.json",
        "primitives/rfc5869-hkdf-sha256.json",
        "primitives/rfc4231-hmac-sha256.json",
        "primitives/mlkem-decaps.json",
        "identity/device-certificates.json",
        "identity/device-lists.json",
        "identity/safety-numbers.json",
        "handshake/pqxdh.json",
        "ratchet/conversation.json",
        "content/content.json",
    ]

    @Test(arguments: requiredFiles)
    func requiredFileIsPresent(path: String) {
        #expect(FileManager.default.fileExists(atPath: RepositoryPaths.vectors.appendingPathComponent(path).path))
    }

    @Test(arguments: files)
    func fileVerifies(url: URL) {
        let report = VectorVerifier.verifyFile(at: url)
        #expect(report.formatError == nil, "\(url.lastPathComponent): \(report.formatError ?? "")")
        for failure in report.failures {
            Issue.record("\(url.lastPathComponent) tcId \(failure.id): \(failure.reason)")
        }
        #expect(report.skipped.isEmpty)
        #expect(!report.passed.isEmpty, "\(url.lastPathComponent) ran no test")
    }

    /// Each file has negative vectors, and each negative vector names its error.
    @Test(arguments: files)
    func fileHasNegativeVectors(url: URL) throws {
        let file = try VectorFile(data: Data(contentsOf: url))
        let invalid = file.tests.filter { $0.test.result == .invalid }
        // SHA-2 digests have no "invalid" input; every other primitive must show its rejections.
        if file.groups.allSatisfy({ $0.type == "sha256" || $0.type == "sha512" }) { return }
        #expect(!invalid.isEmpty, "\(url.lastPathComponent) has no negative vector")
    }
}

/// `sealpost-vectors generate` reproduces the committed files byte for byte: the spec, the code
/// and the vectors move together, and regeneration never churns them.
@Suite("Generated vectors")
struct GeneratedVectorsTests {
    @Test func regenerationReproducesTheCommittedFiles() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-vectors-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // The ML-KEM ciphertexts cannot be re-derived: generation reuses the committed ones.
        let handshake = scratch.appendingPathComponent("handshake")
        try FileManager.default.createDirectory(at: handshake, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: RepositoryPaths.vectors.appendingPathComponent("handshake/pqxdh.json"), to: handshake.appendingPathComponent("pqxdh.json"))
        for url in try VectorGenerator.generate(into: scratch) {
            let path = String(url.path.dropFirst(scratch.path.count + 1))
            let committed = try Data(contentsOf: RepositoryPaths.vectors.appendingPathComponent(path))
            #expect(try Data(contentsOf: url) == committed, "\(path) differs from what generate writes: regenerate and commit it")
        }
    }
}
