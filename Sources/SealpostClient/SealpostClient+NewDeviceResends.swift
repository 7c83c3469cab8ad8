import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

extension SealpostClient {
    /// How long devices noted for resending are tried (a device may take a while to publish its
    /// envelope key).
    static let pendingResendLifetime: UInt64 = 3_600

    /// The pending resend for `account` once a newer list of it under the **same** account key,
    /// `current`, replaces `previous` (`Spec/devices.md`, "Resending to a new device"): the added
    /// devices merged into `existing`. `nil` when nothing was added (or for this account).
    func pendingResend(
        merging existing: PendingResend?, account: AccountID, accountKey: Ed25519.PublicKey, previous: DeviceList?, current: DeviceList, now: UInt64
    ) -> PendingResend? {
        guard account != address.accountID, let previous, current.listVersion > previous.listVersion else { return nil }
        let known = Set(previous.devices.map(\.deviceID))
        let added = Set(current.devices.map(\.deviceID).filter { !known.contains($0) })
        guard !added.isEmpty else { return nil }
        var pending = existing.flatMap { $0.accountKey == accountKey ? $0 : nil }
            ?? PendingResend(accountID: account, accountKey: accountKey, notedAt: now, former: [], added: [])
        pending.former.formUnion(previous.devices.map(\.deviceID) + current.revoked)
        pending.added.formUnion(added)
        return pending
    }

    /// Stores, in the transaction that moves a contact's pin, the devices its newer list adds.
    func notePendingResend(
        in tx: inout VaultTransaction, account: AccountID, accountKey: Ed25519.PublicKey, previous: DeviceList?, current: DeviceList, now: UInt64
    ) throws(VaultError) {
        let existing = try tx.pendingResend(for: account)
        if let pending = pendingResend(merging: existing, account: account, accountKey: accountKey, previous: previous, current: current, now: now) {
            try tx.putPendingResend(pending)
            pendingResendsMayExist = true
        }
    }

    /// Resends to the devices the vault notes as added (after a send, after receiving, and after
    /// a restart: the notes are in the vault). A device without an envelope key yet, and every
    /// added device after a failure, is tried again after later operations, for up to an hour.
    func resendToAddedDevices() async {
        guard pendingResendsMayExist, let pending = try? vault.pendingResends() else { return }
        guard !pending.isEmpty else {
            pendingResendsMayExist = false
            return
        }
        for note in pending {
            let envelopes: [EnvelopeID]? = try? await serialized { () async throws(ClientError) in try await commitResends(note) }
            for envelopeID in envelopes ?? [] { try? await upload(envelopeID) }
        }
    }

    /// Encrypts to each added device (that can receive) the messages logged for the contact's
    /// former devices that no device of the contact has receipted — texts, files and timer
    /// changes still in this device's history, under their original envelope ids and one content
    /// key per message, as resends (no second history entry here) — and, in the same
    /// transaction, keeps the note only for the added devices that cannot receive yet. Returns
    /// the envelopes to upload.
    ///
    /// Nothing is resent: in a conversation with a disappearing timer; for a message that left
    /// the history (deleted, or disappeared under an earlier timer); for one still in the outbox
    /// (its upload extends it to the new devices by itself); or when the account key is no longer
    /// the one the devices were added under.
    func commitResends(_ note: PendingResend) async throws(ClientError) -> [EnvelopeID] {
        let now = clock()
        let account = note.accountID
        func finish(_ entries: [(SessionRecord, OutboxEntry)], waiting: Set<DeviceID>) throws(ClientError) {
            try inVault { () throws(VaultError) in
                try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                    for (record, entry) in entries { try Self.commitSending(record, entry: entry, in: &tx) }
                    // Read again: a newer note for the account may have come in meanwhile.
                    guard var current = try tx.pendingResend(for: account) else { return }
                    current.added.subtract(note.added.subtracting(waiting))
                    if current.added.isEmpty || current.accountKey != note.accountKey || now >= current.notedAt + Self.pendingResendLifetime {
                        try tx.deletePendingResend(for: account)
                    } else {
                        try tx.putPendingResend(current)
                    }
                }
            }
        }
        guard let contact = try contact(account), contact.disappearAfterSeconds == 0, contact.pin.accountKey == note.accountKey,
            now < note.notedAt + Self.pendingResendLifetime
        else {
            try finish([], waiting: [])
            return []
        }
        let history = try inVault { () throws(VaultError) in try vault.history(with: account) }
        let sent = Set(history.filter(\.outgoing).map(\.envelopeID))
        let receipted = Self.receiptedMessages(in: history)
        let queued = Set(try inVault { () throws(VaultError) in try vault.outbox() }.map(\.entry.content.envelopeID))
        let logs = try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                var logs: [[ResendLog.Entry]] = []
                for deviceID in note.former { logs.append(try tx.resendState(for: DeviceAddress(accountID: account, deviceID: deviceID)).log.entries) }
                return logs
            }
        }
        var messages: [(prepared: PreparedContent, sentAt: UInt64, body: [UInt8])] = []
        var seen = Set<EnvelopeID>()
        for entry in logs.joined() where entry.plaintext.count > EnvelopeID.byteCount && entry.sentAt + Limits.resendLogLifetime > now {
            guard let envelopeID = try? EnvelopeID(rawRepresentation: Array(entry.plaintext.prefix(EnvelopeID.byteCount))),
                !seen.contains(envelopeID), sent.contains(envelopeID), !queued.contains(envelopeID)
            else { continue }
            let body = Array(entry.plaintext.dropFirst(EnvelopeID.byteCount))
            guard let content = try? Content(serialized: body), !receipted.contains(content.messageID) else { continue }
            switch content.body {
            case .text, .binary, .disappearingTimer: break
            default: continue
            }
            seen.insert(envelopeID)
            // One content key per message, whatever the number of devices: the upload seals the
            // content once for all of them.
            let prepared = try checked("content") { try PreparedContent(body, envelopeID: envelopeID) }
            messages.append((prepared, entry.sentAt, body))
        }
        guard !messages.isEmpty else {
            try finish([], waiting: [])
            return []
        }
        messages.sort { $0.sentAt < $1.sentAt }
        let devices = try await trustedDevices(of: account, now: now, refresh: true)
        guard devices.accountKey == note.accountKey else {
            try finish([], waiting: [])
            return []
        }
        let receiving = Set(recipients(devices, of: account).map(\.certificate.deviceID))
        var entries: [(SessionRecord, OutboxEntry)] = []
        for deviceID in note.added.sorted(by: { $0.value < $1.value }) where receiving.contains(deviceID) {
            let recipient = DeviceAddress(accountID: account, deviceID: deviceID)
            var record = try await session(with: recipient, devices: devices, now: now)
            for message in messages {
                let encrypted = try checked("encryption") { try record.encrypt(message.prepared, now: now, randomness: &ratchetRandomness) }
                record = encrypted.record
                entries.append((encrypted.record, OutboxEntry(
                    recipient: recipient, message: encrypted.message, content: message.prepared, body: message.body, createdAt: now, isResend: true)))
            }
        }
        let listed = Set(devices.deviceList.devices.map(\.deviceID))
        try finish(entries, waiting: note.added.subtracting(receiving).intersection(listed))
        return entries.isEmpty ? [] : messages.map(\.prepared.envelopeID)
    }

    /// The message ids the contact's history entries receipt (delivery or read).
    static func receiptedMessages(in history: [HistoryEntry]) -> Set<MessageID> {
        var receipted = Set<MessageID>()
        for entry in history where !entry.outgoing {
            switch (try? Content(serialized: entry.body))?.body {
            case .deliveryReceipt(let ids)?, .readReceipt(let ids)?: receipted.formUnion(ids)
            default: break
            }
        }
        return receipted
    }
}
