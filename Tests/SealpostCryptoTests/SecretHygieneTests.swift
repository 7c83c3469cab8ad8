import Testing
@testable import SealpostCrypto

/// Secrets never print their bytes and are never compared with a plain `==`.
@Suite("Secret hygiene")
struct SecretHygieneTests {
    /// Every way Swift turns a value into text.
    static func renderings(of value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    /// Fails if any rendering of `value` contains `secret` in hex (either case) or as raw text.
    static func expectNoLeak(_ value: Any, of secret: SecretBytes, sourceLocation: SourceLocation = #_sourceLocation) {
        let hex = secret.withUnsafeBytes { Hex.encode($0) }
        let hexPrefix = String(hex.prefix(16))
        for text in renderings(of: value) {
            #expect(!text.lowercased().contains(hexPrefix), "\(text) leaks key bytes", sourceLocation: sourceLocation)
            #expect(text.contains("redacted"), "\(text) is not marked redacted", sourceLocation: sourceLocation)
        }
    }

    @Test func secretBytesPrintOnlyTheirLength() {
        let secret = SecretBytes(copying: Array(repeating: 0xAB, count: 32))
        Self.expectNoLeak(secret, of: secret)
        #expect(String(describing: secret) == "SecretBytes(32 bytes, redacted)")
        #expect(!String(describing: secret).contains("171"))  // 0xAB in decimal, as an array would print
    }

    @Test func privateKeysPrintNoKeyBytes() throws {
        let x = X25519.PrivateKey.generate()
        Self.expectNoLeak(x, of: x.rawRepresentation)
        let ed = Ed25519.PrivateKey.generate()
        Self.expectNoLeak(ed, of: ed.seed)
        let aead = AEADKey.generate()
        Self.expectNoLeak(aead, of: aead.rawRepresentation)
        let kem = MLKEM1024.PrivateKey.generate()
        Self.expectNoLeak(kem, of: kem.seed)
        let shared = try x.sharedSecret(with: X25519.PrivateKey.generate().publicKey)
        Self.expectNoLeak(shared, of: shared.secretBytes)
    }

    @Test func secretsAreNotEquatable() {
        let values: [Any] = [
            SecretBytes.random(count: 32), X25519.PrivateKey.generate(), Ed25519.PrivateKey.generate(),
            AEADKey.generate(), MLKEM768.PrivateKey.generate(),
        ]
        for value in values {
            #expect(!(value is any Equatable), "\(type(of: value)) must not offer ==")
            #expect(!(value is any Hashable), "\(type(of: value)) must not be hashable")
            #expect(!(value is any Encodable), "\(type(of: value)) must not be encodable")
        }
    }

    @Test func constantTimeComparison() {
        let a = SecretBytes(copying: [1, 2, 3, 4])
        #expect(a.constantTimeEquals(SecretBytes(copying: [1, 2, 3, 4])))
        #expect(!a.constantTimeEquals(SecretBytes(copying: [1, 2, 3, 5])))
        #expect(!a.constantTimeEquals(SecretBytes(copying: [1, 2, 3])))
        #expect(a.constantTimeEquals([1, 2, 3, 4]))
        #expect(SecretBytes(copying: []).constantTimeEquals([]))
    }

    @Test func concatenationAndSlicing() {
        let joined = SecretBytes(concatenating: [SecretBytes(copying: [1, 2]), SecretBytes(copying: []), SecretBytes(copying: [3])])
        #expect(joined.constantTimeEquals([1, 2, 3]))
        #expect(joined.slice(1..<3).constantTimeEquals([2, 3]))
        #expect(joined.prefix(0).count == 0)
    }

    @Test func randomSecretsDiffer() {
        #expect(!SecretBytes.random(count: 32).constantTimeEquals(SecretBytes.random(count: 32)))
    }

    @Test func aThrowingInitializerLeavesNothingBehind() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            _ = try SecretBytes(count: 8) { buffer in
                buffer.storeBytes(of: UInt64.max, as: UInt64.self)
                throw Boom()
            }
        }
    }

    @Test func errorsCarryNoSecretBytes() throws {
        let key = AEADKey.generate()
        let nonce = XChaCha20Poly1305.Nonce.random()
        let error = try #require(throws: CryptoError.self) {
            _ = try XChaCha20Poly1305.open([UInt8](repeating: 0, count: 40), using: key, nonce: nonce)
        }
        let text = String(describing: error)
        #expect(text == "authentication failed")
        let hex = key.rawRepresentation.withUnsafeBytes { Hex.encode($0) }
        #expect(!text.contains(String(hex.prefix(8))))
    }
}
