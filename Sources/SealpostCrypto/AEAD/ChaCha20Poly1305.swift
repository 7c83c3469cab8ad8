/// ChaCha20-Poly1305 as specified in RFC 8439 (the IETF variant: 96-bit nonce, 128-bit tag),
/// through libsodium's `crypto_aead_chacha20poly1305_ietf_*`.
///
/// A 96-bit nonce is too short to draw at random for many messages under one key; use this
/// algorithm where the protocol derives nonces deterministically (HPKE), and
/// ``XChaCha20Poly1305`` with random nonces everywhere else.
public enum ChaCha20Poly1305 {
    /// Bytes in a nonce.
    public static let nonceByteCount = 12
    /// Bytes in the authentication tag appended to every ciphertext.
    public static let tagByteCount = 16

    /// A 96-bit nonce. Never use one twice under the same key.
    public struct Nonce: Sendable, Hashable {
        /// The 12 nonce bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps a 12-byte nonce.
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `rawRepresentation` is 12 bytes.
        public init(rawRepresentation: [UInt8]) throws {
            guard rawRepresentation.count == ChaCha20Poly1305.nonceByteCount else {
                throw CryptoError.invalidLength("ChaCha20-Poly1305 nonce", expected: ChaCha20Poly1305.nonceByteCount, got: rawRepresentation.count)
            }
            self.rawRepresentation = rawRepresentation
        }

        init(trusted rawRepresentation: [UInt8]) {
            self.rawRepresentation = rawRepresentation
        }
    }

    /// Encrypts and authenticates `plaintext`, and authenticates `associatedData`.
    /// - Returns: `ciphertext ‖ tag`, 16 bytes longer than `plaintext`.
    public static func seal(
        _ plaintext: [UInt8], using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) -> [UInt8] {
        AEADBackend.seal(.chacha20Poly1305IETF, plaintext, key.secret, nonce.rawRepresentation, associatedData)
    }

    /// Verifies and decrypts `ciphertext ‖ tag`.
    /// - Throws: ``CryptoError/Code/authenticationFailed`` if the tag does not verify under this
    ///   key, nonce and associated data, or if the input is shorter than a tag.
    public static func open(
        _ sealed: [UInt8], using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        try AEADBackend.open(.chacha20Poly1305IETF, sealed, key.secret, nonce.rawRepresentation, associatedData)
    }

    /// Encrypts secret bytes (a key being stored) without copying them into a public array.
    /// - Returns: `ciphertext ‖ tag`.
    public static func seal(
        secret plaintext: SecretBytes, using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) -> [UInt8] {
        AEADBackend.seal(.chacha20Poly1305IETF, plaintext, key.secret, nonce.rawRepresentation, associatedData)
    }

    /// Verifies and decrypts `ciphertext ‖ tag` straight into ``SecretBytes``, for secrets read
    /// back from storage.
    /// - Throws: ``CryptoError/Code/authenticationFailed``, as ``open(_:using:nonce:authenticating:)``.
    public static func openSecret(
        _ sealed: [UInt8], using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) throws -> SecretBytes {
        try AEADBackend.openSecret(.chacha20Poly1305IETF, sealed, key.secret, nonce.rawRepresentation, associatedData)
    }
}
