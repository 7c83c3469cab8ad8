import Foundation
import SealpostCrypto

/// Writes the vectors of Sealpost's own constructions (`sealpost-vectors generate`).
///
/// Primitive vectors (`Vectors/primitives/`) are transcribed from their published sources and are
/// never generated. Generation is stable: every value comes from a labelled derivation written out
/// in full, except ML-KEM ciphertexts, which are reused from the committed file when present.
public enum VectorGenerator {
    /// The files this generator owns, relative to the vectors folder.
    public static let files = [
        "identity/device-certificates.json",
        "identity/device-lists.json",
        "identity/safety-numbers.json",
        "handshake/pqxdh.json",
        "ratchet/conversation.json",
        "envelope/certificates.json",
        "envelope/sealed-envelopes.json",
        "vault/key-hierarchy.json",
        "content/content.json",
    ]

    /// Generates every file into `directory` (normally `Vectors/`) and returns the paths written.
    public static func generate(into directory: URL) throws -> [URL] {
        let handshakeURL = directory.appendingPathComponent("handshake/pqxdh.json")
        let contents: [(String, String)] = [
            ("identity/device-certificates.json", try IdentityVectors.certificates()),
            ("identity/device-lists.json", try IdentityVectors.deviceLists()),
            ("identity/safety-numbers.json", try IdentityVectors.safetyNumbers()),
            ("handshake/pqxdh.json", try HandshakeVectors.generate(committed: committedCiphertexts(at: handshakeURL))),
            ("ratchet/conversation.json", try RatchetVectors.generate()),
            ("envelope/certificates.json", try EnvelopeVectors.certificates()),
            ("envelope/sealed-envelopes.json", try EnvelopeVectors.sealedEnvelopes()),
            ("vault/key-hierarchy.json", try VaultVectors.generate()),
            ("content/content.json", try ContentVectors.generate()),
            ("devices/recovery-keys.json", try DeviceVectors.generate()),
            ("devices/provisioning.json", try LinkingVectors.provisioning()),
            ("devices/backups.json", try LinkingVectors.backups()),
        ]
        var written: [URL] = []
        for (path, text) in contents {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url, options: .atomic)
            written.append(url)
        }
        return written
    }

    /// The `kemCiphertext` of each test in the committed handshake file, by test id.
    static func committedCiphertexts(at url: URL) -> [Int: [UInt8]] {
        guard let data = try? Data(contentsOf: url), let file = try? VectorFile(data: data) else { return [:] }
        var ciphertexts: [Int: [UInt8]] = [:]
        for (_, test) in file.tests {
            if let ciphertext = try? test.fields.hex("kemCiphertext") { ciphertexts[test.id] = ciphertext }
        }
        return ciphertexts
    }
}
