import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// An account with devices, prekeys and a signed device list, for the tests.
struct TestAccount {
    let accountID = AccountID.random()
    let accountKey = Ed25519.PrivateKey.generate()
    var devices: [TestDevice] = []
    var listVersion: UInt64 = 1

    static let now: UInt64 = 1_790_000_000

    init(deviceCount: Int = 1, now: UInt64 = TestAccount.now) {
        for index in 1...deviceCount {
            devices.append(TestDevice(account: self, deviceID: try! DeviceID(UInt32(index)), now: now))
        }
    }

    var deviceList: DeviceList {
        try! DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: listVersion, issuedAt: Self.now,
            devices: devices.map { .init(deviceID: $0.identity.deviceID, deviceKey: $0.identity.deviceKey.publicKey) }, revoked: [])
    }

    func list(version: UInt64, devices: [TestDevice], revoked: [DeviceID] = []) -> DeviceList {
        try! DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: version, issuedAt: Self.now,
            devices: devices.map { .init(deviceID: $0.identity.deviceID, deviceKey: $0.identity.deviceKey.publicKey) }, revoked: revoked)
    }
}

/// One device: its identity and its prekey store.
struct TestDevice {
    let identity: DeviceIdentity
    var prekeys: PrekeyStore

    init(account: TestAccount, deviceID: DeviceID, now: UInt64) {
        let deviceKey = Ed25519.PrivateKey.generate()
        let certificate = DeviceCertificate.issue(
            accountKey: account.accountKey, accountID: account.accountID, deviceID: deviceID, deviceKey: deviceKey.publicKey, createdAt: now)
        identity = try! DeviceIdentity(accountID: account.accountID, accountKey: account.accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        prekeys = PrekeyStore()
        _ = prekeys.maintain(now: now, identity: identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
    }

    /// A bundle as the relay would hand it out: a one-time KEM key if asked and one is left.
    func bundle(oneTime: Bool = true, oneTimeKEM: Bool = true) -> PrekeyBundle {
        let signed = prekeys.signedPrekey(id: prekeys.currentSignedPrekeyID!)!.published
        let kem: KEMPrekey
        if oneTimeKEM, let id = prekeys.oneTimeKEMPrekeyIDs.first {
            kem = prekeys.kemPrekey(id: id)!.published
        } else {
            kem = prekeys.kemPrekey(id: prekeys.currentLastResortKEMPrekeyID!)!.published
        }
        let opk = oneTime ? prekeys.oneTimePrekeyIDs.first.map { prekeys.oneTimePrekey(id: $0)!.published } : nil
        return PrekeyBundle(certificate: identity.certificate, signedPrekey: signed, kemPrekey: kem, oneTimePrekey: opk)
    }
}
