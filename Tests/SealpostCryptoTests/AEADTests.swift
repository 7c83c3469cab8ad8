import Testing
import SealpostCrypto

@Suite("ChaCha20-Poly1305 and XChaCha20-Poly1305")
struct AEADTests {
    @Test(arguments: [0, 1, 15, 16, 17, 1024, 65_536])
    func roundTrip(length: Int) throws {
        let key = AEADKey.generate()
        let message = SecureRandom.bytes(count: length)
        let aad = SecureRandom.bytes(count: length % 37)

        let xnonce = XChaCha20Poly1305.Nonce.random()
        let xsealed = XChaCha20Poly1305.seal(message, using: key, nonce: xnonce, authenticating: aad)
        #expect(xsealed.count == length + XChaCha20Poly1305.tagByteCount)
        #expect(try XChaCha20Poly1305.open(xsealed, using: key, nonce: xnonce, authenticating: aad) == message)

        let nonce = try ChaCha20Poly1305.Nonce(rawRepresentation: SecureRandom.bytes(count: 12))
        let sealed = ChaCha20Poly1305.seal(message, using: key, nonce: nonce, authenticating: aad)
        #expect(sealed.count == length + ChaCha20Poly1305.tagByteCount)
        #expect(try ChaCha20Poly1305.open(sealed, using: key, nonce: nonce, authenticating: aad) == message)
    }

    /// Flipping any single bit of `ciphertext ‖ tag` fails authentication.
    @Test func everyBitFlipIsDetected() throws {
        let key = AEADKey.generate()
        let nonce = XChaCha20Poly1305.Nonce.random()
        let sealed = XChaCha20Poly1305.seal(Array("attack at dawn".utf8), using: key, nonce: nonce, authenticating: [7])
        for index in sealed.indices {
            for bit in 0..<8 {
                var tampered = sealed
                tampered[index] ^= UInt8(1) << bit
                #expect(throws: CryptoError.authenticationFailed) {
                    try XChaCha20Poly1305.open(tampered, using: key, nonce: nonce, authenticating: [7])
                }
            }
        }
    }

    @Test func wrongKeyNonceOrAssociatedDataFails() throws {
        let key = AEADKey.generate()
        let nonce = XChaCha20Poly1305.Nonce.random()
        let sealed = XChaCha20Poly1305.seal([1, 2, 3], using: key, nonce: nonce, authenticating: [9])
        #expect(throws: CryptoError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, using: .generate(), nonce: nonce, authenticating: [9]) }
        #expect(throws: CryptoError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, using: key, nonce: .random(), authenticating: [9]) }
        #expect(throws: CryptoError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, using: key, nonce: nonce, authenticating: [8]) }
        #expect(throws: CryptoError.authenticationFailed) { try XChaCha20Poly1305.open(sealed, using: key, nonce: nonce) }
        #expect(throws: CryptoError.authenticationFailed) { try XChaCha20Poly1305.open(Array(sealed.dropLast()), using: key, nonce: nonce, authenticating: [9]) }
    }

    @Test(arguments: [0, 1, 15])
    func inputsShorterThanATagFailAuthentication(length: Int) {
        #expect(throws: CryptoError.authenticationFailed) {
            try XChaCha20Poly1305.open([UInt8](repeating: 0, count: length), using: .generate(), nonce: .random())
        }
        #expect(throws: CryptoError.authenticationFailed) {
            try ChaCha20Poly1305.open([UInt8](repeating: 0, count: length), using: .generate(), nonce: .init(rawRepresentation: [UInt8](repeating: 0, count: 12)))
        }
    }

    @Test func lengthsAreChecked() {
        #expect(throws: CryptoError.self) { try AEADKey(SecretBytes.random(count: 31)) }
        #expect(throws: CryptoError.self) { try AEADKey(SecretBytes.random(count: 33)) }
        #expect(throws: CryptoError.self) { try XChaCha20Poly1305.Nonce(rawRepresentation: [UInt8](repeating: 0, count: 12)) }
        #expect(throws: CryptoError.self) { try ChaCha20Poly1305.Nonce(rawRepresentation: [UInt8](repeating: 0, count: 24)) }
    }

    @Test func randomNoncesDiffer() {
        #expect(XChaCha20Poly1305.Nonce.random() != XChaCha20Poly1305.Nonce.random())
    }
}

extension AEADTests {
    @Test func secretsRoundTripWithoutPublicCopies() throws {
        let key = AEADKey.generate()
        let stored = SecretBytes.random(count: 64)
        let nonce = XChaCha20Poly1305.Nonce.random()
        let sealed = XChaCha20Poly1305.seal(secret: stored, using: key, nonce: nonce, authenticating: [1])
        #expect(try XChaCha20Poly1305.openSecret(sealed, using: key, nonce: nonce, authenticating: [1]).constantTimeEquals(stored))
        #expect(throws: CryptoError.authenticationFailed) { try XChaCha20Poly1305.openSecret(sealed, using: key, nonce: nonce) }
        let empty = ChaCha20Poly1305.seal(secret: SecretBytes(copying: []), using: key, nonce: try .init(rawRepresentation: [UInt8](repeating: 1, count: 12)))
        #expect(try ChaCha20Poly1305.openSecret(empty, using: key, nonce: .init(rawRepresentation: [UInt8](repeating: 1, count: 12))).count == 0)
    }
}
