import SealpostCrypto
import SealpostWire

/// A prekey bundle whose every signature, age and device-list entry has been checked against an
/// account key (`Spec/handshake.md`, "Bundle verification").
public struct VerifiedBundle: Sendable {
    /// The bundle.
    public let bundle: PrekeyBundle
    /// The device it belongs to.
    public let peer: PeerIdentity
    /// How the account key compares with the pin, and the pin to store.
    public let trust: AccountTrustCheck

    /// Verifies `bundle` for a device of `accountID`, in this order:
    /// 1. the device list's signature under `accountKey`, the pin (rollback, fork) and TOFU;
    /// 2. the device certificate's signature under `accountKey` and its account;
    /// 3. the certificate's device and key in the device list;
    /// 4. the signed prekey's and the ML-KEM prekey's signatures under the device key;
    /// 5. their ages: none created in the future (beyond ``Limits/clockSkew``), and the signed and
    ///    last-resort prekeys at most ``Limits/maximumPrekeyAge`` old.
    ///
    /// - Throws: ``HandshakeError``: a bad signature (of any object, or one made under another
    ///   label) is ``HandshakeError/authenticationFailed``; every other check has its own case.
    public init(
        _ bundle: PrekeyBundle, accountID: AccountID, accountKey: Ed25519.PublicKey, deviceList: DeviceList,
        pinned: AccountPin?, now: UInt64
    ) throws(HandshakeError) {
        let trust = try AccountTrustCheck(accountID: accountID, accountKey: accountKey, deviceList: deviceList, pinned: pinned)
        let certificate = bundle.certificate
        try wire { () throws(WireError) in try certificate.verify(accountKey: accountKey) }
        guard certificate.accountID == accountID else { throw .accountMismatch }
        try AccountTrustCheck.member(certificate, of: deviceList)
        try Self.checkCreation(certificate.createdAt, "device certificate", now: now)
        let deviceKey = certificate.deviceKey
        try wire { () throws(WireError) in try bundle.signedPrekey.verify(deviceKey: deviceKey) }
        try wire { () throws(WireError) in try bundle.kemPrekey.verify(deviceKey: deviceKey) }
        try Self.checkAge(bundle.signedPrekey.createdAt, "signed prekey", now: now)
        if bundle.kemPrekey.kind == .lastResort {
            try Self.checkAge(bundle.kemPrekey.createdAt, "last-resort KEM prekey", now: now)
        } else {
            try Self.checkCreation(bundle.kemPrekey.createdAt, "one-time KEM prekey", now: now)
        }
        self.bundle = bundle
        self.trust = trust
        self.peer = PeerIdentity(accountID: accountID, accountKey: accountKey, deviceID: certificate.deviceID, deviceKey: deviceKey)
    }

    static func checkCreation(_ createdAt: UInt64, _ kind: String, now: UInt64) throws(HandshakeError) {
        guard createdAt <= now + Limits.clockSkew else { throw .createdInTheFuture(kind: kind, createdAt: createdAt) }
    }

    static func checkAge(_ createdAt: UInt64, _ kind: String, now: UInt64) throws(HandshakeError) {
        try checkCreation(createdAt, kind, now: now)
        let age = now > createdAt ? now - createdAt : 0
        guard age <= Limits.maximumPrekeyAge else { throw .prekeyExpired(kind: kind, ageSeconds: age) }
    }
}
