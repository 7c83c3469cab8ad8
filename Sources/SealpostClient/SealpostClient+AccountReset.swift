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
    /// The new account key and device are committed to `vault` before the relay is asked: a
    /// failure before the reset leaves the code unused (start again with an empty vault).
    public static func resetAccount(
        vault: Vault, endpoint: RelayEndpoint, rootFingerprint: String, accountID account: AccountID, resetCode: String, userName: String? = nil,
        clock: @escaping @Sendable () -> UInt64 = systemClock
    ) async throws(ClientError) -> SealpostClient {
        guard try inVault({ () throws(VaultError) in try vault.identity() }) == nil else { throw .alreadyRegistered }
        let name = try userName.map { name throws(ClientError) in try checked("user name") { try UserName(name) } }
        let api = RelayAPI(endpoint: endpoint)
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
}
