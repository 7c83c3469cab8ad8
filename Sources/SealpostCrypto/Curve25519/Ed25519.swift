/// Ed25519 signatures (RFC 8032), through libsodium's `crypto_sign_*`.
///
/// The public API signs and verifies only within a ``SignatureDomain``; raw RFC 8032 signing,
/// needed by known-answer tests, has `package` access: only this package's vector checkers and tests
/// can call it. Verification is libsodium's:
/// it rejects non-canonical `S` (malleable signatures), non-canonical and small-order public keys
/// and small-order `R`; `Spec/primitives.md` records how this meets Wycheproof's verdicts.
public enum Ed25519 {
    /// Bytes in a public key and in a private-key seed.
    public static let keyByteCount = 32
    /// Bytes in a signature.
    public static let signatureByteCount = 64

    /// An Ed25519 public key: 32 bytes, not secret.
    public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
        /// The 32-byte encoding (RFC 8032 §5.1.2).
        public let rawRepresentation: [UInt8]

        /// Wraps a 32-byte public key. Whether it decodes to a usable point is checked when it is
        /// used (`verify`, ``x25519PublicKey()``).
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `rawRepresentation` is 32 bytes.
        public init(rawRepresentation: [UInt8]) throws {
            guard rawRepresentation.count == Ed25519.keyByteCount else {
                throw CryptoError.invalidLength("Ed25519 public key", expected: Ed25519.keyByteCount, got: rawRepresentation.count)
            }
            self.rawRepresentation = rawRepresentation
        }

        init(trusted rawRepresentation: [UInt8]) {
            self.rawRepresentation = rawRepresentation
        }

        /// Verifies `signature` over `message` in `domain`.
        /// - Throws: ``CryptoError/Code/authenticationFailed`` if it does not verify, for any reason.
        public func verify(_ signature: Signature, for message: [UInt8], in domain: SignatureDomain) throws {
            guard isValidSignature(signature, for: message, in: domain) else { throw CryptoError.authenticationFailed }
        }

        /// Whether `signature` over `message` in `domain` verifies.
        public func isValidSignature(_ signature: Signature, for message: [UInt8], in domain: SignatureDomain) -> Bool {
            Ed25519Backend.verify(signature.rawRepresentation, domain.signedBytes(for: message), rawRepresentation)
        }

        /// The X25519 public key for the same key pair (the birational map, libsodium's
        /// `crypto_sign_ed25519_pk_to_curve25519`). The map sends `A` and `-A` to the same key, so
        /// never identify a key by this form. It costs more than an X25519 agreement: cache it.
        /// - Throws: ``CryptoError/Code/invalidPublicKey`` if the key does not decode or has small order.
        public func x25519PublicKey() throws -> X25519.PublicKey {
            try X25519.PublicKey(trusted: Ed25519Backend.convertPublicKey(rawRepresentation))
        }

        /// `Ed25519.PublicKey(<hex>)`.
        public var description: String { "Ed25519.PublicKey(\(Hex.encode(rawRepresentation)))" }
    }

    /// An Ed25519 signature: 64 bytes.
    public struct Signature: Sendable, Hashable {
        /// `R ‖ S`, 64 bytes.
        public let rawRepresentation: [UInt8]

        /// Wraps a 64-byte signature.
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `rawRepresentation` is 64 bytes.
        public init(rawRepresentation: [UInt8]) throws {
            guard rawRepresentation.count == Ed25519.signatureByteCount else {
                throw CryptoError.invalidLength("Ed25519 signature", expected: Ed25519.signatureByteCount, got: rawRepresentation.count)
            }
            self.rawRepresentation = rawRepresentation
        }

        init(trusted rawRepresentation: [UInt8]) {
            self.rawRepresentation = rawRepresentation
        }
    }

    /// An Ed25519 private key. Secret: wiped on release, never printed, not `Equatable`.
    public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// libsodium's 64-byte secret key: `seed ‖ public key`.
        let expanded: SecretBytes
        /// The matching public key.
        public let publicKey: PublicKey

        /// Generates a new random key pair.
        public static func generate() -> PrivateKey {
            PrivateKey(validatedSeed: SecretBytes.random(count: Ed25519.keyByteCount))
        }

        /// Derives the key pair from its 32-byte seed (RFC 8032's private key).
        /// - Throws: ``CryptoError/Code/invalidLength`` unless `seed` is 32 bytes.
        public init(seed: SecretBytes) throws {
            guard seed.count == Ed25519.keyByteCount else {
                throw CryptoError.invalidLength("Ed25519 private key seed", expected: Ed25519.keyByteCount, got: seed.count)
            }
            self.init(validatedSeed: seed)
        }

        init(validatedSeed seed: SecretBytes) {
            let (expanded, publicKey) = Ed25519Backend.keyPair(seed: seed)
            self.expanded = expanded
            self.publicKey = PublicKey(trusted: publicKey)
        }

        /// The 32-byte seed, for storage in an encrypted vault.
        public var seed: SecretBytes { expanded.prefix(Ed25519.keyByteCount) }

        /// Signs `message` in `domain`: the signature covers `u8(len(label)) ‖ label ‖ message`.
        public func signature(for message: [UInt8], in domain: SignatureDomain) -> Signature {
            Signature(trusted: Ed25519Backend.sign(domain.signedBytes(for: message), expanded))
        }

        /// The X25519 private key for the same key pair (`crypto_sign_ed25519_sk_to_curve25519`).
        /// Its public key equals ``PublicKey/x25519PublicKey()`` of ``publicKey``.
        public func x25519PrivateKey() -> X25519.PrivateKey {
            X25519.PrivateKey(validated: Ed25519Backend.convertPrivateKey(expanded))
        }

        /// `Ed25519.PrivateKey(redacted)` followed by the public key.
        public var description: String { "Ed25519.PrivateKey(redacted, public: \(Hex.encode(publicKey.rawRepresentation)))" }
        /// Same as ``description``.
        public var debugDescription: String { description }
        /// A mirror that shows only the public key.
        public var customMirror: Mirror { Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct) }
    }
}

// MARK: - Raw RFC 8032 signatures, for known-answer tests only

extension Ed25519.PrivateKey {
    /// Signs `message` exactly as RFC 8032 does, with no domain label.
    ///
    /// Only for known-answer tests: every Sealpost signature is made in a ``SignatureDomain``.
    package func rawSignature(for message: [UInt8]) -> Ed25519.Signature {
        Ed25519.Signature(trusted: Ed25519Backend.sign(message, expanded))
    }
}

extension Ed25519.PublicKey {
    /// Verifies a signature made exactly as RFC 8032 does, with no domain label.
    ///
    /// Only for known-answer tests: every Sealpost signature is made in a ``SignatureDomain``.
    package func isValidRawSignature(_ signature: Ed25519.Signature, for message: [UInt8]) -> Bool {
        Ed25519Backend.verify(signature.rawRepresentation, message, rawRepresentation)
    }
}
