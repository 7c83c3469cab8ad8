import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// The steps registration, linking and restoring share when they make a device.
extension SealpostClient {
    /// A fresh device of `account`: its device key, certificate under the account key, and the
    /// identity its vault stores (with the account key: every device holds it).
    static func newDevice(
        account: AccountID, accountKey: Ed25519.PrivateKey, id: DeviceID, now: UInt64
    ) throws(ClientError) -> (stored: StoredIdentity, entry: DeviceList.Entry) {
        let deviceKey = Ed25519.PrivateKey.generate()
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: account, deviceID: id, deviceKey: deviceKey.publicKey, createdAt: now)
        let identity = try checked("identity") {
            try DeviceIdentity(accountID: account, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        }
        let stored = try inVault { () throws(VaultError) in try StoredIdentity(identity: identity, accountKey: accountKey) }
        return (stored, DeviceList.Entry(deviceID: id, deviceKey: deviceKey.publicKey))
    }

    /// The id after every listed and revoked one: removed ids are never reused.
    static func nextDeviceID(after list: DeviceList) throws(ClientError) -> DeviceID {
        let highest = (list.devices.map(\.deviceID.value) + list.revoked.map(\.value)).max() ?? 0
        let (next, overflow) = highest.addingReportingOverflow(1)
        guard !overflow else { throw .invalidData("the account's device list uses every device id") }
        return try checked("device id") { try DeviceID(next) }
    }

    /// What a device pins for its own account after a list is signed.
    static func ownPin(_ list: DeviceList, accountKey: Ed25519.PublicKey) -> AccountPin {
        AccountPin(accountID: list.accountID, accountKey: accountKey, deviceListVersion: list.listVersion, deviceListDigest: SHA256.hash(list.serialized()))
    }

    /// Commits a new device's identity, profile and own contact (verified, named with the
    /// account's user name) to its vault — before anything that depends on them is registered.
    /// With an `archive` (a linked or restored device), its contacts and history are stored in
    /// the same transaction.
    static func commitNewDevice(_ stored: StoredIdentity, profile: ClientProfile, list: DeviceList, archive: AccountArchive? = nil, to vault: Vault) throws(ClientError) {
        let accountKey = stored.identity.accountKey
        let own = try inVault { () throws(VaultError) in
            try Contact(pin: ownPin(list, accountKey: accountKey), deviceList: list, verifiedAccountKey: accountKey, name: profile.userName)
        }
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                try tx.putIdentity(stored)
                try tx.put(profile.serialized(), table: VaultTables.identity, id: ClientProfile.recordID)
                try tx.putContact(own)
                if let archive { try tx.importArchive(archive) }
            }
        }
    }

    /// Registers a committed new device with its list (`PUT /v1/devices`, signed by its own key)
    /// and finishes its registration (access settings, keys, the user name if `claiming`).
    /// Returns its client.
    static func registerCommitted(
        _ stored: StoredIdentity, vault: Vault, profile: ClientProfile, list: DeviceList, api: RelayAPI, now: UInt64, claiming name: UserName?,
        clock: @escaping @Sendable () -> UInt64
    ) async throws(ClientError) -> SealpostClient {
        try await api.registerDevice(DeviceRegistration.sign(
            deviceList: list, certificate: stored.identity.certificate, credential: profile.credential, time: now, origin: profile.endpoint.origin,
            deviceKey: stored.identity.deviceKey))
        let client = try SealpostClient(vault: vault, profile: profile, stored: stored, clock: clock)
        try await client.finishRegistration(claiming: name)
        return client
    }

    /// After the device is registered: the account's access settings (a new access secret's
    /// verifier), the device's keys, and the user name if one is claimed.
    func finishRegistration(claiming name: UserName?) async throws(ClientError) {
        let accessKey = try checked("access key") { try profile.accessSecret.accessKey(for: address.accountID) }
        try await api.setAccess(AccessSettings(anyoneMayWrite: true, verifier: accessKey.verifier), authorization: authorization)
        try await maintainKeys()
        if let name { try await api.setUserName(name, authorization: authorization) }
    }
}
