import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

extension SealpostClient {
    /// The path back for a user who lost the account key — every device, the recovery key and
    /// any passphrase backup (`Spec/devices.md`, "A lost account key"): with a one-time reset
    /// code from the operator (`sealpost-relay accounts reset`), the account is bound to a
    /// **new** account key, on a new device in `vault` (empty). The account id and user name
    /// stay; every old device is removed with its mailbox; contacts, history and sessions are
    /// gone with the old key.
    ///
    /// Contacts are never switched silently: their next directory read or message from the
    /// account shows a new account key — a ``ClientEvent/keyChanged(account:wasVerified:)``
    /// warning, a new safety number, and for a contact who had verified the account, sending
    /// stays blocked until they compare the new number or accept the change. Nothing they sent
    /// before is resent to the new key.
    ///
    /// The new account key and device are committed to `vault` before the relay is asked. A
    /// failure anywhere after that is resumed by calling this again with the **same vault** and
    /// code: the relay answers a reset to the key it has already as done, and the device's
    /// registration and keys are sent again.
    public static func resetAccount(
        vault: Vault, endpoint: RelayEndpoint, rootFingerprint: String, accountID account: AccountID, resetCode: String, userName: String? = nil,
        clock: @escaping @Sendable () -> UInt64 = systemClock
    ) async throws(ClientError) -> SealpostClient {
        let name = try userName.map { name throws(ClientError) in try checked("user name") { try UserName(name) } }
        let api = RelayAPI(endpoint: endpoint)
        if let resumed = try await resumeReset(vault: vault, account: account, resetCode: resetCode, claiming: name, api: api, clock: clock) { return resumed }
        let info = try await api.operatorInfo()
        do { _ = try OperatorTrust(rootKey: info.rootKey, fingerprint: rootFingerprint) } catch { throw .untrustedOperator("\(error)") }
        let now = clock()
        // The ids the old key's list used (listed and revoked) are never used again.
        let previous = try await api.accountDevices(account)
        try checked("device list") { try previous.deviceList.verify(accountKey: previous.accountKey) }
        let accountKey = Ed25519.PrivateKey.generate()
        let id = try nextDeviceID(after: previous.deviceList)
        let device = try newDevice(account: account, accountKey: accountKey, id: id, now: now)
        let list = try checked("device list") {
            try DeviceList.sign(accountKey: accountKey, accountID: account, listVersion: 1, issuedAt: now, devices: [device.entry], revoked: [])
        }
        let profile = ClientProfile(
            endpoint: endpoint, rootFingerprint: rootFingerprint, operatorInfo: info, credential: .random(count: 32), accessSecret: .generate(),
            userName: name?.value ?? "")
        try commitNewDevice(device.stored, profile: profile, list: list, to: vault)
        try await api.resetAccount(account, code: resetCode, accountKey: accountKey.publicKey)
        return try await registerCommitted(device.stored, vault: vault, profile: profile, list: list, api: api, now: now, claiming: name, clock: clock)
    }

    /// A reset this vault began: the account key and device it committed, the reset repeated
    /// (the relay answers it as done when it has that key already), the registration sent again.
    /// `nil` for an empty vault; ``ClientError/alreadyRegistered`` for one of another account.
    static func resumeReset(
        vault: Vault, account: AccountID, resetCode: String, claiming name: UserName?, api: RelayAPI, clock: @escaping @Sendable () -> UInt64
    ) async throws(ClientError) -> SealpostClient? {
        guard let stored = try inVault({ () throws(VaultError) in try vault.identity() }) else { return nil }
        guard stored.identity.accountID == account, let accountKey = stored.accountKey,
            let bytes = try inVault({ () throws(VaultError) in try vault.read(table: VaultTables.identity, id: ClientProfile.recordID) }),
            let list = try inVault({ () throws(VaultError) in try vault.contact(for: account) })?.deviceList
        else { throw .alreadyRegistered }
        let profile = try ClientProfile(serialized: bytes)
        try await api.resetAccount(account, code: resetCode, accountKey: accountKey.publicKey)
        return try await registerCommitted(stored, vault: vault, profile: profile, list: list, api: api, now: clock(), claiming: name, clock: clock)
    }
}
