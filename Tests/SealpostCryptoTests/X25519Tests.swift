import Testing
import SealpostCrypto

@Suite("X25519")
struct X25519Tests {
    @Test func bothSidesAgree() throws {
        let alice = X25519.PrivateKey.generate()
        let bob = X25519.PrivateKey.generate()
        let a = try alice.sharedSecret(with: bob.publicKey)
        let b = try bob.sharedSecret(with: alice.publicKey)
        #expect(a.constantTimeEquals(b))
        #expect(a.count == 32)
    }

    @Test func aKeyRoundTripsThroughItsRawForm() throws {
        let key = X25519.PrivateKey.generate()
        let restored = try X25519.PrivateKey(rawRepresentation: key.rawRepresentation)
        #expect(restored.publicKey == key.publicKey)
    }

    /// Low-order points (RFC 7748 §6.1: "check for the all-zero value") give `lowOrderPoint`.
    @Test(arguments: [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
        try! Hex.decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        try! Hex.decode("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    ])
    func lowOrderPointsAreRejected(point: [UInt8]) throws {
        let key = X25519.PrivateKey.generate()
        let error = #expect(throws: CryptoError.self) { _ = try key.sharedSecret(with: X25519.PublicKey(rawRepresentation: point)) }
        #expect(error?.code == .lowOrderPoint)
    }

    @Test(arguments: [0, 31, 33, 64])
    func wrongLengthsAreRejected(length: Int) {
        let error = #expect(throws: CryptoError.self) { _ = try X25519.PublicKey(rawRepresentation: [UInt8](repeating: 9, count: length)) }
        #expect(error?.code == .invalidLength)
        let privateError = #expect(throws: CryptoError.self) {
            _ = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: [UInt8](repeating: 9, count: length)))
        }
        #expect(privateError?.code == .invalidLength)
        #expect(error.map { String(describing: $0) } == "invalid length for X25519 public key: expected 32 bytes, got \(length)")
    }
}
