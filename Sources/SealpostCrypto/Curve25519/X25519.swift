/// X25519 key agreement (RFC 7748), through libsodium's `crypto_scalarmult`.
///
/// Sealpost rejects an agreement whose output is all zeros (the peer sent a low-order point), as
/// RFC 7748 §6.1 permits and Signal's protocols expect. Public keys are accepted as any 32 bytes:
/// the most significant bit is ignored and non-canonical encodings are reduced, as RFC 7748 §5
/// requires (`Spec/primitives.md` lists how each Wycheproof edge case is treated).
public enum X25519 {
    /// Bytes in a private key, a public key and a shared secret.
    public static let keyByteCount = 32

    /// An X25519 public key: 32 bytes, not secret.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The 32-byte encoding (RFC 7748 §5, little-endian u-coordinate).
        public let rawRepresentation: [UInt8]

        /// Wraps a 32-byte public key.
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `rawRepresentation` is 32 bytes.
        public init(rawRepresentation: [UInt8]) throws {
            guard rawRepresentation.count == X25519.keyByteCount else {
                throw CryptoError.invalidLength("X25519 public key", expected: X25519.keyByteCount, got: rawRepresentation.count)
            }
            self.rawRepresentation = rawRepresentation
        }

        init(trusted rawRepresentation: [UInt8]) {
            self.rawRepresentation = rawRepresentation
        }

        /// `X25519.PublicKey(<hex>)`: public keys may be printed.
        public var description: String { "X25519.PublicKey(\(Hex.encode(rawRepresentation)))" }
    }

    /// An X25519 private key. Secret: wiped on release, never printed, not `Equatable`.
    public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        let secret: SecretBytes
        /// The matching public key, computed once when the key is created.
        public let publicKey: PublicKey

        /// Generates a new random private key.
        public static func generate() -> PrivateKey {
            // libsodium's scalar multiplication clamps the scalar, so any 32 random bytes will do.
            PrivateKey(validated: SecretBytes.random(count: X25519.keyByteCount))
        }

        /// Uses `secret` (32 bytes) as a private key and computes its public key.
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `secret` is 32 bytes.
        public init(rawRepresentation secret: SecretBytes) throws {
            guard secret.count == X25519.keyByteCount else {
                throw CryptoError.invalidLength("X25519 private key", expected: X25519.keyByteCount, got: secret.count)
            }
            self.init(validated: secret)
        }

        init(validated secret: SecretBytes) {
            self.secret = secret
            self.publicKey = PublicKey(trusted: X25519Backend.publicKey(for: secret))
        }

        /// The 32 private-key bytes, for storage in an encrypted vault.
        public var rawRepresentation: SecretBytes { secret }

        /// Computes the shared secret with `peer`.
        ///
        /// - Returns: The raw 32-byte X25519 output. It is not a key: pass it through HKDF first.
        /// - Throws: ``CryptoError/Code/lowOrderPoint`` if the output is all zeros.
        public func sharedSecret(with peer: PublicKey) throws -> SharedSecret {
            try SharedSecret(bytes: X25519Backend.agree(secret, peer.rawRepresentation))
        }

        /// `X25519.PrivateKey(redacted)` followed by the public key.
        public var description: String { "X25519.PrivateKey(redacted, public: \(Hex.encode(publicKey.rawRepresentation)))" }
        /// Same as ``description``.
        public var debugDescription: String { description }
        /// A mirror that shows only the public key.
        public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
    }
}
