import SealpostCrypto
import SealpostWire

/// What a device trusts of its operator: the pinned root key, the server certificates it signed,
/// and its latest revocation list (`Spec/envelope.md`, "Operator trust chain").
///
/// The root stays offline and signs only server certificates and revocation lists; the relay
/// holds server keys, which sign sender certificates. Any server key whose certificate verifies,
/// is not revoked and was valid when the relay received an envelope is accepted, so old and new
/// server keys overlap freely during a rotation.
///
/// A value type: persist it (its certificates and list, in serialized form) after each change.
public struct OperatorTrust: Sendable {
    /// The pinned operator root key.
    public let rootKey: Ed25519.PublicKey
    /// Verified server certificates by key id.
    public private(set) var serverCertificates: [UInt32: ServerCertificate] = [:]
    /// The newest revocation list applied.
    public private(set) var revocationList: ServerKeyRevocationList?

    /// Pins `rootKey`.
    public init(rootKey: Ed25519.PublicKey) {
        self.rootKey = rootKey
    }

    /// Pins `rootKey` after checking it against the fingerprint the user was given
    /// (``fingerprint(of:)``, compared case-insensitively, ignoring spaces).
    /// - Throws: ``OperatorTrustError/fingerprintMismatch``.
    public init(rootKey: Ed25519.PublicKey, fingerprint: String) throws(OperatorTrustError) {
        let given = fingerprint.lowercased().filter { !$0.isWhitespace }
        guard SecretBytes(copying: Array(given.utf8)).constantTimeEquals(Array(Self.fingerprint(of: rootKey).utf8)) else { throw .fingerprintMismatch }
        self.rootKey = rootKey
    }

    /// The root's fingerprint: `SHA-256(Encode(root key))` in 64 lowercase hex digits. Operators
    /// publish it; clients pin it.
    public static func fingerprint(of rootKey: Ed25519.PublicKey) -> String {
        Hex.encode(SHA256.hash(KeyEncoding.encode(rootKey)))
    }

    /// Adds (or renews) a server certificate after checking the root's signature.
    ///
    /// A certificate for a key already held replaces the held one only if its window ends later
    /// (a renewal); an older certificate cannot shorten or stretch back what is held. An operator
    /// ends a key early by revoking it.
    /// - Throws: ``OperatorTrustError/authenticationFailed``; ``OperatorTrustError/revokedServerKey(_:)``;
    ///   ``OperatorTrustError/conflictingServerKey(_:)`` if the id names another key.
    public mutating func add(_ certificate: ServerCertificate) throws(OperatorTrustError) {
        do { try certificate.verify(rootKey: rootKey) } catch { throw .authenticationFailed }
        if revocationList?.revokes(certificate.keyID) == true { throw .revokedServerKey(certificate.keyID) }
        if let known = serverCertificates[certificate.keyID] {
            guard known.serverKey == certificate.serverKey else { throw .conflictingServerKey(certificate.keyID) }
            guard certificate.notAfter > known.notAfter else { return }
        }
        serverCertificates[certificate.keyID] = certificate
    }

    /// Applies a newer revocation list and forgets the certificates it revokes.
    /// - Throws: ``OperatorTrustError/authenticationFailed``; ``OperatorTrustError/revocationRollback(have:got:)``
    ///   for a list older than the current one, or another list under the same sequence.
    public mutating func apply(_ list: ServerKeyRevocationList) throws(OperatorTrustError) {
        do { try list.verify(rootKey: rootKey) } catch { throw .authenticationFailed }
        if let current = revocationList {
            if list.sequence < current.sequence || (list.sequence == current.sequence && list != current) {
                throw .revocationRollback(have: current.sequence, got: list.sequence)
            }
        }
        revocationList = list
        for id in list.revokedKeyIDs { serverCertificates[id] = nil }
    }

    /// Checks a sender certificate from an envelope the relay stamped `receivedAt`, on a device
    /// whose clock reads `now`.
    ///
    /// The certificate must have been valid when the relay received the envelope, not now: a
    /// device offline for weeks still accepts mail that was valid when sent. The stamp itself
    /// must be plausible: not after `now + clockSkew`, and not older than the relay keeps mail.
    /// - Throws: in this order, ``EnvelopeError/implausibleDeliveryTime(receivedAt:now:)`` (the
    ///   reader's clock or the stamp is wrong: keep the envelope and try again later, do not
    ///   acknowledge it), ``EnvelopeError/revokedServerKey(_:)``, ``EnvelopeError/unknownServerKey(_:)``,
    ///   ``EnvelopeError/authenticationFailed``, ``EnvelopeError/serverCertificateNotValid(keyID:receivedAt:)``,
    ///   ``EnvelopeError/certificateExpired(expires:receivedAt:)``,
    ///   ``EnvelopeError/certificateLifetimeExceeded(expires:receivedAt:)``.
    public func validate(_ certificate: SenderCertificate, receivedAt: UInt64, now: UInt64) throws(EnvelopeError) {
        guard receivedAt <= now.saturatingAdd(Limits.clockSkew),
            now <= receivedAt.saturatingAdd(Limits.relayRetention + Limits.clockSkew)
        else { throw .implausibleDeliveryTime(receivedAt: receivedAt, now: now) }
        let keyID = certificate.serverKeyID
        if revocationList?.revokes(keyID) == true { throw .revokedServerKey(keyID) }
        guard let server = serverCertificates[keyID] else { throw .unknownServerKey(keyID) }
        do { try certificate.verify(serverKey: server.serverKey) } catch { throw .authenticationFailed }
        let skew = Limits.certificateClockSkew
        guard receivedAt.saturatingAdd(skew) >= server.notBefore, receivedAt <= server.notAfter.saturatingAdd(skew) else {
            throw .serverCertificateNotValid(keyID: keyID, receivedAt: receivedAt)
        }
        guard receivedAt <= certificate.expires.saturatingAdd(skew) else {
            throw .certificateExpired(expires: certificate.expires, receivedAt: receivedAt)
        }
        // A certificate may not outlive the lifetime the relay issues: it would have been issued
        // after the envelope was received, or for longer than a day.
        guard certificate.expires <= receivedAt.saturatingAdd(Limits.senderCertificateLifetime + skew) else {
            throw .certificateLifetimeExceeded(expires: certificate.expires, receivedAt: receivedAt)
        }
    }

    /// Whether a device should fetch a new sender certificate before sending at `now`.
    public static func needsRefresh(_ certificate: SenderCertificate, now: UInt64) -> Bool {
        now.saturatingAdd(Limits.senderCertificateRefreshMargin) >= certificate.expires
    }
}
