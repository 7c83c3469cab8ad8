/// The raw output of a key agreement (X25519) or a key encapsulation (ML-KEM).
///
/// A shared secret is not a key: it is input keying material for HKDF. It is secret, wiped on
/// release, never printed and compared only in constant time.
public struct SharedSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The raw bytes, to be used only as HKDF input keying material.
    public let secretBytes: SecretBytes

    init(bytes: SecretBytes) {
        self.secretBytes = bytes
    }

    /// The number of bytes (32 for X25519 and ML-KEM).
    public var count: Int { secretBytes.count }

    /// Whether two shared secrets are equal, compared in constant time.
    public func constantTimeEquals(_ other: SharedSecret) -> Bool {
        secretBytes.constantTimeEquals(other.secretBytes)
    }

    /// `SharedSecret(N bytes, redacted)`.
    public var description: String { "SharedSecret(\(count) bytes, redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
