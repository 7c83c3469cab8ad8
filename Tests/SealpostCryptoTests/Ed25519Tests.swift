import Testing
import SealpostCrypto

@Suite("Ed25519 and signature domains")
struct Ed25519Tests {
    static let certificates = SignatureDomain("sealpost/test-certificate/v1")
    static let lists = SignatureDomain("sealpost/test-list/v1")

    @Test func signAndVerifyInADomain() throws {
        let key = Ed25519.PrivateKey.generate()
        let message: [UInt8] = Array("hello".utf8)
        let signature = key.signature(for: message, in: Self.certificates)
        try key.publicKey.verify(signature, for: message, in: Self.certificates)
        #expect(key.publicKey.isValidSignature(signature, for: message, in: Self.certificates))
    }

    @Test func aSignatureForOnePurposeNeverVerifiesForAnother() {
        let key = Ed25519.PrivateKey.generate()
        let message: [UInt8] = [1, 2, 3]
        let signature = key.signature(for: message, in: Self.certificates)
        #expect(!key.publicKey.isValidSignature(signature, for: message, in: Self.lists))
        #expect(!key.publicKey.isValidRawSignature(signature, for: message))
        let raw = key.rawSignature(for: message)
        #expect(!key.publicKey.isValidSignature(raw, for: message, in: Self.certificates))
    }

    @Test func theSignedBytesAreLengthPrefixedLabelThenMessage() {
        let domain = SignatureDomain("ab")
        #expect(domain.signedBytes(for: [9]) == [2, 0x61, 0x62, 9])
        let key = Ed25519.PrivateKey.generate()
        let signature = key.signature(for: [9], in: domain)
        #expect(key.publicKey.isValidRawSignature(signature, for: [2, 0x61, 0x62, 9]))
    }

    @Test func labelsAreValidated() {
        #expect(throws: CryptoError.self) { try SignatureDomain(validating: "") }
        #expect(throws: CryptoError.self) { try SignatureDomain(validating: "has space") }
        #expect(throws: CryptoError.self) { try SignatureDomain(validating: String(repeating: "a", count: 256)) }
        #expect(throws: CryptoError.self) { try SignatureDomain(validating: "ünicode") }
        #expect((try? SignatureDomain(validating: String(repeating: "a", count: 255))) != nil)
    }

    @Test func aTamperedSignatureOrMessageFails() throws {
        let key = Ed25519.PrivateKey.generate()
        let message: [UInt8] = Array(0..<40)
        let signature = key.signature(for: message, in: Self.lists)
        for index in [0, 31, 32, 63] {
            var bytes = signature.rawRepresentation
            bytes[index] ^= 0x01
            let error = #expect(throws: CryptoError.self) {
                try key.publicKey.verify(Ed25519.Signature(rawRepresentation: bytes), for: message, in: Self.lists)
            }
            #expect(error?.code == .authenticationFailed)
        }
        var changed = message
        changed[7] ^= 0x80
        #expect(!key.publicKey.isValidSignature(signature, for: changed, in: Self.lists))
        #expect(!Ed25519.PrivateKey.generate().publicKey.isValidSignature(signature, for: message, in: Self.lists))
    }

    @Test(arguments: [0, 63, 65])
    func wrongSignatureLengthsAreRejected(length: Int) {
        let error = #expect(throws: CryptoError.self) { _ = try Ed25519.Signature(rawRepresentation: [UInt8](repeating: 0, count: length)) }
        #expect(error?.code == .invalidLength)
    }

    @Test func theSeedRestoresTheKey() throws {
        let key = Ed25519.PrivateKey.generate()
        let restored = try Ed25519.PrivateKey(seed: key.seed)
        #expect(restored.publicKey == key.publicKey)
        #expect(throws: CryptoError.self) { _ = try Ed25519.PrivateKey(seed: SecretBytes.random(count: 31)) }
    }

    /// The converted key pair agrees: DH with converted keys matches from both sides.
    @Test func conversionToX25519IsConsistent() throws {
        let alice = Ed25519.PrivateKey.generate()
        let bob = Ed25519.PrivateKey.generate()
        let aliceX = alice.x25519PrivateKey()
        #expect(aliceX.publicKey == (try alice.publicKey.x25519PublicKey()))
        let one = try aliceX.sharedSecret(with: try bob.publicKey.x25519PublicKey())
        let two = try bob.x25519PrivateKey().sharedSecret(with: try alice.publicKey.x25519PublicKey())
        #expect(one.constantTimeEquals(two))
    }

    /// A point that does not decode, and a small-order point, cannot be converted.
    @Test(arguments: [
        [UInt8](repeating: 0xFF, count: 32),  // y ≥ p: not canonical
        [1] + [UInt8](repeating: 0, count: 31),  // the identity: small order
    ])
    func badPublicKeysDoNotConvert(bytes: [UInt8]) throws {
        let key = try Ed25519.PublicKey(rawRepresentation: bytes)
        let error = #expect(throws: CryptoError.self) { _ = try key.x25519PublicKey() }
        #expect(error?.code == .invalidPublicKey)
    }
}

extension Ed25519Tests {
    /// libsodium rejects small-order public keys outright: no signature verifies under them.
    @Test func smallOrderPublicKeysVerifyNothing() throws {
        let identity = try Ed25519.PublicKey(rawRepresentation: [1] + [UInt8](repeating: 0, count: 31))
        // With A the identity, R = [S]B for any S satisfies the cofactorless equation; libsodium
        // must still refuse because A has small order.
        let signer = Ed25519.PrivateKey.generate()
        let signature = signer.rawSignature(for: [])
        #expect(!identity.isValidRawSignature(signature, for: []))
        #expect(!identity.isValidRawSignature(try Ed25519.Signature(rawRepresentation: [UInt8](repeating: 0, count: 64)), for: []))
    }
}
