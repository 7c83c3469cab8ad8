/// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03: 192-bit nonce, 128-bit tag), through
/// libsodium's `crypto_aead_xchacha20poly1305_ietf_*`.
///
/// The 192-bit nonce is long enough to draw at random for every message (``Nonce/random()``),
/// which is how Sealpost uses it: a state restored from a backup behind the protocol's back
/// still never repeats a key and nonce pair.
public enum XChaCha20Poly1305 {
    /// Bytes in a nonce.
    public static let nonceByteCount = 24
    /// Bytes in the authentication tag appended to every ciphertext.
    public static let tagByteCount = 16

    /// A 192-bit nonce.
    public struct Nonce: Sendable, Hashable {
        /// The 24 nonce bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps a 24-byte nonce.
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `rawRepresentation` is 24 bytes.
        public init(rawRepresentation: [UInt8]) throws {
            guard rawRepresentation.count == XChaCha20Poly1305.nonceByteCount else {
                throw CryptoError.invalidLength("XChaCha20-Poly1305 nonce", expected: XChaCha20Poly1305.nonceByteCount, got: rawRepresentation.count)
            }
            self.rawRepresentation = rawRepresentation
        }

        /// A fresh random nonce from the system generator.
        public static func random() -> Nonce {
            Nonce(trusted: SecureRandom.bytes(count: XChaCha20Poly1305.nonceByteCount))
        }

        private init(trusted rawRepresentation: [UInt8]) {
            self.rawRepresentation = rawRepresentation
        }
    }

    /// Encrypts and authenticates `plaintext`, and authenticates `associatedData`.
    /// - Returns: `ciphertext ‖ tag`, 16 bytes longer than `plaintext`.
    public static func seal(
        _ plaintext: [UInt8], using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) -> [UInt8] {
        AEADBackend.seal(.xchacha20Poly1305IETF, plaintext, key.secret, nonce.rawRepresentation, associatedData)
    }

    /// Verifies and decrypts `ciphertext ‖ tag`.
    /// - Throws: ``CryptoError/Code/authenticationFailed`` if the tag does not verify under this
    ///   key, nonce and associated data, or if the input is shorter than a tag.
    public static func open(
        _ sealed: [UInt8], using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) throws -> [UInt8] {
        try AEADBackend.open(.xchacha20Poly1305IETF, sealed, key.secret, nonce.rawRepresentation, associatedData)
    }

    /// Encrypts secret bytes (a key being stored) without copying them into a public array.
    /// - Returns: `ciphertext ‖ tag`.
    public static func seal(
        secret plaintext: SecretBytes, using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) -> [UInt8] {
        AEADBackend.seal(.xchacha20Poly1305IETF, plaintext, key.secret, nonce.rawRepresentation, associatedData)
    }

    /// Verifies and decrypts `ciphertext ‖ tag` straight into ``SecretBytes``, for secrets read
    /// back from storage.
    /// - Throws: ``CryptoError/Code/authenticationFailed``, as ``open(_:using:nonce:authenticating:)``.
    public static func openSecret(
        _ sealed: [UInt8], using key: AEADKey, nonce: Nonce, authenticating associatedData: [UInt8] = []
    ) throws -> SecretBytes {
        try AEADBackend.openSecret(.xchacha20Poly1305IETF, sealed, key.secret, nonce.rawRepresentation, associatedData)
    }
}
