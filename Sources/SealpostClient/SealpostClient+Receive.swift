import Foundation
import HTTPTypes
import Logging
import NIOCore
import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire
import WSClient

extension SealpostClient {
    /// Opens, decrypts and commits one delivery (`Spec/client.md`, "Receiving"). Returns the
    /// events it produced; the caller acknowledges the delivery once this returns. Throws only
    /// when nothing was committed and the delivery must stay unacknowledged (the vault or the
    /// relay failed): it will be delivered again.
    public func process(_ delivery: MailboxDelivery) async throws(ClientError) -> [ClientEvent] {
        let now = clock()
        guard let envelopeKeys = try inVault({ () throws(VaultError) in try vault.envelopeKeyStore() }) else { throw .notRegistered }
        let unverified: UnverifiedEnvelope
        do {
            unverified = try EnvelopeOpener.open(delivery, recipient: address, envelopeKeys: envelopeKeys, trust: trust, now: now)
        } catch {
            return [.undecryptable(reason: "\(error)")]
        }
        let sender = unverified.claimedSender
        let record = try inVault { () throws(VaultError) in try vault.session(for: sender) } ?? SessionRecord()
        let existing = try contact(sender.accountID)
        var initiatorDevices: AccountDevices?
        if case .initial = unverified.sessionMessage {
            do { initiatorDevices = try await devices(of: sender.accountID, refresh: true).devices } catch {
                if case .relay = error { return [.undecryptable(reason: "the sender's devices are not in the directory: \(error)")] }
                throw error
            }
        }
        guard let prekeys = try inVault({ () throws(VaultError) in try vault.prekeyStore() }) else { throw .notRegistered }
        let store = self.vault
        let opened: OpenedMessage
        do {
            opened = try unverified.decrypt(
                record: record, identity: stored.identity, prekeys: prekeys, initiatorDeviceList: initiatorDevices?.deviceList, pinned: existing?.pin,
                alreadyProcessed: { key in (try? store.isProcessed(key)) ?? false }, now: now, randomness: &ratchetRandomness)
        } catch EnvelopeError.session(.duplicate) {
            return []  // committed before, not acknowledged: acknowledge it now
        } catch {
            return [.undecryptable(reason: "\(error)")]
        }

        var events: [ClientEvent] = []
        var contact = existing
        if let handshake = opened.handshake {
            let pin = handshake.trust.pin
            switch handshake.trust.decision {
            case .firstUse:
                contact = try inVault { () throws(VaultError) in try Contact(pin: pin, deviceList: initiatorDevices?.deviceList, name: "\(sender.accountID)") }
                events.append(.newContact(account: sender.accountID, name: "\(sender.accountID)"))
            case .changed:
                events.append(.keyChanged(account: sender.accountID, wasVerified: existing?.verifiedAccountKey != nil))
                contact?.pin = pin
                contact?.deviceList = initiatorDevices?.deviceList
            case .unchanged:
                if let previous = existing?.pin, previous.deviceListVersion != pin.deviceListVersion, let list = initiatorDevices?.deviceList {
                    events.append(.devicesChanged(account: sender.accountID, devices: list.devices.map(\.deviceID)))
                }
                let list = initiatorDevices?.deviceList ?? contact?.deviceList
                contact?.pin = pin
                contact?.deviceList = list
            }
        }
        let content = opened.isRepeat ? nil : try? Content(serialized: opened.plaintext)
        if let content {
            if let secret = content.accessSecret, let parsed = try? DeliveryAccessSecret(secret) { contact?.accessSecret = parsed }
            if case .disappearingTimer(let seconds) = content.body, sender.accountID != address.accountID { contact?.disappearAfterSeconds = seconds }
        }
        // A sync transcript counts only from this account's own devices: it is stored in the
        // conversation with its recipient, as a message this account sent. From anyone else it
        // stays what it is, a message of theirs, and is reported as refused.
        var replacement: HistoryEntry?
        var foreignTranscript = false
        if let content, case .syncTranscript(let transcript) = content.body {
            if sender.accountID == address.accountID {
                replacement = HistoryEntry(
                    outgoing: true, peer: DeviceAddress(accountID: transcript.recipient, deviceID: sender.deviceID), envelopeID: opened.envelopeID,
                    time: opened.receivedAt, body: transcript.content.serialized())
            } else {
                foreignTranscript = true
            }
        }
        let update = contact != existing ? contact : nil
        let entry = replacement
        try inVault { () throws(VaultError) in
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                if let update { try tx.putContact(update) }
                try tx.commitReceived(opened, from: sender, now: now, entry: entry)
            }
        }
        guard !opened.isRepeat else { return events }
        guard let content else { return events + [.undecryptable(reason: "the content does not parse")] }
        if foreignTranscript { return events + [.undecryptable(reason: "a sync transcript from another account was refused")] }
        if case .unknown(let type, _) = content.body { return events + [.unsupported(from: sender, type: type)] }
        events.append(.message(ReceivedMessage(sender: sender, senderName: contact?.name ?? "\(sender.accountID)", content: content, receivedAt: opened.receivedAt)))
        return events
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
        for (account, messageIDs) in ids { _ = try? await send(.deliveryReceipt(messageIDs), to: account) }
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
                events += try await process(delivery)
                try await api.acknowledge([delivery.sequence], authorization: authorization)
                after = delivery.sequence
            }
        }
        await acknowledgeToSenders(events)
        return events
    }

    /// Receives over the authenticated WebSocket until the connection ends or the task is
    /// cancelled: each delivery is processed and committed, **then** acknowledged, then its
    /// events are handed to `onEvent`.
    public func listen(onEvent: @escaping @Sendable (ClientEvent) async -> Void) async throws(ClientError) {
        var headers = HTTPFields()
        headers[.authorization] = authorization
        let url = profile.endpoint.webSocketURL("/v1/receive")
        do {
            _ = try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: Logger(label: "sealpost-client")) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 8 << 20) {
                    guard case .binary(let buffer) = message else { continue }
                    let delivery = try MailboxDelivery(serialized: Array(buffer.readableBytesView))
                    let events = try await self.process(delivery)
                    try await outbound.write(.binary(ByteBuffer(bytes: try Acknowledgement(sequences: [delivery.sequence]).serialized())))
                    for event in events { await onEvent(event) }
                    await self.acknowledgeToSenders(events)
                }
            }
        } catch let error as ClientError {
            throw error
        } catch is CancellationError {
            return
        } catch {
            throw .network("\(error)")
        }
    }
}
