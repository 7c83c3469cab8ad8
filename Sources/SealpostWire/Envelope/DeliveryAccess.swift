import SealpostCrypto

/// A delivery access key: the 16-byte proof, shown to the relay with each sealed upload, that the
/// sender is a contact of the recipient account (`Spec/envelope.md`, "Delivery access keys").
///
/// Contacts derive it from the recipient's access secret, which the recipient shares with them
/// end to end; the relay stores only its ``DeliveryAccessVerifier``.
public struct DeliveryAccessKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Bytes in an access key.
    public static let byteCount = 16

    let secret: SecretBytes

    /// Wraps 16 secret bytes.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for any other length.
    public init(_ secret: SecretBytes) throws(WireError) {
        guard secret.count == Self.byteCount else { throw .invalidValue(field: "access key", reason: "must be \(Self.byteCount) bytes") }
        self.secret = secret
    }

    /// The key's bytes, for the upload.
    public var rawRepresentation: SecretBytes { secret }

    /// `SHA-256("sealpost/access-verifier/v1" ‖ key)`: what the relay stores.
    public var verifier: DeliveryAccessVerifier {
        var input = Array("sealpost/access-verifier/v1".utf8)
        secret.withUnsafeBytes { input.append(contentsOf: $0) }
        defer { _ = SecretBytes(wiping: &input) }
        return DeliveryAccessVerifier(unchecked: SHA256.hash(input))
    }

    /// Redacted.
    public var description: String { "DeliveryAccessKey(redacted)" }
    /// Redacted.
    public var debugDescription: String { description }
    /// No children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// What the relay stores for an account's current access key: a SHA-256 of it. It compares a
/// presented key's verifier in constant time.
public struct DeliveryAccessVerifier: Sendable, Hashable {
    /// Bytes in a verifier.
    public static let byteCount = 32

    /// The 32 bytes.
    public let rawRepresentation: [UInt8]

    /// Wraps 32 bytes (from the relay's store or an upload).
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for any other length.
    public init(rawRepresentation: [UInt8]) throws(WireError) {
        guard rawRepresentation.count == Self.byteCount else { throw .invalidValue(field: "access verifier", reason: "must be 32 bytes") }
        self.rawRepresentation = rawRepresentation
    }

    init(unchecked bytes: [UInt8]) { rawRepresentation = bytes }

    /// Whether `key` is the key this verifies, compared in constant time.
    public func admits(_ key: DeliveryAccessKey) -> Bool {
        SecretBytes(copying: rawRepresentation).constantTimeEquals(key.verifier.rawRepresentation)
    }
}

/// How an upload's recipient entry proves that the sender may write to the recipient.
public enum DeliveryAccess: Sendable {
    /// No proof: accepted only for a recipient whose setting lets anyone write, or on an identified
    /// (authenticated) upload.
    case none
    /// The recipient account's current access key.
    case key(DeliveryAccessKey)
}
