import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

extension SealpostClient {
    /// Sends `body` to every device of `account` as one multi-recipient upload over a connection
    /// that carries no authentication, and — when this account has other devices — a sync
    /// transcript to them as a separate upload after a random delay (`Spec/client.md`,
    /// "Sending").
    ///
    /// The advanced sessions and the outbox entries commit to the vault before the upload; the
    /// entries move to the history once the relay accepts it. An upload that fails stays in the
    /// outbox for ``flushOutbox()``: the same ratchet messages, re-sealed, under the same
    /// envelope id.
    /// - Throws: ``ClientError/keyChangeNotAccepted(_:)`` when a verified contact's key changed.
    @discardableResult
    public func send(_ body: ContentBody, to account: AccountID) async throws(ClientError) -> MessageID {
        let now = clock()
        let reported: Bool = switch body {
        case .text, .binary, .disappearingTimer: true
        default: false
        }
        let content = try checked("content") {
            try Content(sentAt: now * 1_000, accessSecret: reported ? profile.accessSecret.rawRepresentation : nil, body: body)
        }
        let envelopeID = try await commitSending(content, to: account, now: now)
        // The transcript for this account's other devices commits before anything is uploaded,
        // so a crash cannot leave them without it; its upload waits a random 50–500 ms so the
        // relay cannot pair the two uploads by timing alone. It failing does not fail the send:
        // it stays in the outbox.
        var transcript: EnvelopeID?
        if reported, account != address.accountID { transcript = try? await commitTranscript(of: content, to: account) }
        try await upload(envelopeID)
        if let transcript {
            try? await Task.sleep(for: .milliseconds(Int.random(in: 50...500)))
            try? await upload(transcript)
        }
        await resendToAddedDevices()
        return content.messageID
    }

    /// Sends a text to a user by name (adding them as a contact under that name first).
    @discardableResult
    public func send(text: String, to name: String) async throws(ClientError) -> MessageID {
        try await send(.text(text), to: try await addContact(named: name).accountID)
    }

    /// Looks a user name up, pins the account's key and device list (trust on first use), and
    /// keeps the contact under that name.
    @discardableResult
    public func addContact(named name: String) async throws(ClientError) -> Contact {
        let userName = try checked("user name") { try UserName(name) }
        let account = try await lookUp(userName.value)
        _ = try await trustedDevices(of: account, now: clock())
        guard var contact = try contact(account) else { throw .invalidData("the contact was not stored") }
        if contact.name != userName.value {
            try updateContact(account) { $0.name = userName.value }
            contact.name = userName.value
        }
        return contact
    }

    /// Commits the transcript of a sent message for this account's other devices; `nil` when it
    /// has none that can receive.
    func commitTranscript(of content: Content, to account: AccountID) async throws(ClientError) -> EnvelopeID? {
        let own = try await trustedDevices(of: address.accountID, now: clock())
        guard !recipients(own, of: address.accountID).isEmpty else { return nil }
        let transcript = try checked("transcript") {
            try Content(sentAt: content.sentAt, body: .syncTranscript(try SyncTranscript(recipient: account, content: content)))
        }
        return try await commitSending(transcript, to: address.accountID, now: clock())
    }

    /// Encrypts `content` once and its key to every current device of `account` (this device
    /// excluded), committing the sessions and outbox entries. Returns the envelope id.
    func commitSending(_ content: Content, to account: AccountID, now: UInt64) async throws(ClientError) -> EnvelopeID {
        try await commitSending(content.serialized(), envelopeID: .random(), to: account, now: now)
    }

    /// Encrypts content bytes under `envelopeID` (a resend keeps the original one).
    func commitSending(_ plaintext: [UInt8], envelopeID: EnvelopeID, to account: AccountID, now: UInt64) async throws(ClientError) -> EnvelopeID {
        try await serialized { () async throws(ClientError) in try await commitSendingAlone(plaintext, envelopeID: envelopeID, to: account, now: now) }
    }

    func commitSendingAlone(_ plaintext: [UInt8], envelopeID: EnvelopeID, to account: AccountID, now: UInt64) async throws(ClientError) -> EnvelopeID {
        let prepared = try checked("content") { try PreparedContent(plaintext, envelopeID: envelopeID) }
        let devices = try await trustedDevices(of: account, now: now)
        var sessions: [(DeviceAddress, SessionRecord)] = []
        for device in recipients(devices, of: account) {
            let recipient = DeviceAddress(accountID: account, deviceID: device.certificate.deviceID)
            sessions.append((recipient, try await session(with: recipient, devices: devices, now: now)))
        }
        guard !sessions.isEmpty else { throw .invalidData("the account has no other device to send to") }
        var entries: [(SessionRecord, OutboxEntry)] = []
        for (recipient, record) in sessions {
            let sent = try checked("encryption") { try record.encrypt(prepared, now: now, randomness: &ratchetRandomness) }
            entries.append((sent.record, OutboxEntry(recipient: recipient, message: sent.message, content: prepared, body: plaintext, createdAt: now)))
        }
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                for (record, entry) in entries { try Self.commitSending(record, entry: entry, in: &tx) }
            }
        }
        return prepared.envelopeID
    }

    /// The send commit, with the message recorded in the peer device's resend log
    /// (`Spec/client.md`, "Decryption errors"): the content bytes with their envelope id, so a
    /// reset can resend them. Every content but a decryption-error report is logged: the failed
    /// message a report names may be a receipt, and what followed it is resent from there.
    static func commitSending(_ record: SessionRecord, entry: OutboxEntry, in tx: inout VaultTransaction) throws(VaultError) {
        try tx.commitSending(record, entry: entry)
        // A resend is not logged again: the original entry stays, with its own time.
        guard !entry.isResend, entry.body.count > 1, entry.body[1] != 0x07 else { return }
        var state = try tx.resendState(for: entry.recipient)
        state.log.record(entry.message, plaintext: entry.content.envelopeID.rawRepresentation + entry.body, sentAt: entry.createdAt)
        state.log.prune(now: entry.createdAt)
        try tx.putResendState(state, for: entry.recipient)
    }

    /// The session held with `recipient`, or a new one from its prekey bundle.
    func session(with recipient: DeviceAddress, devices: AccountDevices, now: UInt64) async throws(ClientError) -> SessionRecord {
        if let record = try inVault({ () throws(VaultError) in try vault.session(for: recipient) }), record.current != nil { return record }
        let bundle = try await api.bundle(recipient)
        let pin = try contact(recipient.accountID)?.pin
        let result = try checked("prekey bundle") {
            try Handshake.initiate(
                identity: stored.identity, accountID: recipient.accountID, accountKey: devices.accountKey, deviceList: devices.deviceList,
                bundle: bundle, pinned: pin, now: now, randomness: &handshakeRandomness)
        }
        var record = SessionRecord()
        record.promote(try checked("session") { try SessionState(initiator: result, randomness: &ratchetRandomness) })
        return record
    }

    /// The devices of `account`, from the cache or the relay.
    func devices(of account: AccountID, refresh: Bool = false) async throws(ClientError) -> (devices: AccountDevices, fetchedAt: UInt64) {
        let now = clock()
        if !refresh, let cached = directory[account], now < cached.fetchedAt + Self.directoryCacheLifetime { return cached }
        let fetched = (devices: try await api.accountDevices(account), fetchedAt: now)
        directory[account] = fetched
        return fetched
    }

    /// The devices of `account`, checked against its pinned key and device list (trust on first
    /// use for a new contact); a changed key of a verified contact blocks.
    func trustedDevices(of account: AccountID, now: UInt64, refresh: Bool = false) async throws(ClientError) -> AccountDevices {
        let devices = try await devices(of: account, refresh: refresh).devices
        if account == address.accountID, devices.accountKey != stored.identity.accountKey {
            throw .untrustedOperator("the relay lists this device's own account under another account key")
        }
        let existing = try contact(account)
        // A verified contact whose pinned key is no longer its verified one blocks sending,
        // whichever path (a send, a received handshake) moved the pin.
        func blockIfUnverifiedChange(_ pin: AccountPin?, _ contact: Contact?) throws(ClientError) {
            if let verified = contact?.verifiedAccountKey, let pin, verified != pin.accountKey { throw .keyChangeNotAccepted(account) }
        }
        // An answer already checked against the pin it produced is not checked again.
        // (Compared as a whole: two answers fetched within one second are told apart.)
        if let verified = verifiedAnswers[account], verified.devices == devices, verified.pin == existing?.pin {
            try blockIfUnverifiedChange(existing?.pin, existing)
            return devices
        }
        let check = try checked("device list") {
            try AccountTrustCheck(accountID: account, accountKey: devices.accountKey, deviceList: devices.deviceList, pinned: existing?.pin)
        }
        for device in devices.devices {
            guard devices.deviceList.device(device.certificate.deviceID)?.deviceKey == device.certificate.deviceKey else {
                throw .invalidData("the relay's device \(device.certificate.deviceID) is not in the account's signed list")
            }
            try checked("device certificate") { try device.certificate.verify(accountKey: devices.accountKey) }
        }
        // Everything verified: the pin moves (a changed key is stored, so the user can compare
        // its safety number), and the change is reported.
        var contact: Contact
        if let existing { contact = existing } else { contact = try inVault { () throws(VaultError) in try Contact(pin: check.pin, name: "\(account)") } }
        if contact.pin != check.pin || contact.deviceList != devices.deviceList {
            if let existing {
                if case .changed = check.decision {
                    notices.append(.keyChanged(account: account, wasVerified: existing.verifiedAccountKey != nil))
                } else if existing.pin.deviceListVersion != check.pin.deviceListVersion {
                    notices.append(.devicesChanged(account: account, devices: devices.deviceList.devices.map(\.deviceID)))
                }
            }
            contact.pin = check.pin
            contact.deviceList = devices.deviceList
            let (pin, list) = (check.pin, devices.deviceList)
            // Devices added under the same key: noted for resending in the same transaction.
            let sameKey: Bool = if case .unchanged = check.decision { existing != nil } else { false }
            let previousList = existing?.deviceList
            try inVault { () throws(VaultError) in
                try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                    // Read again: only the pin and list change here.
                    var stored = try tx.contact(for: account) ?? contact
                    stored.pin = pin
                    stored.deviceList = list
                    try tx.putContact(stored)
                    if sameKey { try notePendingResend(in: &tx, account: account, accountKey: pin.accountKey, previous: previousList, current: list, now: now) }
                }
            }
        }
        verifiedAnswers[account] = (devices, contact.pin)
        try blockIfUnverifiedChange(contact.pin, contact)
        return devices
    }

    /// The devices a message to `account` goes to: every device of the answer that can receive
    /// sealed mail (has an envelope key), except this one.
    func recipients(_ devices: AccountDevices, of account: AccountID) -> [AccountDevices.Device] {
        devices.devices.filter { $0.envelopeKey != nil && DeviceAddress(accountID: account, deviceID: $0.certificate.deviceID) != address }
    }

    /// Uploads everything in the outbox, oldest first. Returns how many envelopes were accepted.
    @discardableResult
    public func flushOutbox() async throws(ClientError) -> Int {
        var seen: [EnvelopeID] = []
        for (_, entry) in try inVault({ () throws(VaultError) in try vault.outbox() }) where !seen.contains(entry.content.envelopeID) {
            seen.append(entry.content.envelopeID)
        }
        // Each envelope on its own: one that cannot go (a blocked key change, an account gone)
        // does not hold the others back. The first failure is rethrown after all were tried.
        var sent = 0
        var failure: ClientError?
        for envelopeID in seen {
            do {
                try await upload(envelopeID)
                sent += 1
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return sent
    }

    /// Seals the outbox entries of `envelopeID` in one upload and sends it; on a stale-device
    /// answer, refreshes the account's devices, drops entries of removed devices, encrypts to
    /// added ones, and tries again (at most three times).
    func upload(_ envelopeID: EnvelopeID) async throws(ClientError) {
        try await serialized { () async throws(ClientError) in try await uploadAlone(envelopeID) }
    }

    func uploadAlone(_ envelopeID: EnvelopeID) async throws(ClientError) {
        for attempt in 0..<3 {
            let now = clock()
            let entries = try inVault { () throws(VaultError) in try vault.outbox() }.filter { $0.entry.content.envelopeID == envelopeID }
            guard let first = entries.first else { return }
            let account = first.entry.recipient.accountID
            let devices = try await trustedDevices(of: account, now: now, refresh: attempt > 0)
            // Written for another account key than the contact has now (it was reset, or someone
            // is in the middle): never sent to the new key; the user decides what to send it.
            if let madeFor = try inVault({ () throws(VaultError) in try vault.session(for: first.entry.recipient) })?.current?.peer.accountKey,
                madeFor != devices.accountKey
            {
                let ids = entries.map(\.id)
                try inVault { () throws(VaultError) in
                    try vault.write { (tx: inout VaultTransaction) throws(VaultError) in for id in ids { try tx.delete(table: VaultTables.outbox, id: id) } }
                }
                notices.append(.notDelivered(account: account, reason: "the contact's account key changed before it was sent; it was not sent to the new key"))
                return
            }
            let current = Set(recipients(devices, of: account).map(\.certificate.deviceID))
            // Devices gone from the account: their entries leave the outbox.
            let gone = entries.filter { !current.contains($0.entry.recipient.deviceID) }.map(\.id)
            // Devices added since: the same content key, encrypted to them too.
            let covered = Set(entries.map(\.entry.recipient.deviceID))
            var added: [(SessionRecord, OutboxEntry)] = []
            for device in recipients(devices, of: account) where !covered.contains(device.certificate.deviceID) {
                let recipient = DeviceAddress(accountID: account, deviceID: device.certificate.deviceID)
                let record = try await session(with: recipient, devices: devices, now: now)
                let sent = try checked("encryption") { try record.encrypt(first.entry.content, now: now, randomness: &ratchetRandomness) }
                added.append((sent.record, OutboxEntry(
                    recipient: recipient, message: sent.message, content: first.entry.content, body: first.entry.body, createdAt: now, isResend: first.entry.isResend)))
            }
            if gone.count == entries.count, added.isEmpty {
                notices.append(.notDelivered(account: account, reason: "every device it was for has left the account"))
            }
            if !gone.isEmpty || !added.isEmpty {
                let (removed, new) = (gone, added)
                try inVault { () throws(VaultError) in
                    try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                        for id in removed { try tx.delete(table: VaultTables.outbox, id: id) }
                        for (record, entry) in new { try Self.commitSending(record, entry: entry, in: &tx) }
                    }
                }
                continue
            }
            let certificate = try await senderCertificate()
            let access: DeliveryAccess = try contact(account)?.accessSecret.map { secret throws(ClientError) in
                .key(try checked("access key") { try secret.accessKey(for: account) })
            } ?? .none
            var messages: [(recipient: EnvelopeRecipient, message: SessionMessage)] = []
            for (_, entry) in entries {
                guard let device = devices.devices.first(where: { $0.certificate.deviceID == entry.recipient.deviceID }),
                    let envelopeKey = device.envelopeKey,
                    let peer = try inVault({ () throws(VaultError) in try vault.session(for: entry.recipient) })?.current?.peer
                else { throw .invalidData("device \(entry.recipient.deviceID) has no envelope key or session yet") }
                let recipient = try checked("envelope key") {
                    try EnvelopeRecipient(peer: peer, envelopeKey: envelopeKey, fetchedAt: directory[account]?.fetchedAt ?? now, access: access, now: now)
                }
                messages.append((recipient, entry.message))
            }
            let upload = try checked("sealing") { try EnvelopeSealer.seal(first.entry.content, messages: messages, certificate: certificate) }
            do {
                try await api.send(upload, omitting: account == address.accountID ? address.deviceID : nil)
            } catch {
                if error.relayCode == "staleDevices" { continue }
                // The contact's access secret changed (restored on a new device, or it blocked
                // this account): forget it and try once without an access key; the relay accepts
                // that only if the account takes mail from anyone.
                if case .relay(401, _, _, _) = error, case .key = access, attempt < 2 {
                    try? updateContact(account) { $0.accessSecret = nil }
                    continue
                }
                throw error
            }
            let ids = entries.map(\.id)
            try inVault { () throws(VaultError) in
                try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.commitSent(ids, at: now) }
            }
            return
        }
        throw .invalidData("the account's devices kept changing during the send; it stays in the outbox")
    }
}

extension SealpostClient {
    /// One device of an account, as the directory lists it (checked against the account key).
    public struct DeviceSummary: Sendable {
        /// Its id.
        public let deviceID: DeviceID
        /// When its certificate was issued.
        public let createdAt: UInt64
        /// Whether it is this device.
        public let isThisDevice: Bool
        /// Whether it has published an envelope key (can receive sealed mail).
        public let canReceive: Bool
    }

    /// This account's devices, fetched from the relay and checked against the account key.
    public func ownDevices() async throws(ClientError) -> [DeviceSummary] {
        let devices = try await trustedDevices(of: address.accountID, now: clock(), refresh: true)
        return devices.devices.map {
            DeviceSummary(
                deviceID: $0.certificate.deviceID, createdAt: $0.certificate.createdAt, isThisDevice: $0.certificate.deviceID == address.deviceID,
                canReceive: $0.envelopeKey != nil)
        }
    }
}
