import Testing
import SealpostCrypto

@Suite("ML-KEM")
struct MLKEMTests {
    @Test func roundTrip768() throws {
        let key = MLKEM768.PrivateKey.generate()
        let (shared, ciphertext) = key.publicKey.encapsulate()
        #expect(ciphertext.count == 1088)
        #expect(key.publicKey.rawRepresentation.count == 1184)
        #expect(try key.decapsulate(ciphertext).constantTimeEquals(shared))
    }

    @Test func roundTrip1024() throws {
        let key = MLKEM1024.PrivateKey.generate()
        let (shared, ciphertext) = key.publicKey.encapsulate()
        #expect(ciphertext.count == 1568)
        #expect(try key.decapsulate(ciphertext).constantTimeEquals(shared))
        let parsed = try MLKEM1024.PublicKey(rawRepresentation: key.publicKey.rawRepresentation)
        #expect(parsed == key.publicKey)
    }

    @Test func theSeedRestoresTheKey() throws {
        let key = MLKEM1024.PrivateKey.generate()
        let restored = try MLKEM1024.PrivateKey(seed: key.seed)
        #expect(restored.publicKey == key.publicKey)
        let (shared, ciphertext) = key.publicKey.encapsulate()
        #expect(try restored.decapsulate(ciphertext).constantTimeEquals(shared))
    }

    /// Implicit rejection: a tampered ciphertext decapsulates to a different, stable secret.
    @Test func aTamperedCiphertextGivesAnotherSecret() throws {
        let key = MLKEM1024.PrivateKey.generate()
        var (shared, ciphertext) = key.publicKey.encapsulate()
        ciphertext[100] ^= 0x04
        let rejected = try key.decapsulate(ciphertext)
        #expect(!rejected.constantTimeEquals(shared))
        #expect(try key.decapsulate(ciphertext).constantTimeEquals(rejected))
        _ = shared
    }

    @Test(arguments: [0, 1087, 1089, 1568])
    func wrongCiphertextLengthsAreRejected768(length: Int) {
        let key = MLKEM768.PrivateKey.generate()
        let error = #expect(throws: CryptoError.self) { _ = try key.decapsulate([UInt8](repeating: 0, count: length)) }
        #expect(error?.code == .invalidLength)
    }

    @Test func wrongSeedAndKeyLengthsAreRejected() {
        #expect(throws: CryptoError.self) { _ = try MLKEM1024.PrivateKey(seed: .random(count: 32)) }
        #expect(throws: CryptoError.self) { _ = try MLKEM1024.PrivateKey(seed: .random(count: 65)) }
        #expect(throws: CryptoError.self) { _ = try MLKEM1024.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 1184)) }
        #expect(throws: CryptoError.self) { _ = try MLKEM768.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 1568)) }
    }

    /// FIPS 203 §7.2: every 12-bit coefficient of the key must be below q = 3329.
    @Test func unreducedCoefficientsAreRejected() {
        let error = #expect(throws: CryptoError.self) {
            _ = try MLKEM1024.PublicKey(rawRepresentation: [UInt8](repeating: 0xFF, count: 1568))
        }
        #expect(error?.code == .invalidPublicKey)
    }
}
