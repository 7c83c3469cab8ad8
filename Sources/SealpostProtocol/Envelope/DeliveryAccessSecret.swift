import SealpostCrypto
import SealpostWire

/// The secret from which contacts derive an account's delivery access key (`Spec/envelope.md`,
/// "Delivery access keys"). The account shares it with its contacts inside messages and gives
/// the relay only the verifier of the key derived from it; to block someone, it draws a new
/// secret, registers the new verifier and shares the secret again with every remaining contact.
public struct DeliveryAccessSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Bytes in the secret.
    public static let byteCount = 32
    let secret: SecretBytes

    /// A fresh secret.
    public static func generate() -> DeliveryAccessSecret {
        DeliveryAccessSecret(unchecked: .random(count: byteCount))
    }

    /// Wraps 32 secret bytes (received from a contact, or from storage).
    /// - Throws: ``EnvelopeError/invalidInput(_:)`` for any other length.
    public init(_ secret: SecretBytes) throws(EnvelopeError) {
        guard secret.count == Self.byteCount else { throw .invalidInput("an access secret is 32 bytes") }
        self.secret = secret
    }

    private init(unchecked secret: SecretBytes) { self.secret = secret }

    /// The secret's bytes, to share with a contact inside a message.
    public var rawRepresentation: SecretBytes { secret }

    /// `HKDF-SHA256(salt = "", ikm = secret, info = "sealpost/access-key/v1" ‖ account id, 16)`:
    /// the key senders show for `accountID`.
    /// - Throws: ``EnvelopeError/invalidInput(_:)`` only if HKDF refused its fixed parameters,
    ///   which it cannot.
    public func accessKey(for accountID: AccountID) throws(EnvelopeError) -> DeliveryAccessKey {
        do {
            let okm = try HKDFSHA256.deriveKey(
                inputKeyMaterial: secret, salt: [], info: Array("sealpost/access-key/v1".utf8) + accountID.rawRepresentation,
                outputByteCount: DeliveryAccessKey.byteCount)
            return try DeliveryAccessKey(okm)
        } catch {
            throw .invalidInput("access key derivation: \(error)")
        }
    }

    /// Redacted.
    public var description: String { "DeliveryAccessSecret(redacted)" }
    /// Redacted.
    public var debugDescription: String { description }
    /// No children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
