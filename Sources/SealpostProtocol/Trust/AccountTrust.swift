import SealpostCrypto
import SealpostWire

/// What this device has pinned for another account: its account key on first use, and the
/// newest device list it has seen.
public struct AccountPin: Sendable, Hashable {
    /// The account.
    public let accountID: AccountID
    /// The account key trusted on first use (or after the user accepted a change).
    public let accountKey: Ed25519.PublicKey
    /// The newest device list version seen.
    public let deviceListVersion: UInt64
    /// SHA-256 of that list's encoding, to tell a fork (same version, other content) from a repeat.
    public let deviceListDigest: [UInt8]

    /// A pin.
    public init(accountID: AccountID, accountKey: Ed25519.PublicKey, deviceListVersion: UInt64, deviceListDigest: [UInt8]) {
        self.accountID = accountID
        self.accountKey = accountKey
        self.deviceListVersion = deviceListVersion
        self.deviceListDigest = deviceListDigest
    }
}

/// How an account key compares with what was pinned. A client must show ``changed(previous:)``
/// to the user (and, for a verified contact, block until they accept it).
public enum TrustDecision: Sendable, Hashable {
    /// No key was pinned: trusted on first use.
    case firstUse
    /// The pinned key.
    case unchanged
    /// Another key than the pinned one: the account was re-registered, or someone is in the
    /// middle. Never accepted silently.
    case changed(previous: Ed25519.PublicKey)
}

/// Checks an account's device list against its account key and the pin, and says how the pin
/// moves. Pure: the caller stores ``AccountTrustCheck/pin`` when it commits.
public struct AccountTrustCheck: Sendable {
    /// How the account key compares with the pin.
    public let decision: TrustDecision
    /// The pin to store once the caller commits.
    public let pin: AccountPin

    /// Verifies `deviceList` under `accountKey` and compares both with `pinned`.
    ///
    /// - Throws: ``HandshakeError/authenticationFailed`` for a bad signature;
    ///   ``HandshakeError/accountMismatch`` for a list of another account;
    ///   ``HandshakeError/deviceListRolledBack(pinned:got:)`` for an older version under the
    ///   pinned key; ``HandshakeError/deviceListConflict(version:)`` for another list with the
    ///   pinned version.
    public init(accountID: AccountID, accountKey: Ed25519.PublicKey, deviceList: DeviceList, pinned: AccountPin?) throws(HandshakeError) {
        guard deviceList.accountID == accountID else { throw .accountMismatch }
        try wire { () throws(WireError) in try deviceList.verify(accountKey: accountKey) }
        if let pinned {
            guard pinned.accountID == accountID else { throw .accountMismatch }
        }
        let digest = SHA256.hash(deviceList.serialized())
        let decision: TrustDecision
        switch pinned {
        case nil:
            decision = .firstUse
        case let pinned? where pinned.accountKey == accountKey:
            decision = .unchanged
            if deviceList.listVersion < pinned.deviceListVersion {
                throw .deviceListRolledBack(pinned: pinned.deviceListVersion, got: deviceList.listVersion)
            }
            if deviceList.listVersion == pinned.deviceListVersion, digest != pinned.deviceListDigest {
                throw .deviceListConflict(version: deviceList.listVersion)
            }
        case let pinned?:
            // A new account key starts a new history of device lists: versions are not compared.
            decision = .changed(previous: pinned.accountKey)
        }
        self.decision = decision
        self.pin = AccountPin(accountID: accountID, accountKey: accountKey, deviceListVersion: deviceList.listVersion, deviceListDigest: digest)
    }

    /// The listed device with `certificate`'s id and key, or why there is none.
    static func member(_ certificate: DeviceCertificate, of list: DeviceList) throws(HandshakeError) {
        guard let entry = list.device(certificate.deviceID) else { throw .deviceNotInList(certificate.deviceID) }
        guard entry.deviceKey == certificate.deviceKey else { throw .deviceKeyMismatch(certificate.deviceID) }
    }
}
