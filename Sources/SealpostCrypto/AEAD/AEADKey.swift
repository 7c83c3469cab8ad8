/// A 256-bit key for ``ChaCha20Poly1305`` or ``XChaCha20Poly1305``.
///
/// Secret: wiped on release, never printed, not `Equatable`.
public struct AEADKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Bytes in a key.
    public static let byteCount = 32

    let secret: SecretBytes

    /// Generates a random key.
    public static func generate() -> AEADKey {
        AEADKey(validated: SecretBytes.random(count: byteCount))
    }

    /// Uses `secret` (32 bytes, typically an HKDF output) as an AEAD key.
    /// - Throws: ``CryptoError/Code/invalidLength`` unless `secret` is 32 bytes.
    public init(_ secret: SecretBytes) throws {
        guard secret.count == Self.byteCount else {
            throw CryptoError.invalidLength("AEAD key", expected: Self.byteCount, got: secret.count)
        }
        self.secret = secret
    }

    init(validated secret: SecretBytes) {
        self.secret = secret
    }

    /// The key bytes, for storage in an encrypted vault.
    public var rawRepresentation: SecretBytes { secret }

    /// `AEADKey(redacted)`.
    public var description: String { "AEADKey(redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
