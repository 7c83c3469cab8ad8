import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

extension SealpostClient {
    /// Adds a device to this account with the account key this device holds, and registers it
    /// at the relay from `vault` (the new device's own, empty vault). Returns the new device's
    /// client.
    ///
    /// Both devices are in this process: the caller has already moved the new device's vault
    /// where it belongs, or is a test. Linking a device on another machine — the provisioning
    /// code, the short authentication string and the encrypted channel — is `Spec/devices.md`'s
    /// (planned); it ends in this same step. The new device gets the account key, the relay
    /// profile and the account's access secret; contacts and history are not copied.
    public func linkDevice(vault newVault: Vault) async throws(ClientError) -> SealpostClient {
        let client = try await serialized { () async throws(ClientError) in try await linkDeviceAlone(vault: newVault) }
        try await client.maintainKeys()
        return client
    }

    func linkDeviceAlone(vault newVault: Vault) async throws(ClientError) -> SealpostClient {
        guard let accountKey = stored.accountKey else { throw .invalidData("this device does not hold the account key") }
        guard try inVault({ () throws(VaultError) in try newVault.identity() }) == nil else { throw .alreadyRegistered }
        let now = clock()
        let account = address.accountID
        let current = try await trustedDevices(of: account, now: now, refresh: true)
        let device = try Self.newDevice(account: account, accountKey: accountKey, id: try Self.nextDeviceID(after: current.deviceList), now: now)
        let list = try checked("device list") {
            try DeviceList.sign(
                accountKey: accountKey, accountID: account, listVersion: current.deviceList.listVersion + 1, issuedAt: now,
                devices: current.deviceList.devices + [device.entry], revoked: current.deviceList.revoked)
        }
        let newProfile = ClientProfile(
            endpoint: profile.endpoint, rootFingerprint: profile.rootFingerprint, operatorInfo: profile.operatorInfo, credential: .random(count: 32),
            accessSecret: profile.accessSecret, userName: profile.userName)
        try Self.commitNewDevice(device.stored, profile: newProfile, list: list, to: newVault)
        try await api.registerDevice(DeviceRegistration.sign(
            deviceList: list, certificate: device.stored.identity.certificate, credential: newProfile.credential, time: now,
            origin: profile.endpoint.origin, deviceKey: device.stored.identity.deviceKey))
        // This device's pin of its own account moves to the new list.
        try moveOwnPin(to: list)
        return try SealpostClient(vault: newVault, profile: newProfile, stored: device.stored, clock: clock)
    }
}

extension SealpostClient {
    /// Removes a device of this account — another one, or this device itself (unlinking) — with
    /// the account key this device holds: a device list one version newer without it (and naming
    /// it as revoked) is signed and registered at the relay by this device, which deletes the
    /// removed device's mailbox and keys; senders then get a stale-device answer and stop
    /// encrypting to it (`Spec/devices.md`, "Unlinking and revocation"). A device that unlinked
    /// itself keeps its vault (its history stays readable) but can no longer reach the relay.
    public func removeDevice(_ deviceID: DeviceID) async throws(ClientError) {
        try await serialized { () async throws(ClientError) in try await removeDeviceAlone(deviceID) }
    }

    func removeDeviceAlone(_ deviceID: DeviceID) async throws(ClientError) {
        guard let accountKey = stored.accountKey else { throw .invalidData("this device does not hold the account key") }
        let now = clock()
        let account = address.accountID
        let current = try await trustedDevices(of: account, now: now, refresh: true)
        guard current.deviceList.device(deviceID) != nil else { throw .invalidData("device \(deviceID) is not in the account's list") }
        let list = try checked("device list") {
            try DeviceList.sign(
                accountKey: accountKey, accountID: account, listVersion: current.deviceList.listVersion + 1, issuedAt: now,
                devices: current.deviceList.devices.filter { $0.deviceID != deviceID },
                revoked: (current.deviceList.revoked + [deviceID]).sorted { $0.value < $1.value })
        }
        try await api.registerDevice(DeviceRegistration.sign(
            deviceList: list, certificate: stored.identity.certificate, credential: profile.credential, time: now, origin: profile.endpoint.origin,
            deviceKey: stored.identity.deviceKey))
        try moveOwnPin(to: list)
    }

    /// Unlinks this device from its account (``removeDevice(_:)`` of its own id).
    public func unlink() async throws(ClientError) {
        try await removeDevice(address.deviceID)
    }

    /// This device's own contact takes the list it just registered; the directory is read again.
    func moveOwnPin(to list: DeviceList) throws(ClientError) {
        let pin = Self.ownPin(list, accountKey: stored.identity.accountKey)
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                guard var own = try tx.contact(for: list.accountID) else { return }
                own.pin = pin
                own.deviceList = list
                try tx.putContact(own)
            }
        }
        directory[list.accountID] = nil
        verifiedAnswers[list.accountID] = nil
    }
}

extension SealpostClient {
    /// The account key as a recovery key the user writes down (`Spec/devices.md`, "Recovery
    /// key"): with it, and no device, the account is restored on a new device.
    public func recoveryKey() throws(ClientError) -> RecoveryKey {
        guard let accountKey = stored.accountKey else { throw .invalidData("this device does not hold the account key") }
        return RecoveryKey(accountID: address.accountID, accountKey: accountKey)
    }

    /// Restores an account on a **new device** from its recovery key, into `vault` (empty): the
    /// account key must be the one the relay registered the account with; the new device gets
    /// the next device id and a device list one version newer — without the account's other
    /// devices if `removingOtherDevices` (they were lost), with them otherwise. It never clones
    /// an old device: no ratchet rolls back, and conversations continue through fresh handshakes.
    ///
    /// The account's delivery access secret is not in the recovery key: the new device draws a
    /// new one and registers its verifier; contacts learn it from its next message, and until
    /// then their sealed sends fall back to no access key (the account accepts anyone).
    public static func restore(
        vault: Vault, endpoint: RelayEndpoint, rootFingerprint: String, recoveryKey: RecoveryKey, userName: String? = nil,
        removingOtherDevices: Bool, clock: @escaping @Sendable () -> UInt64 = systemClock
    ) async throws(ClientError) -> SealpostClient {
        let name = try userName.map { name throws(ClientError) in try checked("user name") { try UserName(name) } }
        return try await restoreAccount(
            vault: vault, endpoint: endpoint, rootFingerprint: rootFingerprint, accountID: recoveryKey.accountID, accountKey: recoveryKey.accountKey,
            accessSecret: .generate(), userName: name?.value ?? "", claiming: name, archive: nil, removingOtherDevices: removingOtherDevices, clock: clock)
    }

    /// Restores an account from a backup (`Spec/devices.md`, "Backups") on a **new device**, into
    /// `vault` (empty): as ``restore(vault:endpoint:rootFingerprint:recoveryKey:userName:removingOtherDevices:clock:)``,
    /// with the backup's contacts, verified safety numbers, history, user name and access secret
    /// (contacts' access keys keep working). No session comes back: conversations continue
    /// through fresh handshakes, without any action by the user or the contacts.
    /// - Parameter endpoint: The relay, if not the backup's.
    public static func restore(
        vault: Vault, backup: AccountArchive, endpoint: RelayEndpoint? = nil, removingOtherDevices: Bool,
        clock: @escaping @Sendable () -> UInt64 = systemClock
    ) async throws(ClientError) -> SealpostClient {
        try await restoreAccount(
            vault: vault, endpoint: endpoint ?? RelayEndpoint(url: backup.relayURL, origin: backup.relayOrigin), rootFingerprint: backup.rootFingerprint,
            accountID: backup.accountID, accountKey: backup.accountKey, accessSecret: backup.accessSecret, userName: backup.userName, claiming: nil,
            archive: backup, removingOtherDevices: removingOtherDevices, clock: clock)
    }

    /// The steps both restores share: the operator and the account key checked, a new device on
    /// a list one version newer, committed (with the archive, if any) before it is registered.
    static func restoreAccount(
        vault: Vault, endpoint: RelayEndpoint, rootFingerprint: String, accountID account: AccountID, accountKey: Ed25519.PrivateKey,
        accessSecret: DeliveryAccessSecret, userName: String, claiming name: UserName?, archive: AccountArchive?, removingOtherDevices: Bool,
        clock: @escaping @Sendable () -> UInt64
    ) async throws(ClientError) -> SealpostClient {
        guard try inVault({ () throws(VaultError) in try vault.identity() }) == nil else { throw .alreadyRegistered }
        let api = RelayAPI(endpoint: endpoint)
        let info = try await api.operatorInfo()
        do { _ = try OperatorTrust(rootKey: info.rootKey, fingerprint: rootFingerprint) } catch { throw .untrustedOperator("\(error)") }
        let now = clock()
        let current = try await api.accountDevices(account)
        guard current.accountKey == accountKey.publicKey else { throw .invalidData("the recovery key is not this account's key") }
        try checked("device list") { try current.deviceList.verify(accountKey: accountKey.publicKey) }
        let device = try newDevice(account: account, accountKey: accountKey, id: try nextDeviceID(after: current.deviceList), now: now)
        let kept = removingOtherDevices ? [] : current.deviceList.devices
        let revoked = removingOtherDevices ? current.deviceList.revoked + current.deviceList.devices.map(\.deviceID) : current.deviceList.revoked
        let list = try checked("device list") {
            try DeviceList.sign(
                accountKey: accountKey, accountID: account, listVersion: current.deviceList.listVersion + 1, issuedAt: now,
                devices: kept + [device.entry], revoked: revoked.sorted { $0.value < $1.value })
        }
        let profile = ClientProfile(
            endpoint: endpoint, rootFingerprint: rootFingerprint, operatorInfo: info, credential: .random(count: 32), accessSecret: accessSecret,
            userName: userName)
        try commitNewDevice(device.stored, profile: profile, list: list, archive: archive, to: vault)
        return try await registerCommitted(device.stored, vault: vault, profile: profile, list: list, api: api, now: now, claiming: name, clock: clock)
    }

    /// An encrypted backup of this account (`Spec/devices.md`, "Backups"): the account key,
    /// access secret, contacts with their verified safety numbers and, with `includeHistory`,
    /// the messages (those of conversations with a disappearing timer never). No session
    /// record, prekey or device private key is in it.
    /// - Parameter parameters: The Argon2id costs, for a passphrase key.
    public func exportBackup(key: BackupKey, includeHistory: Bool = true, parameters: VaultParameters = .phone) throws(ClientError) -> [UInt8] {
        let archive = try archive(now: clock(), includeHistory: includeHistory)
        do {
            let file = try BackupFile.write(archive, key: key, parameters: parameters)
            // Read back before it is handed out: a backup that cannot be restored is worse than none.
            _ = try BackupFile.read(file, key: key)
            return file
        } catch {
            throw .backup(error)
        }
    }

    /// Reads a backup file's archive (to pass to ``restore(vault:backup:endpoint:removingOtherDevices:clock:)``).
    public static func readBackup(_ file: [UInt8], key: BackupKey) throws(ClientError) -> AccountArchive {
        do { return try BackupFile.read(file, key: key) } catch { throw .backup(error) }
    }
}
