import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

extension SealpostClient {
    /// Notes the devices a contact's newer list adds (`Spec/devices.md`, "Resending to a new
    /// device"): once the current operation ends, the messages this device sent the contact that
    /// no device of theirs has receipted are encrypted again to the added devices.
    func noteAddedDevices(of account: AccountID, previous: DeviceList?, current: DeviceList) {
        guard account != address.accountID, let previous, current.listVersion > previous.listVersion else { return }
        let known = Set(previous.devices.map(\.deviceID))
        let added = current.devices.map(\.deviceID).filter { !known.contains($0) }
        guard !added.isEmpty else { return }
        var change = addedDevices[account] ?? (former: [], added: [], notedAt: clock())
        change.former.formUnion(previous.devices.map(\.deviceID) + current.revoked)
        change.added.formUnion(added)
        addedDevices[account] = change
    }

    /// Resends to the devices ``noteAddedDevices(of:previous:current:)`` noted. A device without
    /// an envelope key yet (it registered its list a moment ago) is tried again after later
    /// operations, for up to an hour. Failures leave what was committed in the outbox.
    func resendToAddedDevices() async {
        let pending = addedDevices
        addedDevices = [:]
        for (account, change) in pending {
            let result: (envelopes: [EnvelopeID], waiting: Set<DeviceID>)? = try? await serialized { () async throws(ClientError) in
                try await commitResends(to: account, former: change.former, added: change.added)
            }
            // A failure (a bundle fetch, the vault) tries every added device again; a device that
            // cannot receive yet is tried again; both for up to an hour.
            let again = result.map(\.waiting) ?? change.added
            if !again.isEmpty, clock() < change.notedAt + 3_600 {
                var next = addedDevices[account] ?? (former: [], added: [], notedAt: change.notedAt)
                next.former.formUnion(change.former)
                next.added.formUnion(again)
                addedDevices[account] = next
            }
            for envelopeID in result?.envelopes ?? [] { try? await upload(envelopeID) }
        }
    }

    /// Encrypts to each added device (that can receive) the messages logged for the contact's
    /// former devices that no device of the contact has receipted — texts, files and timer
    /// changes, under their original envelope ids, as resends (no second history entry here).
    /// Returns the envelopes to upload and the added devices that cannot receive yet.
    func commitResends(to account: AccountID, former: Set<DeviceID>, added: Set<DeviceID>) async throws(ClientError) -> (envelopes: [EnvelopeID], waiting: Set<DeviceID>) {
        let now = clock()
        // Never in a conversation with a disappearing timer: its messages (and the receipts that
        // say which were delivered) are gone from both sides; none may come back.
        guard let contact = try contact(account), contact.disappearAfterSeconds == 0 else { return ([], []) }
        var messages: [(envelopeID: EnvelopeID, sentAt: UInt64, body: [UInt8])] = []
        var seen = Set<EnvelopeID>()
        let receipted = try receiptedMessages(from: account)
        let logs = try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                var logs: [[ResendLog.Entry]] = []
                for deviceID in former { logs.append(try tx.resendState(for: DeviceAddress(accountID: account, deviceID: deviceID)).log.entries) }
                return logs
            }
        }
        for entry in logs.joined() where entry.plaintext.count > EnvelopeID.byteCount && entry.sentAt + Limits.resendLogLifetime > now {
            guard let envelopeID = try? EnvelopeID(rawRepresentation: Array(entry.plaintext.prefix(EnvelopeID.byteCount))), !seen.contains(envelopeID) else { continue }
            let body = Array(entry.plaintext.dropFirst(EnvelopeID.byteCount))
            guard let content = try? Content(serialized: body), !receipted.contains(content.messageID) else { continue }
            switch content.body {
            case .text, .binary, .disappearingTimer: break
            default: continue
            }
            seen.insert(envelopeID)
            messages.append((envelopeID, entry.sentAt, body))
        }
        guard !messages.isEmpty else { return ([], []) }
        messages.sort { $0.sentAt < $1.sentAt }
        let devices = try await trustedDevices(of: account, now: now, refresh: true)
        let receiving = Set(recipients(devices, of: account).map(\.certificate.deviceID))
        var entries: [(SessionRecord, OutboxEntry)] = []
        for deviceID in added.sorted(by: { $0.value < $1.value }) where receiving.contains(deviceID) {
            let recipient = DeviceAddress(accountID: account, deviceID: deviceID)
            var record = try await session(with: recipient, devices: devices, now: now)
            for message in messages {
                let prepared = try checked("content") { try PreparedContent(message.body, envelopeID: message.envelopeID) }
                let sent = try checked("encryption") { try record.encrypt(prepared, now: now, randomness: &ratchetRandomness) }
                record = sent.record
                entries.append((sent.record, OutboxEntry(recipient: recipient, message: sent.message, content: prepared, body: message.body, createdAt: now, isResend: true)))
            }
        }
        let committed = entries
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                for (record, entry) in committed { try Self.commitSending(record, entry: entry, in: &tx) }
            }
        }
        let envelopes = committed.isEmpty ? [] : messages.map(\.envelopeID)
        return (envelopes, added.subtracting(receiving).intersection(Set(devices.deviceList.devices.map(\.deviceID))))
    }

    /// The message ids `account` has sent a delivery or read receipt for.
    func receiptedMessages(from account: AccountID) throws(ClientError) -> Set<MessageID> {
        var receipted = Set<MessageID>()
        for entry in try inVault({ () throws(VaultError) in try vault.history(with: account) }) where !entry.outgoing {
            switch (try? Content(serialized: entry.body))?.body {
            case .deliveryReceipt(let ids)?, .readReceipt(let ids)?: receipted.formUnion(ids)
            default: break
            }
        }
        return receipted
    }
}
