import Foundation
import HTTPTypes
import Logging
import NIOCore
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire
import Synchronization
import WSClient

extension SealpostClient {
    /// Opens, decrypts and commits one delivery (`Spec/client.md`, "Receiving"). Returns the
    /// events it produced; the caller acknowledges the delivery once this returns. Throws only
    /// when nothing was committed and the delivery must stay unacknowledged (the vault or the
    /// relay failed): it will be delivered again.
    public func process(_ delivery: MailboxDelivery) async throws(ClientError) -> [ClientEvent] {
        try await serialized { () async throws(ClientError) in try await processAlone(delivery) }
    }

    func processAlone(_ delivery: MailboxDelivery) async throws(ClientError) -> [ClientEvent] {
        let now = clock()
        guard let envelopeKeys = try inVault({ () throws(VaultError) in try vault.envelopeKeyStore() }) else { throw .notRegistered }
        let unverified: UnverifiedEnvelope
        do {
            unverified = try await open(delivery, envelopeKeys: envelopeKeys, now: now)
        } catch let error as EnvelopeError {
            return [.undecryptable(reason: "\(error)")]
        } catch let error as ClientError {
            throw error
        } catch {
            throw .invalidData("\(error)")
        }
        let sender = unverified.claimedSender
        let ownAccount = sender.accountID == address.accountID
        let record = try inVault { () throws(VaultError) in try vault.session(for: sender) } ?? SessionRecord()
        let existing = try contact(sender.accountID)
        // Only a message that starts a session needs the prekeys (a large record: read it only
        // then) and the sender's device list; later messages of the handshake's session do not.
        var needsHandshake = false
        if case .initial(let header, _) = unverified.sessionMessage { needsHandshake = !record.hasSession(baseKey: header.baseKey) }
        let prekeys: PrekeyStore
        if needsHandshake {
            guard let stored = try inVault({ () throws(VaultError) in try vault.prekeyStore() }) else { throw .notRegistered }
            prekeys = stored
        } else {
            prekeys = PrekeyStore()
        }
        let store = self.vault
        // The sender's device list: the cached answer first (a sender's first messages all carry
        // the handshake until it hears back), fetched again once if the handshake does not
        // verify against it. Only a missing account is final; any other failure is retried later.
        var initiatorDevices: AccountDevices?
        var opened: OpenedMessage?
        var processedCheckFailure: VaultError?
        for refresh in [false, true] {
            if needsHandshake {
                do { initiatorDevices = try await devices(of: sender.accountID, refresh: refresh).devices } catch {
                    if case .relay(404, _, _, _) = error { return [.undecryptable(reason: "the sender's account is not in the directory")] }
                    throw error
                }
            }
            do {
                opened = try unverified.decrypt(
                    record: record, identity: stored.identity, prekeys: prekeys, initiatorDeviceList: initiatorDevices?.deviceList, pinned: existing?.pin,
                    alreadyProcessed: { key in
                        do { return try store.isProcessed(key) } catch let error as VaultError {
                            processedCheckFailure = error
                            return false
                        } catch {
                            processedCheckFailure = .storage("\(error)")
                            return false
                        }
                    }, now: now, randomness: &ratchetRandomness)
                break
            } catch EnvelopeError.session(.duplicate) {
                return []  // committed before, not acknowledged: acknowledge it now
            } catch {
                guard !refresh, needsHandshake else {
                    try scheduleReport(for: error, message: unverified.sessionMessage, from: sender, now: now)
                    return [.undecryptable(reason: "\(error)")]
                }
            }
        }
        if let processedCheckFailure { throw .vault(processedCheckFailure) }
        guard let opened else { return [.undecryptable(reason: "the message does not decrypt")] }

        // Trust: the handshake's decision about the sender's account key and device list.
        var events: [ClientEvent] = []
        var newContact: Contact?
        var pin: AccountPin?, list: DeviceList?
        // A newer list under the same key: its added devices are noted for resending.
        var listAdded: (previous: DeviceList?, current: DeviceList, accountKey: Ed25519.PublicKey)?
        if let handshake = opened.handshake {
            let checked = handshake.trust.pin
            if ownAccount, checked.accountKey != stored.identity.accountKey {
                // A device claiming this account under another key: never trusted, never stored.
                return [.undecryptable(reason: "a device claims this account under another account key")]
            }
            pin = checked
            list = initiatorDevices?.deviceList
            switch handshake.trust.decision {
            case .firstUse:
                newContact = try inVault { () throws(VaultError) in try Contact(pin: checked, deviceList: list, name: "\(sender.accountID)") }
                events.append(.newContact(account: sender.accountID, name: "\(sender.accountID)"))
            case .changed:
                // The pin moves; a verified contact keeps its verified key, so sending stays
                // blocked until the user compares the new safety number or accepts the change.
                events.append(.keyChanged(account: sender.accountID, wasVerified: existing?.verifiedAccountKey != nil))
            case .unchanged:
                if let previous = existing?.pin, previous.deviceListVersion != checked.deviceListVersion, let list {
                    events.append(.devicesChanged(account: sender.accountID, devices: list.devices.map(\.deviceID)))
                    listAdded = (existing?.deviceList, list, checked.accountKey)
                }
            }
        }
        let content = opened.isRepeat ? nil : try? Content(serialized: opened.plaintext)
        var accessSecret: DeliveryAccessSecret?
        var timer: UInt32?
        if let content, !ownAccount {
            if let secret = content.accessSecret { accessSecret = try? DeliveryAccessSecret(secret) }
            if case .disappearingTimer(let seconds) = content.body { timer = seconds }
        }
        // A sync transcript counts only from this account's own devices: it is stored in the
        // conversation with its recipient, as a message this account sent. From anyone else it
        // is refused and not stored.
        var replacement: HistoryEntry?
        var foreignTranscript = false
        if let content, case .syncTranscript(let transcript) = content.body {
            if ownAccount {
                replacement = HistoryEntry(
                    outgoing: true, peer: DeviceAddress(accountID: transcript.recipient, deviceID: sender.deviceID), envelopeID: opened.envelopeID,
                    time: opened.receivedAt, body: transcript.content.serialized())
            } else {
                foreignTranscript = true
            }
        }
        let entry = replacement, created = newContact, (newPin, newList) = (pin, list), addedList = listAdded
        let (secret, newTimer) = (accessSecret, timer)
        let account = sender.accountID
        let report: DecryptionErrorMessage? = if let content, case .decryptionError(let report) = content.body { report } else { nil }
        let identity = stored.identity
        // The contact is read again inside the transaction and only what this message changes
        // is applied, so a verification or a timer set meanwhile is not overwritten.
        var resent: [EnvelopeID] = []
        var randomness = ratchetRandomness
        defer { ratchetRandomness = randomness }
        let name = try inVault { () throws(VaultError) -> String? in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) -> String? in
                var contact = try tx.contact(for: account) ?? created
                if let (previous, current, key) = addedList {
                    try notePendingResend(in: &tx, account: account, accountKey: key, previous: previous, current: current, now: now)
                }
                if var updated = contact {
                    if let newPin { updated.pin = newPin }
                    if let newList { updated.deviceList = newList } else if newPin != nil, updated.deviceList?.listVersion != newPin?.deviceListVersion { updated.deviceList = nil }
                    if let secret { updated.accessSecret = secret }
                    if let newTimer { updated.disappearAfterSeconds = newTimer }
                    if updated != contact { try tx.putContact(updated) }
                    contact = updated
                }
                try tx.commitReceived(opened, from: sender, now: now, entry: entry, showInHistory: !foreignTranscript && report == nil)
                // A decryption-error report is checked against this device's resend log for the
                // reporter and its guard updated — and, if it is accepted, the logged messages are
                // encrypted again in the session the report came in and put in the outbox — all in
                // this transaction: a crash cannot leave the guard spent and the resends lost.
                // Only a report that came in a new session (a handshake) from a contact whose key
                // is accepted is considered.
                let keyAccepted = contact.map { $0.verifiedAccountKey == nil || $0.verifiedAccountKey == $0.pin.accountKey } ?? false
                if let report, opened.handshake != nil, keyAccepted {
                    var state = try tx.resendState(for: sender)
                    if let reset = try? DecryptionErrors.evaluate(report, identity: identity, peer: opened.sender, log: state.log, guard: state.resetGuard, now: now) {
                        state.resetGuard = reset.guard
                        try tx.putResendState(state, for: sender)
                        let pending = try tx.outboxEntries()
                        var record = opened.record
                        for logged in reset.resend {
                            guard logged.plaintext.count > EnvelopeID.byteCount,
                                let id = try? EnvelopeID(rawRepresentation: Array(logged.plaintext.prefix(EnvelopeID.byteCount)))
                            else { continue }
                            let body = Array(logged.plaintext.dropFirst(EnvelopeID.byteCount))
                            // Still in the outbox (never uploaded): the reporter's entry is encrypted
                            // again with the entries' own content key, so the upload stays one
                            // content under one key; it enters the history when it is sent.
                            let waiting = pending.filter { $0.entry.content.envelopeID == id }
                            let prepared: PreparedContent
                            if let first = waiting.first {
                                prepared = first.entry.content
                                for entry in waiting where entry.entry.recipient == sender { try tx.delete(table: VaultTables.outbox, id: entry.id) }
                            } else {
                                guard let fresh = try? PreparedContent(body, envelopeID: id) else { continue }
                                prepared = fresh
                            }
                            guard let sent = try? record.encrypt(prepared, now: now, randomness: &randomness) else { continue }
                            record = sent.record
                            try Self.commitSending(
                                sent.record,
                                entry: OutboxEntry(recipient: sender, message: sent.message, content: prepared, body: body, createdAt: now, isResend: waiting.isEmpty),
                                in: &tx)
                            resent.append(id)
                        }
                    }
                }
                return contact?.name
            }
        }
        pendingUploads += resent
        if report != nil { return events }
        guard !opened.isRepeat else { return events }
        guard let content else { return events + [.undecryptable(reason: "the content does not parse")] }
        if foreignTranscript { return events + [.undecryptable(reason: "a sync transcript from another account was refused")] }
        if case .unknown(let type, _) = content.body { return events + [.unsupported(from: sender, type: type)] }
        events.append(.message(ReceivedMessage(sender: sender, senderName: name ?? "\(sender.accountID)", content: content, receivedAt: opened.receivedAt)))
        return events
    }

    /// Step 1 of receiving, with the two failures that are not final: an unknown server key
    /// (the operator rotated: its certificates are fetched again and the envelope opened once
    /// more) and a relay stamp the device's clock finds implausible (the delivery waits).
    func open(_ delivery: MailboxDelivery, envelopeKeys: EnvelopeKeyStore, now: UInt64) async throws -> UnverifiedEnvelope {
        do {
            return try EnvelopeOpener.open(delivery, recipient: address, envelopeKeys: envelopeKeys, trust: trust, now: now)
        } catch .unknownServerKey(let id) {
            try await refreshOperator()
            do {
                return try EnvelopeOpener.open(delivery, recipient: address, envelopeKeys: envelopeKeys, trust: trust, now: now)
            } catch .unknownServerKey {
                throw ClientError.deferred("the operator's server key \(id) is not known yet")
            }
        } catch .implausibleDeliveryTime {
            throw ClientError.deferred("the relay's time and this device's clock disagree; check the clock")
        }
    }

    /// Schedules a decryption-error report for a message whose session is gone
    /// (`Spec/client.md`, "Decryption errors"): only for `noSession`, only to a known contact,
    /// and at most one an hour per peer device — recorded in the vault, so restarts do not lift
    /// it — since a failure is easy to forge and each report starts a handshake.
    func scheduleReport(for error: any Error, message: SessionMessage, from sender: DeviceAddress, now: UInt64) throws(ClientError) {
        guard case EnvelopeError.session(.noSession) = error, try contact(sender.accountID) != nil else { return }
        let due = try inVault { () throws(VaultError) -> Bool in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) -> Bool in
                var state = try tx.resendState(for: sender)
                if let last = state.lastReportedAt, now < last &+ 3_600, now >= last { return false }
                state.lastReportedAt = now
                try tx.putResendState(state, for: sender)
                return true
            }
        }
        guard due else { return }
        pendingReports.append((sender, DecryptionErrors.report(
            failed: message.ratchetMessage, senderAccountID: sender.accountID, senderDeviceID: sender.deviceID, identity: stored.identity, now: now)))
    }

    /// Sends the reports that processing scheduled, each in a **new** session with the device it
    /// goes to: a fresh handshake from the device's bundle becomes the record's current state,
    /// the older states staying for messages still in flight. Then uploads the resends an
    /// accepted report committed. Failures leave what was committed in the outbox.
    func recover() async {
        let reports = pendingReports
        pendingReports = []
        for (peer, report) in reports {
            let started: Void? = try? await serialized { () async throws(ClientError) in
                let now = clock()
                let devices = try await trustedDevices(of: peer.accountID, now: now)
                let bundle = try await api.bundle(peer)
                let pin = try contact(peer.accountID)?.pin
                let result = try checked("prekey bundle") {
                    try Handshake.initiate(
                        identity: stored.identity, accountID: peer.accountID, accountKey: devices.accountKey, deviceList: devices.deviceList,
                        bundle: bundle, pinned: pin, now: now, randomness: &handshakeRandomness)
                }
                let state = try checked("session") { try SessionState(initiator: result, randomness: &ratchetRandomness) }
                try inVault { () throws(VaultError) in
                    try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                        var record = try tx.session(for: peer) ?? SessionRecord()
                        record.promote(state)
                        try tx.putSession(record, for: peer)
                    }
                }
            }
            guard started != nil else { continue }
            _ = try? await send(.decryptionError(report), to: peer.accountID)
        }
        // Resends committed with the report's evaluation: upload them (the upload adds the
        // account's other devices, which recognise each as a repeat).
        let uploads = pendingUploads
        pendingUploads = []
        for envelopeID in uploads { try? await upload(envelopeID) }
        await resendToAddedDevices()
    }

    /// Processes a delivery; `nil` when it must stay unacknowledged for now (the vault, the
    /// network or the relay failed, or ``ClientError/deferred(_:)``). A delivery whose
    /// processing keeps failing on data (``ClientError/invalidData(_:)``) is given up after five
    /// attempts and acknowledged, so it cannot block the mailbox; one that fails because the
    /// vault, the network or the clock does is never given up.
    func processOrDefer(_ delivery: MailboxDelivery) async throws(ClientError) -> [ClientEvent]? {
        do {
            let events = try await process(delivery)
            failedAttempts[delivery.sequence] = nil
            return events
        } catch {
            if case .invalidData(let reason) = error {
                let attempts = (failedAttempts[delivery.sequence] ?? 0) + 1
                failedAttempts[delivery.sequence] = attempts
                if attempts >= 5 {
                    failedAttempts[delivery.sequence] = nil
                    return [.undecryptable(reason: "given up after \(attempts) attempts: \(reason)")]
                }
            }
            if case .vault = error { throw error }
            return nil
        }
    }

    /// Sends delivery receipts for the texts and payloads among `events` (each a sealed send to
    /// the sender's account). Failures stay in the outbox.
    func acknowledgeToSenders(_ events: [ClientEvent]) async {
        var ids: [AccountID: [MessageID]] = [:]
        for case .message(let message) in events where message.sender.accountID != address.accountID {
            switch message.content.body {
            case .text, .binary: ids[message.sender.accountID, default: []].append(message.content.messageID)
            default: break
            }
        }
        for (account, messageIDs) in ids {
            for start in stride(from: 0, to: messageIDs.count, by: ContentBody.maximumReceiptCount) {
                _ = try? await send(.deliveryReceipt(Array(messageIDs[start..<min(start + ContentBody.maximumReceiptCount, messageIDs.count)])), to: account)
            }
        }
    }

    /// Fetches and processes everything waiting over HTTP (the fallback of ``listen(onEvent:)``),
    /// acknowledging each delivery after it committed. Returns the events.
    public func receivePending() async throws(ClientError) -> [ClientEvent] {
        var events: [ClientEvent] = []
        var after: UInt64 = 0
        while true {
            let deliveries = try await api.pending(after: after, authorization: authorization)
            if deliveries.isEmpty { break }
            for delivery in deliveries {
                after = delivery.sequence
                guard let result = try await processOrDefer(delivery) else { continue }
                events += result
                try await api.acknowledge([delivery.sequence], authorization: authorization)
            }
        }
        await acknowledgeToSenders(events)
        await recover()
        return events
    }

    /// Runs the device until the task is cancelled: receives over the authenticated WebSocket
    /// (each delivery processed and committed, **then** acknowledged, then its events handed to
    /// `onEvent`), reconnecting with backoff when the connection drops; and, beside it, retries
    /// the outbox with exponential backoff, rotates and replenishes keys hourly, and deletes
    /// disappearing messages when they are due.
    public func listen(onEvent: @escaping @Sendable (ClientEvent) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.receiveLoop(onEvent: onEvent) }
            group.addTask { await self.upkeepLoop(onEvent: onEvent) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The WebSocket, reconnected after 1, 2, 4 … 300 s while the task runs.
    func receiveLoop(onEvent: @escaping @Sendable (ClientEvent) async -> Void) async {
        var backoff = Backoff()
        while !Task.isCancelled {
            let connected = ConnectionFlag()
            do {
                try await receiveOnce(onEvent: onEvent) { connected.set() }
            } catch {
                if Task.isCancelled { return }
                if connected.isSet { backoff.reset() }
                let delay = backoff.next()
                await onEvent(.connectionLost(reason: "\(error)", retryInSeconds: delay))
                try? await Task.sleep(for: .seconds(delay))
            }
        }
    }

    /// One WebSocket connection, until it ends.
    func receiveOnce(onEvent: @escaping @Sendable (ClientEvent) async -> Void, connected: @escaping @Sendable () async -> Void) async throws {
        var headers = HTTPFields()
        headers[.authorization] = authorization
        let url = profile.endpoint.webSocketURL("/v1/receive")
        let closure = try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: Logger(label: "sealpost-client")) { inbound, outbound, _ in
            await connected()
            for try await message in inbound.messages(maxSize: 8 << 20) {
                guard case .binary(let buffer) = message else { continue }
                let delivery: MailboxDelivery
                do { delivery = try MailboxDelivery(serialized: Array(buffer.readableBytesView)) } catch {
                    await onEvent(.undecryptable(reason: "the relay sent a delivery that does not parse"))
                    continue
                }
                // Not processed yet (a failure that may pass): the connection ends, and the
                // delivery comes again on the next one, after the backoff.
                guard let events = try await self.processOrDefer(delivery) else { throw ClientError.deferred("delivery \(delivery.sequence)") }
                try await outbound.write(.binary(ByteBuffer(bytes: try Acknowledgement(sequences: [delivery.sequence]).serialized())))
                for event in events { await onEvent(event) }
                await self.acknowledgeToSenders(events)
                await self.recover()
            }
        }
        if let closure, closure.closeCode != .normalClosure { throw ClientError.network("the relay closed the connection (\(closure.closeCode))") }
    }

    /// Outbox retries with backoff, hourly key maintenance, disappearing messages.
    func upkeepLoop(onEvent: @escaping @Sendable (ClientEvent) async -> Void) async {
        var backoff = Backoff()
        var nextMaintenance = clock()
        while !Task.isCancelled {
            let now = clock()
            if now >= nextMaintenance {
                do {
                    try await maintainKeys()
                    nextMaintenance = now + 3_600
                } catch {
                    nextMaintenance = now + 60
                }
            }
            _ = try? deleteExpiredMessages()
            var wait: UInt64 = 30
            do {
                try await flushOutbox()
                backoff.reset()
            } catch {
                wait = backoff.next()
            }
            for notice in takeNotices() { await onEvent(notice) }
            if let due = try? vault.nextExpiry(), due > now { wait = min(wait, due - now) }
            try? await Task.sleep(for: .seconds(max(1, wait)))
        }
    }
}

/// Whether a connection got as far as the upgrade.
final class ConnectionFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}

/// 1, 2, 4 … 300 seconds.
struct Backoff: Sendable {
    private var current: UInt64 = 0
    mutating func next() -> UInt64 {
        current = current == 0 ? 1 : min(300, current * 2)
        return current
    }
    mutating func reset() { current = 0 }
}
