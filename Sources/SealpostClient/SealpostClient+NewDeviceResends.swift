import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

extension SealpostClient {
    /// What ``noteAddedDevices(of:previous:current:)`` noted for an account: its devices before,
    /// the devices added, the account key they are under, and when.
    struct AddedDevices: Sendable {
        var former: Set<DeviceID>
        var added: Set<DeviceID>
        let accountKey: Ed25519.PublicKey
        let notedAt: UInt64
    }

    /// Notes the devices a contact's newer list adds under the **same** account key
    /// (`Spec/devices.md`, "Resending to a new device"): once the current operation ends, the
    /// messages this device sent the contact that no device of theirs has receipted are encrypted
    /// again to the added devices.
    func noteAddedDevices(of account: AccountID, accountKey: Ed25519.PublicKey, previous: DeviceList?, current: DeviceList) {
        guard account != address.accountID, let previous, current.listVersion > previous.listVersion else { return }
        let known = Set(previous.devices.map(\.deviceID))
        let added = current.devices.map(\.deviceID).filter { !known.contains($0) }
        guard !added.isEmpty else { return }
        var change = addedDevices[account].flatMap { $0.accountKey == accountKey ? $0 : nil }
            ?? AddedDevices(former: [], added: [], accountKey: accountKey, notedAt: clock())
        change.former.formUnion(previous.devices.map(\.deviceID) + current.revoked)
        change.added.formUnion(added)
        addedDevices[account] = change
    }

    /// Resends to the devices ``noteAddedDevices(of:accountKey:previous:current:)`` noted. A
    /// device without an envelope key yet (it registered its list a moment ago), and every added
    /// device after a failure, is tried again after later operations, for up to an hour. What was
    /// committed stays in the outbox.
    func resendToAddedDevices() async {
        let pending = addedDevices
        addedDevices = [:]
        for (account, change) in pending {
            let result: (envelopes: [EnvelopeID], waiting: Set<DeviceID>)? = try? await serialized { () async throws(ClientError) in
                try await commitResends(to: account, change)
            }
            let again = result.map(\.waiting) ?? change.added
            if !again.isEmpty, clock() < change.notedAt + 3_600, addedDevices[account] == nil {
                var next = change
                next.added = again
                addedDevices[account] = next
            }
            for envelopeID in result?.envelopes ?? [] { try? await upload(envelopeID) }
        }
    }

    /// Encrypts to each added device (that can receive) the messages logged for the contact's
    /// former devices that no device of the contact has receipted — texts, files and timer
    /// changes still in this device's history, under their original envelope ids and one content
    /// key per message, as resends (no second history entry here). Returns the envelopes to
    /// upload and the added devices that cannot receive yet.
    ///
    /// Nothing is resent: in a conversation with a disappearing timer; for a message that left
    /// the history (deleted, or disappeared under an earlier timer); for one still in the outbox
    /// (its upload extends it to the new devices by itself); or when the account key is no longer
    /// the one the devices were added under.
    func commitResends(to account: AccountID, _ change: AddedDevices) async throws(ClientError) -> (envelopes: [EnvelopeID], waiting: Set<DeviceID>) {
        let now = clock()
        guard let contact = try contact(account), contact.disappearAfterSeconds == 0, contact.pin.accountKey == change.accountKey else { return ([], []) }
        let history = try inVault { () throws(VaultError) in try vault.history(with: account) }
        let sent = Set(history.filter(\.outgoing).map(\.envelopeID))
        let receipted = Self.receiptedMessages(in: history)
        let queued = Set(try inVault { () throws(VaultError) in try vault.outbox() }.map(\.entry.content.envelopeID))
        let logs = try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                var logs: [[ResendLog.Entry]] = []
                for deviceID in change.former { logs.append(try tx.resendState(for: DeviceAddress(accountID: account, deviceID: deviceID)).log.entries) }
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
        guard !messages.isEmpty else { return ([], []) }
        messages.sort { $0.sentAt < $1.sentAt }
        let devices = try await trustedDevices(of: account, now: now, refresh: true)
        guard devices.accountKey == change.accountKey else { return ([], []) }
        let receiving = Set(recipients(devices, of: account).map(\.certificate.deviceID))
        var entries: [(SessionRecord, OutboxEntry)] = []
        for deviceID in change.added.sorted(by: { $0.value < $1.value }) where receiving.contains(deviceID) {
            let recipient = DeviceAddress(accountID: account, deviceID: deviceID)
            var record = try await session(with: recipient, devices: devices, now: now)
            for message in messages {
                let encrypted = try checked("encryption") { try record.encrypt(message.prepared, now: now, randomness: &ratchetRandomness) }
                record = encrypted.record
                entries.append((encrypted.record, OutboxEntry(
                    recipient: recipient, message: encrypted.message, content: message.prepared, body: message.body, createdAt: now, isResend: true)))
            }
        }
        let committed = entries
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                for (record, entry) in committed { try Self.commitSending(record, entry: entry, in: &tx) }
            }
        }
        let envelopes = committed.isEmpty ? [] : messages.map(\.prepared.envelopeID)
        return (envelopes, change.added.subtracting(receiving).intersection(Set(devices.deviceList.devices.map(\.deviceID))))
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
