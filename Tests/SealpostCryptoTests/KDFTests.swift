import Testing
import SealpostCrypto

@Suite("SHA-2, HMAC, HKDF and Argon2id")
struct KDFTests {
    @Test func hmacAcceptsKeysOfAnyLength() {
        let message: [UInt8] = Array("message".utf8)
        for length in [0, 1, 31, 32, 33, 64, 65, 200] {
            let key = SecretBytes(copying: [UInt8](repeating: 0x42, count: length))
            let tag = HMACSHA256.authenticationCode(for: message, using: key)
            #expect(tag.count == 32)
            let bytes = tag.withUnsafeBytes { Array($0) }
            #expect(HMACSHA256.isValidAuthenticationCode(bytes, for: message, using: key))
        }
    }

    /// RFC 2104: a key longer than the 64-byte block is replaced by its hash.
    @Test func aLongKeyEqualsItsHash() {
        let long = [UInt8](repeating: 7, count: 100)
        let a = HMACSHA256.authenticationCode(for: [1], using: SecretBytes(copying: long))
        let b = HMACSHA256.authenticationCode(for: [1], using: SecretBytes(copying: SHA256.hash(long)))
        #expect(a.constantTimeEquals(b))
    }

    @Test func partsEqualTheirConcatenation() {
        let key = SecretBytes.random(count: 32)
        let whole = HMACSHA256.authenticationCode(for: [1, 2, 3, 4], using: key)
        let parts = HMACSHA256.authenticationCode(forConcatenationOf: [[1], [], [2, 3], [4]], using: key)
        #expect(whole.constantTimeEquals(parts))
    }

    @Test func truncatedTagsHaveAFloor() {
        let key = SecretBytes.random(count: 32)
        let tag = HMACSHA256.authenticationCode(for: [5], using: key).withUnsafeBytes { Array($0) }
        #expect(HMACSHA256.isValidAuthenticationCode(Array(tag.prefix(16)), for: [5], using: key))
        #expect(!HMACSHA256.isValidAuthenticationCode(Array(tag.prefix(15)), for: [5], using: key))
        #expect(!HMACSHA256.isValidAuthenticationCode([], for: [5], using: key))
        #expect(!HMACSHA256.isValidAuthenticationCode(tag + [0], for: [5], using: key))
        var wrong = tag
        wrong[31] ^= 1
        #expect(!HMACSHA256.isValidAuthenticationCode(wrong, for: [5], using: key))
    }

    @Test func hkdfLimits() throws {
        let ikm = SecretBytes.random(count: 32)
        #expect(try HKDFSHA256.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 8160).count == 8160)
        #expect(try HKDFSHA256.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 0).count == 0)
        let tooLong = #expect(throws: CryptoError.self) { try HKDFSHA256.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: 8161) }
        #expect(tooLong?.code == .outputTooLong)
        let negative = #expect(throws: CryptoError.self) { try HKDFSHA256.deriveKey(inputKeyMaterial: ikm, salt: [], info: [], outputByteCount: -1) }
        #expect(negative?.code == .invalidParameters)
        let shortPRK = #expect(throws: CryptoError.self) { try HKDFSHA256.expand(pseudoRandomKey: .random(count: 31), info: [], outputByteCount: 32) }
        #expect(shortPRK?.code == .invalidLength)
    }

    /// Expand's output is a prefix of a longer expand with the same inputs (RFC 5869 §2.3).
    @Test func hkdfOutputsArePrefixes() throws {
        let prk = SecretBytes.random(count: 32)
        let long = try HKDFSHA256.expand(pseudoRandomKey: prk, info: [1, 2], outputByteCount: 100)
        for length in [1, 31, 32, 33, 64, 65] {
            let short = try HKDFSHA256.expand(pseudoRandomKey: prk, info: [1, 2], outputByteCount: length)
            #expect(short.constantTimeEquals(long.prefix(length)))
        }
    }

    @Test func emptySaltMeansZeroSalt() {
        let ikm = SecretBytes.random(count: 32)
        let a = HKDFSHA256.extract(salt: [], inputKeyMaterial: ikm)
        let b = HKDFSHA256.extract(salt: [UInt8](repeating: 0, count: 32), inputKeyMaterial: ikm)
        #expect(a.constantTimeEquals(b))
    }

    static let fast = try! Argon2id.Parameters(iterations: 1, memoryBytes: 8 * 1024)

    @Test func argon2idIsDeterministicAndSaltDependent() throws {
        let password = SecretBytes(copying: Array("correct horse battery staple".utf8))
        let salt = [UInt8](repeating: 1, count: 16)
        let a = try Argon2id.deriveKey(password: password, salt: salt, parameters: Self.fast, outputByteCount: 32)
        let b = try Argon2id.deriveKey(password: password, salt: salt, parameters: Self.fast, outputByteCount: 32)
        let c = try Argon2id.deriveKey(password: password, salt: [UInt8](repeating: 2, count: 16), parameters: Self.fast, outputByteCount: 32)
        #expect(a.constantTimeEquals(b))
        #expect(!a.constantTimeEquals(c))
        #expect(try Argon2id.deriveKey(password: SecretBytes(copying: []), salt: salt, parameters: Self.fast, outputByteCount: 16).count == 16)
    }

    @Test func argon2idBoundsAreEnforced() {
        let password = SecretBytes(copying: [1])
        #expect(throws: CryptoError.self) { try Argon2id.Parameters(iterations: 0, memoryBytes: 65_536) }
        #expect(throws: CryptoError.self) { try Argon2id.Parameters(iterations: 17, memoryBytes: 65_536) }
        #expect(throws: CryptoError.self) { try Argon2id.Parameters(iterations: 1, memoryBytes: 4096) }
        #expect(throws: CryptoError.self) { try Argon2id.Parameters(iterations: 1, memoryBytes: 10_000) }
        #expect(throws: CryptoError.self) { try Argon2id.Parameters(iterations: 1, memoryBytes: (1 << 30) + 1024) }
        let salt = #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: password, salt: [1, 2, 3], parameters: Self.fast, outputByteCount: 32)
        }
        #expect(salt?.code == .invalidLength)
        let output = #expect(throws: CryptoError.self) {
            try Argon2id.deriveKey(password: password, salt: [UInt8](repeating: 0, count: 16), parameters: Self.fast, outputByteCount: 15)
        }
        #expect(output?.code == .invalidParameters)
        #expect(Argon2id.Parameters.interactive.description == "Argon2id(t=2, m=65536 KiB, p=1)")
    }

    @Test func shaDigestSizes() {
        #expect(SHA256.hash([]).count == 32)
        #expect(SHA512.hash([1, 2, 3]).count == 64)
    }
}
