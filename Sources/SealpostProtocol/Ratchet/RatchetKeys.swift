import SealpostCrypto

/// The Double Ratchet's key derivations, pinned (`Spec/ratchet.md`, "Key derivation").
enum RatchetKDF {
    /// HKDF info of the root step.
    static let rootInfo = Array("sealpost/ratchet/root/v1".utf8)
    /// HKDF info that turns a message key into an AEAD key.
    static let messageKeyInfo = Array("sealpost/ratchet/message-key/v1".utf8)

    /// `KDF_RK(rk, dh_out)`: HKDF-SHA-256 with `rk` as the salt and the DH output as input key
    /// material; 64 bytes: the new root key, then the new chain key.
    static func root(_ rootKey: SecretBytes, _ dhOutput: SharedSecret) -> (root: SecretBytes, chain: SecretBytes) {
        // 64 bytes is far below HKDF's limit: this cannot fail.
        guard let output = try? HKDFSHA256.deriveKey(inputKeyMaterial: dhOutput.secretBytes, salt: rootKey, info: rootInfo, outputByteCount: 64) else {
            preconditionFailure("HKDF cannot fail for 64 bytes")
        }
        return (output.slice(0..<32), output.slice(32..<64))
    }

    /// `KDF_CK(ck)`: message key = HMAC-SHA-256(ck, 0x01), next chain key = HMAC-SHA-256(ck, 0x02).
    static func chain(_ chainKey: SecretBytes) -> (messageKey: SecretBytes, next: SecretBytes) {
        (HMACSHA256.authenticationCode(for: [0x01], using: chainKey), HMACSHA256.authenticationCode(for: [0x02], using: chainKey))
    }

    /// The XChaCha20-Poly1305 key of a message key: HKDF-SHA-256, zero salt, its own info, 32 bytes.
    static func aeadKey(_ messageKey: SecretBytes) -> AEADKey {
        guard let bytes = try? HKDFSHA256.deriveKey(inputKeyMaterial: messageKey, salt: [], info: messageKeyInfo, outputByteCount: 32),
              let key = try? AEADKey(bytes)
        else { preconditionFailure("HKDF cannot fail for 32 bytes") }
        return key
    }
}

/// Where a session's random values come from: new ratchet keys and message nonces. Production
/// uses ``SystemRatchetRandomness``; vectors replay recorded values.
public protocol RatchetRandomness {
    /// A new ratchet key pair.
    mutating func ratchetKey() -> X25519.PrivateKey
    /// A fresh nonce.
    mutating func nonce() -> XChaCha20Poly1305.Nonce
}

/// The system generator (libsodium).
public struct SystemRatchetRandomness: RatchetRandomness {
    /// The system generator.
    public init() {}
    /// A new X25519 key.
    public mutating func ratchetKey() -> X25519.PrivateKey { .generate() }
    /// A random 24-byte nonce.
    public mutating func nonce() -> XChaCha20Poly1305.Nonce { .random() }
}

/// Recorded ratchet keys and nonces, replayed in order (vectors only: `package` access).
package struct RecordedRatchetRandomness: RatchetRandomness {
    var ratchetKeys: [X25519.PrivateKey]
    var nonces: [XChaCha20Poly1305.Nonce]
    /// How many of each were taken.
    package private(set) var ratchetKeysUsed = 0
    package private(set) var noncesUsed = 0

    package init(ratchetKeys: [X25519.PrivateKey], nonces: [XChaCha20Poly1305.Nonce]) {
        self.ratchetKeys = ratchetKeys
        self.nonces = nonces
    }

    /// Set when a value was asked for past the recorded ones: the vector is incomplete, and a
    /// checker must report it rather than trust the result (a fresh random value was used).
    package private(set) var exhausted = false

    package mutating func ratchetKey() -> X25519.PrivateKey {
        defer { ratchetKeysUsed += 1 }
        guard ratchetKeysUsed < ratchetKeys.count else { exhausted = true; return .generate() }
        return ratchetKeys[ratchetKeysUsed]
    }

    package mutating func nonce() -> XChaCha20Poly1305.Nonce {
        defer { noncesUsed += 1 }
        guard noncesUsed < nonces.count else { exhausted = true; return .random() }
        return nonces[noncesUsed]
    }
}
