import SealpostCrypto
import SealpostWire

/// This device's identity: who it is, and the private key it proves it with.
///
/// The device identity key signs prekeys and takes part in the handshake's DHs through its X25519
/// form, which is computed once here because the conversion costs more than a DH.
public struct DeviceIdentity: Sendable {
    /// The account.
    public let accountID: AccountID
    /// The account's public key (the account private key need not be on this device).
    public let accountKey: Ed25519.PublicKey
    /// This device's certificate from the account key.
    public let certificate: DeviceCertificate
    /// This device's identity private key.
    public let deviceKey: Ed25519.PrivateKey
    /// Its X25519 form, for the handshake's DHs.
    let deviceDHKey: X25519.PrivateKey

    /// The device's number.
    public var deviceID: DeviceID { certificate.deviceID }

    /// Assembles an identity and checks that its parts belong together.
    /// - Throws: ``HandshakeError/authenticationFailed`` if the certificate is not the account
    ///   key's; ``HandshakeError/accountMismatch`` or ``HandshakeError/deviceKeyMismatch(_:)`` if
    ///   it names another account or key.
    public init(accountID: AccountID, accountKey: Ed25519.PublicKey, certificate: DeviceCertificate, deviceKey: Ed25519.PrivateKey) throws(HandshakeError) {
        try wire { () throws(WireError) in try certificate.verify(accountKey: accountKey) }
        guard certificate.accountID == accountID else { throw .accountMismatch }
        guard certificate.deviceKey == deviceKey.publicKey else { throw .deviceKeyMismatch(certificate.deviceID) }
        self.accountID = accountID
        self.accountKey = accountKey
        self.certificate = certificate
        self.deviceKey = deviceKey
        self.deviceDHKey = deviceKey.x25519PrivateKey()
    }
}

/// Another device, as a handshake established it: every field checked against a certificate
/// signed by the account key and the account's signed device list.
public struct PeerIdentity: Sendable, Hashable {
    /// The account.
    public let accountID: AccountID
    /// The account key.
    public let accountKey: Ed25519.PublicKey
    /// The device.
    public let deviceID: DeviceID
    /// The device identity key.
    public let deviceKey: Ed25519.PublicKey

    /// A peer from its parts, for vectors and storage (`package` access: elsewhere a peer comes
    /// only from a verified handshake).
    package init(accountID: AccountID, accountKey: Ed25519.PublicKey, deviceID: DeviceID, deviceKey: Ed25519.PublicKey) {
        self.accountID = accountID
        self.accountKey = accountKey
        self.deviceID = deviceID
        self.deviceKey = deviceKey
    }
}
