import SealpostCrypto

/// What a completed handshake hands the Double Ratchet: the first root key, the first chain key,
/// and the associated data every message of the session authenticates (`Spec/handshake.md`,
/// "Key derivation"). Secret: redacted, never `Equatable`.
public struct HandshakeSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Bytes 0..<32 of the session output: the ratchet's first root key.
    public let rootKey: SecretBytes
    /// Bytes 32..<64: the responder's first sending chain key, under the ratchet key `SPK_B`.
    public let chainKey: SecretBytes
    /// `AD`, 172 bytes: both sides' account keys, device keys, account ids and device ids.
    public let associatedData: [UInt8]
    /// SHA-256 of the handshake transcript, bound into every derivation.
    public let transcriptHash: [UInt8]

    /// Whether two secrets are the same, compared in constant time (tests, vector checks).
    public func constantTimeEquals(_ other: HandshakeSecret) -> Bool {
        rootKey.constantTimeEquals(other.rootKey) && chainKey.constantTimeEquals(other.chainKey)
            && associatedData == other.associatedData && transcriptHash == other.transcriptHash
    }

    /// `HandshakeSecret(redacted)`.
    public var description: String { "HandshakeSecret(redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Where a handshake's random values come from. Production uses ``SystemHandshakeRandomness``;
/// vector generation and checking replay recorded values.
public protocol HandshakeRandomness {
    /// A fresh ephemeral key `EK_A`.
    mutating func ephemeralKey() -> X25519.PrivateKey
    /// `(SS, CT) = PQKEM-ENC(key)`.
    mutating func encapsulate(to key: MLKEM1024.PublicKey) -> (sharedSecret: SharedSecret, ciphertext: [UInt8])
}

/// Fresh randomness from the system (libsodium; ML-KEM inside swift-crypto).
public struct SystemHandshakeRandomness: HandshakeRandomness {
    /// The system generator.
    public init() {}
    /// A new X25519 key.
    public mutating func ephemeralKey() -> X25519.PrivateKey { .generate() }
    /// A fresh encapsulation.
    public mutating func encapsulate(to key: MLKEM1024.PublicKey) -> (sharedSecret: SharedSecret, ciphertext: [UInt8]) {
        key.encapsulate()
    }
}

/// Recorded values, for vectors only (`package` access: no app can start a real handshake with
/// a replayed ephemeral key).
package struct RecordedHandshakeRandomness: HandshakeRandomness {
    let ephemeral: X25519.PrivateKey
    let kemSharedSecret: SharedSecret
    let kemCiphertext: [UInt8]

    package init(ephemeral: X25519.PrivateKey, kemSharedSecret: SharedSecret, kemCiphertext: [UInt8]) {
        self.ephemeral = ephemeral
        self.kemSharedSecret = kemSharedSecret
        self.kemCiphertext = kemCiphertext
    }

    package mutating func ephemeralKey() -> X25519.PrivateKey { ephemeral }
    package mutating func encapsulate(to key: MLKEM1024.PublicKey) -> (sharedSecret: SharedSecret, ciphertext: [UInt8]) {
        (kemSharedSecret, kemCiphertext)
    }
}
