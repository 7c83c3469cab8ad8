import SealpostWire

/// Why a sealed envelope was refused (`Spec/envelope.md`, "Errors"), in the order the checks run.
///
/// - **Structural** checks, before any cryptography: ``malformed(_:)`` and
///   ``unknownEnvelopeKey(_:)``.
/// - **Cryptographic** failures, all one case: ``authenticationFailed`` (the HPKE part, a sender
///   certificate's signature, the content's commitment or tag).
/// - Checks on the **certificate chain**, made after the part decrypted: ``implausibleDeliveryTime(receivedAt:now:)``,
///   ``revokedServerKey(_:)``, ``unknownServerKey(_:)``, then (after the signature)
///   ``serverCertificateNotValid(keyID:receivedAt:)``, ``certificateExpired(expires:receivedAt:)``,
///   ``certificateLifetimeExceeded(expires:receivedAt:)``.
/// - Checks made **after the inner message authenticated** the sender: ``session(_:)`` for the
///   ratchet's own verdict (``SessionError/duplicate`` among them), ``senderMismatch``,
///   ``envelopeIDMismatch``, ``contentMismatch``, ``invalidContentKeyMessage(_:)``,
///   ``invalidPadding(_:)``.
///
/// A refused envelope changes no state: the session record that decrypted it is handed back only
/// with a successful result.
public enum EnvelopeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes do not parse (before decryption), or the decrypted part does not.
    case malformed(WireError)
    /// The envelope names an envelope key this device does not hold (never had, or deleted after
    /// its retention).
    case unknownEnvelopeKey(UInt32)
    /// A cryptographic check failed. Deliberately says no more.
    case authenticationFailed
    /// The relay's stamp is in the future, or older than anything the relay still keeps.
    case implausibleDeliveryTime(receivedAt: UInt64, now: UInt64)
    /// The sender certificate names a server key this device has no certificate for: fetch the
    /// operator's server certificates and try again.
    case unknownServerKey(UInt32)
    /// The sender certificate's server key was revoked by the operator root.
    case revokedServerKey(UInt32)
    /// The relay's stamp is outside the server key's validity window.
    case serverCertificateNotValid(keyID: UInt32, receivedAt: UInt64)
    /// The sender certificate had expired when the relay received the envelope.
    case certificateExpired(expires: UInt64, receivedAt: UInt64)
    /// The sender certificate expires later than ``Limits/senderCertificateLifetime`` after the
    /// relay received the envelope: no relay issues such a certificate.
    case certificateLifetimeExceeded(expires: UInt64, receivedAt: UInt64)
    /// The inner session message was refused by the session layer.
    case session(SessionError)
    /// The inner message authenticated a device other than the one the certificate names.
    case senderMismatch
    /// The inner message names another envelope id than the envelope.
    case envelopeIDMismatch
    /// The content is not the one the inner message commits to.
    case contentMismatch
    /// The inner message is not a content-key message.
    case invalidContentKeyMessage(WireError)
    /// Decrypted bytes are not padded as `Spec/envelope.md` requires.
    case invalidPadding(String)
    /// Sealing was asked for something the format cannot carry.
    case invalidInput(String)
    /// A recipient's envelope key is older than ``Limits/maximumEnvelopeKeyAge`` or created in the
    /// future: fetch the device's current one.
    case staleEnvelopeKey(UInt32)

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .malformed(let error): error.code
        case .unknownEnvelopeKey: "unknownEnvelopeKey"
        case .authenticationFailed: "authenticationFailed"
        case .implausibleDeliveryTime: "implausibleDeliveryTime"
        case .unknownServerKey: "unknownServerKey"
        case .revokedServerKey: "revokedServerKey"
        case .serverCertificateNotValid: "serverCertificateNotValid"
        case .certificateExpired: "certificateExpired"
        case .certificateLifetimeExceeded: "certificateLifetimeExceeded"
        case .session(let error): error.code
        case .senderMismatch: "senderMismatch"
        case .envelopeIDMismatch: "envelopeIDMismatch"
        case .contentMismatch: "contentMismatch"
        case .invalidContentKeyMessage: "invalidContentKeyMessage"
        case .invalidPadding: "invalidPadding"
        case .invalidInput: "invalidInput"
        case .staleEnvelopeKey: "staleEnvelopeKey"
        }
    }

    /// A sentence a person can act on; never secret bytes.
    public var description: String {
        switch self {
        case .malformed(let error): "malformed envelope: \(error)"
        case .unknownEnvelopeKey(let id): "no envelope key \(id) on this device"
        case .authenticationFailed: "authentication failed"
        case .implausibleDeliveryTime(let receivedAt, let now): "relay stamp \(receivedAt) is implausible at \(now)"
        case .unknownServerKey(let id): "unknown server key \(id): refresh the operator's server certificates"
        case .revokedServerKey(let id): "server key \(id) is revoked"
        case .serverCertificateNotValid(let id, let receivedAt): "server key \(id) was not valid at \(receivedAt)"
        case .certificateExpired(let expires, let receivedAt): "sender certificate expired at \(expires), received at \(receivedAt)"
        case .certificateLifetimeExceeded(let expires, let receivedAt): "sender certificate expiring at \(expires) is too long-lived for \(receivedAt)"
        case .session(let error): "inner message refused: \(error)"
        case .senderMismatch: "the inner message is not from the device the certificate names"
        case .envelopeIDMismatch: "the inner message names another envelope"
        case .contentMismatch: "the content is not the one the sender committed to"
        case .invalidContentKeyMessage(let error): "inner message is not a content key: \(error)"
        case .invalidPadding(let field): "\(field) is not padded correctly"
        case .invalidInput(let reason): "cannot seal: \(reason)"
        case .staleEnvelopeKey(let id): "envelope key \(id) is too old or not yet valid: fetch the current one"
        }
    }
}

/// Why the operator trust state refused a certificate or a revocation list.
public enum OperatorTrustError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The root key does not match the pinned fingerprint.
    case fingerprintMismatch
    /// A signature did not verify under the pinned root.
    case authenticationFailed
    /// A server key id already names another key.
    case conflictingServerKey(UInt32)
    /// The revocation list is older than the one already applied, or differs from it under the
    /// same sequence number.
    case revocationRollback(have: UInt64, got: UInt64)
    /// A certificate for a revoked server key.
    case revokedServerKey(UInt32)

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .fingerprintMismatch: "fingerprintMismatch"
        case .authenticationFailed: "authenticationFailed"
        case .conflictingServerKey: "conflictingServerKey"
        case .revocationRollback: "revocationRollback"
        case .revokedServerKey: "revokedServerKey"
        }
    }

    /// A sentence a person can act on.
    public var description: String {
        switch self {
        case .fingerprintMismatch: "the operator root key does not match the pinned fingerprint"
        case .authenticationFailed: "authentication failed"
        case .conflictingServerKey(let id): "server key id \(id) already names another key"
        case .revocationRollback(let have, let got): "revocation list \(got) does not replace list \(have)"
        case .revokedServerKey(let id): "server key \(id) is revoked"
        }
    }
}
