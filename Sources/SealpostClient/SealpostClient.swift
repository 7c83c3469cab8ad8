import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// One message of a conversation, as ``SealpostClient/history(with:)`` lists it.
public struct ConversationItem: Sendable {
    /// The stored entry (direction, peer device, envelope id, time, content bytes).
    public let entry: HistoryEntry
    /// The parsed content, or `nil` if it does not parse.
    public let content: Content?
    /// For a message this device sent: a delivery (or read) receipt arrived for it.
    public let delivered: Bool
    /// For a message this device sent: a read receipt arrived for it.
    public let read: Bool
}

/// A Sealpost device: what a client app links (`Spec/client.md`).
///
/// Everything the device knows lives in its ``Vault``; the actor holds only caches (the relay's
/// directory answers, the current sender certificate). Every state change commits to the vault
/// **before** the relay is told anything that depends on it: a send commits the advanced session
/// and the outbox entry before the upload; a receive commits the session, the message and the
/// processed marker before the acknowledgement.
public actor SealpostClient {
    /// The device's vault (apps read history and contacts from it directly).
    public nonisolated let vault: Vault
    let api: RelayAPI
    var profile: ClientProfile
    var stored: StoredIdentity
    var trust: OperatorTrust
    var certificate: SenderCertificate?
    /// Directory answers, with when they were fetched (envelope keys may be used for
    /// ``Limits/envelopeKeyCacheLifetime`` after that).
    var directory: [AccountID: (devices: AccountDevices, fetchedAt: UInt64)] = [:]
    /// The directory answers checked by ``trustedDevices(of:now:refresh:)``, with the pin each
    /// was checked against.
    var verifiedAnswers: [AccountID: (devices: AccountDevices, pin: AccountPin)] = [:]
    var ratchetRandomness = SystemRatchetRandomness()
    var handshakeRandomness = SystemHandshakeRandomness()
    /// Decryption-error reports to send once the delivery that failed is acknowledged.
    var pendingReports: [(peer: DeviceAddress, report: DecryptionErrorMessage)] = []
    /// Resends committed to the outbox by an accepted report, to upload after the delivery is
    /// acknowledged (``flushOutbox()`` uploads them too, after a crash).
    var pendingUploads: [EnvelopeID] = []
    /// Deliveries whose processing failed on data, by sequence number, with the attempts so far.
    var failedAttempts: [UInt64: Int] = [:]
    /// Whether a state-changing operation holds the gate, and who waits for it.
    var gateBusy = false
    var gateWaiters: [CheckedContinuation<Void, Never>] = []
    /// Events found outside the receive loop (a key or device-list change seen while sending),
    /// until ``takeNotices()`` hands them out.
    var notices: [ClientEvent] = []
    /// Whether the vault may hold pending resends (``resendToAddedDevices()``): true at start (a
    /// note may survive a restart) and when one is written; false once none is found, so sends
    /// and receives do not read the table for nothing.
    var pendingResendsMayExist = true
    /// Seconds since the Unix epoch.
    let clock: @Sendable () -> UInt64

    /// How long a directory answer is reused before it is fetched again.
    static let directoryCacheLifetime: UInt64 = 600

    init(vault: Vault, profile: ClientProfile, stored: StoredIdentity, clock: @escaping @Sendable () -> UInt64) throws(ClientError) {
        self.vault = vault
        self.api = RelayAPI(endpoint: profile.endpoint)
        self.profile = profile
        self.stored = stored
        self.trust = try profile.trust()
        self.clock = clock
    }

    /// The system clock, in seconds.
    public static let systemClock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }

    /// This device's address.
    public var address: DeviceAddress { DeviceAddress(accountID: stored.identity.accountID, deviceID: stored.identity.deviceID) }
    /// The account's user name.
    public var userName: String { profile.userName }
    /// The relay.
    public var endpoint: RelayEndpoint { profile.endpoint }
    var authorization: String { profile.authorization(for: address) }

    /// Runs `body` alone among the client's state-changing operations.
    ///
    /// The actor alone is not enough: its methods await the network between reading a session
    /// record and committing the record they derive from it, and another call may run in
    /// between. A receive that read a session before a send committed it would commit the older
    /// sending chain back, and the next send would use a message key again. Every operation that
    /// reads vault state and commits state derived from it — a send's encryption, an upload, a
    /// receive, key maintenance — runs through this gate, one at a time, in arrival order.
    func serialized<T>(_ body: () async throws(ClientError) -> T) async throws(ClientError) -> T {
        while gateBusy { await withCheckedContinuation { gateWaiters.append($0) } }
        gateBusy = true
        defer {
            gateBusy = false
            if !gateWaiters.isEmpty { gateWaiters.removeFirst().resume() }
        }
        return try await body()
    }

    // MARK: Lifecycle

    /// Registers a new account with one device at `endpoint` and stores everything in `vault`:
    /// checks the operator's root against `rootFingerprint`, creates the account and device keys,
    /// registers the device, publishes prekeys, an envelope key and access settings, and claims
    /// `userName`.
    ///
    /// The private keys are committed to the vault before anything that depends on them is
    /// published. The account accepts sealed mail from anyone (its delivery access secret goes to
    /// contacts inside messages; `Spec/client.md`, "Access").
    public static func register(
        vault: Vault, endpoint: RelayEndpoint, rootFingerprint: String, userName: String, invite: String? = nil,
        clock: @escaping @Sendable () -> UInt64 = systemClock
    ) async throws(ClientError) -> SealpostClient {
        guard try inVault({ () throws(VaultError) in try vault.identity() }) == nil else { throw .alreadyRegistered }
        let name = try checked("user name") { try UserName(userName) }
        let api = RelayAPI(endpoint: endpoint)
        let info = try await api.operatorInfo()
        do { _ = try OperatorTrust(rootKey: info.rootKey, fingerprint: rootFingerprint) } catch { throw .untrustedOperator("\(error)") }

        let now = clock()
        let accountKey = Ed25519.PrivateKey.generate()
        let accountID = try await api.createAccount(accountKey: accountKey.publicKey, invite: invite)
        let device = try newDevice(account: accountID, accountKey: accountKey, id: try checked("device id") { try DeviceID(1) }, now: now)
        let list = try checked("device list") {
            try DeviceList.sign(accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: now, devices: [device.entry], revoked: [])
        }
        let profile = ClientProfile(
            endpoint: endpoint, rootFingerprint: rootFingerprint, operatorInfo: info, credential: .random(count: 32),
            accessSecret: .generate(), userName: name.value)
        try commitNewDevice(device.stored, profile: profile, list: list, to: vault)
        return try await registerCommitted(device.stored, vault: vault, profile: profile, list: list, api: api, now: now, claiming: name, clock: clock)
    }

    /// Opens the device registered in `vault`. Nothing goes to the relay: ``listen(onEvent:)``
    /// and ``maintainKeys()`` refresh the operator's certificates and the device's keys.
    public static func open(vault: Vault, clock: @escaping @Sendable () -> UInt64 = systemClock) async throws(ClientError) -> SealpostClient {
        guard let stored = try inVault({ () throws(VaultError) in try vault.identity() }),
            let bytes = try inVault({ () throws(VaultError) in try vault.read(table: VaultTables.identity, id: ClientProfile.recordID) })
        else { throw .notRegistered }
        return try SealpostClient(vault: vault, profile: try ClientProfile(serialized: bytes), stored: stored, clock: clock)
    }

    /// Closes the connections to the relay (the vault stays open: its owner closes it).
    public func close() async {
        await api.shutdown()
    }

    // MARK: Keys

    /// Refreshes the operator's certificates, rotates and replenishes prekeys and the envelope
    /// key (`Limits`), each committed to the vault before it is uploaded.
    public func maintainKeys() async throws(ClientError) {
        try await serialized { () async throws(ClientError) in try await maintainKeysAlone() }
    }

    func maintainKeysAlone() async throws(ClientError) {
        try await refreshOperator()
        let now = clock()
        try inVault { () throws(VaultError) in _ = try vault.pruneResendLogs(now: now) }
        let counts = try await api.prekeyCounts(authorization: authorization)
        let identity = stored.identity
        let profile = self.profile
        let (uploads, publish) = try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) -> (PrekeyStore.Uploads, SignedEnvelopeKey?) in
                var prekeys = try tx.prekeyStore() ?? PrekeyStore()
                let uploads = prekeys.maintain(now: now, identity: identity, relayOneTimeCount: counts.oneTimePrekeys, relayOneTimeKEMCount: counts.oneTimeKEMPrekeys)
                try tx.putPrekeyStore(prekeys)
                var envelopeKeys = try tx.envelopeKeyStore() ?? EnvelopeKeyStore()
                let maintenance = envelopeKeys.maintain(now: now, identity: identity)
                try tx.putEnvelopeKeyStore(envelopeKeys)
                try tx.put(profile.serialized(), table: VaultTables.identity, id: ClientProfile.recordID)
                return (uploads, maintenance.publish)
            }
        }
        if uploads.signedPrekey != nil || uploads.lastResortKEMPrekey != nil || !uploads.oneTimePrekeys.isEmpty || !uploads.oneTimeKEMPrekeys.isEmpty {
            let upload = try checked("prekey upload") {
                try PrekeyUpload(
                    signedPrekey: uploads.signedPrekey, lastResortKEMPrekey: uploads.lastResortKEMPrekey,
                    oneTimePrekeys: uploads.oneTimePrekeys, oneTimeKEMPrekeys: uploads.oneTimeKEMPrekeys)
            }
            try await api.publishPrekeys(upload, authorization: authorization)
        }
        if let publish {
            try await api.publishEnvelopeKey(publish, authorization: authorization)
            try inVault { () throws(VaultError) in
                try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                    guard var keys = try tx.envelopeKeyStore() else { return }
                    keys.confirmPublished(id: publish.id, now: now)
                    try tx.putEnvelopeKeyStore(keys)
                }
            }
        }
    }

    /// Fetches the operator's certificates and revocation list again and merges them into the
    /// pinned trust: the root key must not change; a certificate is added only if it verifies;
    /// a revocation list replaces the held one only if it is newer, so a relay that leaves the
    /// list out cannot make a revoked key trusted again. The merged state is committed.
    func refreshOperator() async throws(ClientError) {
        let info = try await api.operatorInfo()
        guard info.rootKey == trust.rootKey else { throw .untrustedOperator("the relay presents another root key") }
        var refreshed = trust
        if let list = info.revocationList { try? refreshed.apply(list) }
        for certificate in info.serverCertificates { try? refreshed.add(certificate) }
        let merged = try checked("operator info") {
            try OperatorInfo(
                rootKey: refreshed.rootKey, serverCertificates: Array(refreshed.serverCertificates.values.sorted { $0.keyID < $1.keyID }.suffix(OperatorInfo.maximumCertificates)),
                revocationList: refreshed.revocationList)
        }
        trust = refreshed
        profile.operatorInfo = merged
        let profile = self.profile
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.put(profile.serialized(), table: VaultTables.identity, id: ClientProfile.recordID) }
        }
    }

    /// The sender certificate, fetched again before it expires.
    func senderCertificate() async throws(ClientError) -> SenderCertificate {
        let now = clock()
        if let certificate, !OperatorTrust.needsRefresh(certificate, now: now) { return certificate }
        let fresh = try await api.senderCertificate(authorization: authorization)
        do { try trust.validate(fresh, receivedAt: now, now: now) } catch { throw .untrustedOperator("the relay issued a certificate that does not verify: \(error)") }
        certificate = fresh
        return fresh
    }

    /// The events found while sending or looking contacts up (a changed key, a changed device
    /// list), oldest first; each is handed out once.
    public func takeNotices() -> [ClientEvent] {
        defer { notices = [] }
        return notices
    }

    // MARK: Contacts

    /// The account of a user name at the relay.
    public func lookUp(_ name: String) async throws(ClientError) -> AccountID {
        let userName = try checked("user name") { try UserName(name) }
        if let known = try inVault({ () throws(VaultError) in try vault.contacts() }).first(where: { $0.name == userName.value }) { return known.accountID }
        return try await api.lookUp(userName)
    }

    /// Every contact, by name (this account's own entry excluded).
    public func contacts() throws(ClientError) -> [Contact] {
        let own = address.accountID
        return try inVault { () throws(VaultError) in try vault.contacts() }.filter { $0.accountID != own }
    }

    /// The contact of `account`.
    public func contact(_ account: AccountID) throws(ClientError) -> Contact? {
        try inVault { () throws(VaultError) in try vault.contact(for: account) }
    }

    /// The safety number of this account and `account`'s pinned key: the users compare it out of
    /// band (`Spec/identity.md`, "Safety numbers").
    public func safetyNumber(for account: AccountID) throws(ClientError) -> SafetyNumber {
        guard let contact = try contact(account) else { throw .invalidData("not a contact") }
        return SafetyNumber(
            localAccountID: stored.identity.accountID, localAccountKey: stored.identity.accountKey, remoteAccountID: account,
            remoteAccountKey: contact.pin.accountKey)
    }

    /// Records that the user compared the safety number of `account`'s pinned key and it matched.
    public func markVerified(_ account: AccountID) throws(ClientError) {
        try updateContact(account) { $0.verifiedAccountKey = $0.pin.accountKey }
    }

    /// Accepts a verified contact's changed key without comparing the new safety number: the
    /// contact is no longer verified, and sending resumes.
    public func acceptKeyChange(for account: AccountID) throws(ClientError) {
        try updateContact(account) { $0.verifiedAccountKey = nil }
    }

    /// Sets the disappearing-message timer of the conversation with `account` (this device
    /// only; ``send(_:to:)`` a ``ContentBody/disappearingTimer(seconds:)`` to tell the contact).
    public func setDisappearing(after seconds: UInt32, for account: AccountID) throws(ClientError) {
        try updateContact(account) { $0.disappearAfterSeconds = seconds }
    }

    func updateContact(_ account: AccountID, _ change: (inout Contact) -> Void) throws(ClientError) {
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                guard var contact = try tx.contact(for: account) else { throw VaultError.storage("not a contact") }
                change(&contact)
                try tx.putContact(contact)
            }
        }
    }

    /// The conversation with `account`, oldest first: its messages with their contents parsed
    /// (`nil` for an entry whose content does not parse), and for each message this device
    /// sent, whether a receipt says it was delivered or read. Receipts themselves are not items.
    public func history(with account: AccountID) throws(ClientError) -> [ConversationItem] {
        let entries = try inVault { () throws(VaultError) in try vault.history(with: account) }.map { ($0, try? Content(serialized: $0.body)) }
        var delivered = Set<MessageID>(), read = Set<MessageID>()
        for (entry, content) in entries where !entry.outgoing {
            switch content?.body {
            case .deliveryReceipt(let ids)?: delivered.formUnion(ids)
            case .readReceipt(let ids)?: read.formUnion(ids)
            default: break
            }
        }
        return entries.compactMap { entry, content in
            switch content?.body {
            case .deliveryReceipt?, .readReceipt?: return nil
            default:
                let id = content?.messageID
                return ConversationItem(
                    entry: entry, content: content, delivered: entry.outgoing && id.map { delivered.contains($0) || read.contains($0) } == true,
                    read: entry.outgoing && id.map { read.contains($0) } == true)
            }
        }
    }

    /// Deletes the messages of conversations with a disappearing timer whose time has come.
    @discardableResult
    public func deleteExpiredMessages() throws(ClientError) -> Int {
        let now = clock()
        return try inVault { () throws(VaultError) in try vault.deleteExpiredMessages(now: now) }
    }
}
