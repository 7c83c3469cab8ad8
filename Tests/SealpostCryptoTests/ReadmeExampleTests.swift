import Foundation
import Testing
import SealpostCrypto

/// The README's example, compiled and run here; a second test checks that the README still shows
/// exactly these lines, so the example cannot rot.
@Suite("README example")
struct ReadmeExampleTests {
    @Test func theExampleRuns() throws {
        // README-EXAMPLE-BEGIN
        let alice = X25519.PrivateKey.generate()
        let bob = X25519.PrivateKey.generate()
        let shared = try alice.sharedSecret(with: bob.publicKey)

        // A raw shared secret is not a key: derive one with HKDF and a versioned label.
        let key = try AEADKey(HKDFSHA256.deriveKey(
            inputKeyMaterial: shared.secretBytes, salt: [],
            info: Array("sealpost/example/v1".utf8), outputByteCount: 32))

        let nonce = XChaCha20Poly1305.Nonce.random()
        let sealed = XChaCha20Poly1305.seal(Array("hello".utf8), using: key, nonce: nonce)
        let opened = try XChaCha20Poly1305.open(sealed, using: key, nonce: nonce)
        print(key)  // AEADKey(redacted)
        // README-EXAMPLE-END
        #expect(opened == Array("hello".utf8))
        #expect(String(describing: key) == "AEADKey(redacted)")
    }

    @Test func theReadmeShowsThisExample() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        guard let begin = lines.firstIndex(where: { $0.contains("README-EXAMPLE-" + "BEGIN") }),
              let end = lines.firstIndex(where: { $0.contains("README-EXAMPLE-" + "END") })
        else {
            Issue.record("example markers not found")
            return
        }
        let example = lines[(begin + 1)..<end].map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : $0 }
        let readmeURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let readme = try String(contentsOf: readmeURL, encoding: .utf8)
        #expect(readme.contains(example.joined(separator: "\n")), "README.md no longer shows the example of \(#fileID)")
    }
}
