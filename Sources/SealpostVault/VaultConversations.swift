import Foundation
import GRDB
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The session layer's records in the vault, and the two transactions of its commit protocol
/// (`Spec/vault.md`, "Commit protocol"):
///
/// - **receive**: the advanced session record, the message in the history and the envelope marked
///   processed commit together, and only then is the envelope acknowledged to the relay;
/// - **send**: the advanced session record and the outbox entry (the ratchet message, the content
///   and its key) commit together before anything is uploaded; the entry leaves the outbox, into
///   the history, once the relay accepted the upload.
public enum VaultConversationTables {
    /// Messages received and sent.
    public static let history = "message"
    /// Processed (sender device key, envelope id) pairs.
    public static let processed = "processed"
}

/// A message as the history keeps it.
public struct HistoryEntry: Sendable, Equatable {
    /// Whether this device sent it.
    public let outgoing: Bool
    /// The other side (the sender of an incoming message, the recipient of an outgoing one).
    public let peer: DeviceAddress
    /// The envelope id.
    public let envelopeID: EnvelopeID
    /// When it was received by the relay, or sent.
    public let time: UInt64
    /// The content.
    public let body: [UInt8]

    /// The largest body an entry holds (a content of ``Content/maximumBytes`` fits).
    public static let maximumBodyBytes = 1 << 21

    /// An entry.
    public init(outgoing: Bool, peer: DeviceAddress, envelopeID: EnvelopeID, time: UInt64, body: [UInt8]) {
        self.outgoing = outgoing
        self.peer = peer
        self.envelopeID = envelopeID
        self.time = time
        self.body = body
    }

    func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(1)
        writer.u8(outgoing ? 1 : 0)
        writer.raw(peer.accountID.rawRepresentation)
        writer.u32(peer.deviceID.value)
        writer.raw(envelopeID.rawRepresentation)
        writer.u64(time)
        writer.lp32(body)
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    init(serialized secret: SecretBytes) throws(VaultError) {
        let bytes = secret.withUnsafeBytes { Array($0) }
        do {
            var reader = ByteReader(bytes, structure: "history entry")
            try reader.version(1)
            outgoing = try reader.flag("outgoing")
            peer = DeviceAddress(accountID: try AccountID(rawRepresentation: try reader.raw(16)), deviceID: try DeviceID(try reader.u32()))
            envelopeID = try EnvelopeID(rawRepresentation: try reader.raw(16))
            time = try reader.u64()
            body = try reader.lp32("body", maximum: Self.maximumBodyBytes)
            try reader.finish()
        } catch {
            throw .storage("history entry: \(error)")
        }
    }
}

/// A message waiting to be uploaded: everything needed to re-seal it after a crash under the same
/// envelope id, without encrypting anything again.
public struct OutboxEntry: Sendable {
    /// The recipient device.
    public let recipient: DeviceAddress
    /// The ratchet message that carries the content key.
    public let message: SessionMessage
    /// The content, encrypted once, and its key.
    public let content: PreparedContent
    /// The plaintext, for the history once sent.
    public let body: [UInt8]
    /// When it was first committed.
    public let createdAt: UInt64
    /// A message sent before, encrypted again after a decryption-error report: it is in the
    /// history already, and leaves the outbox without a second history entry.
    public let isResend: Bool

    /// An entry.
    public init(recipient: DeviceAddress, message: SessionMessage, content: PreparedContent, body: [UInt8], createdAt: UInt64, isResend: Bool = false) {
        self.recipient = recipient
        self.message = message
        self.content = content
        self.body = body
        self.createdAt = createdAt
        self.isResend = isResend
    }

    func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(1)
        writer.raw(recipient.accountID.rawRepresentation)
        writer.u32(recipient.deviceID.value)
        writer.raw(content.envelopeID.rawRepresentation)
        writer.lp32(message.serialized())
        writer.lp32(content.content)
        content.storedContentKey.withUnsafeBytes { writer.raw($0) }
        writer.lp32(body)
        writer.u64(createdAt)
        writer.u8(isResend ? 1 : 0)
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    init(serialized secret: SecretBytes) throws(VaultError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        do {
            var reader = ByteReader(bytes, structure: "outbox entry")
            try reader.version(1)
            recipient = DeviceAddress(accountID: try AccountID(rawRepresentation: try reader.raw(16)), deviceID: try DeviceID(try reader.u32()))
            let id = try EnvelopeID(rawRepresentation: try reader.raw(16))
            message = try SessionMessage(serialized: try reader.lp32("session message", maximum: 1 << 21))
            let c = try reader.lp32("content", maximum: SealedEnvelope.maximumContentFieldBytes)
            var key = try reader.raw(32)
            content = try PreparedContent(restoring: id, content: c, contentKey: SecretBytes(wiping: &key))
            body = try reader.lp32("body", maximum: HistoryEntry.maximumBodyBytes)
            createdAt = try reader.u64()
            isResend = try reader.flag("resend")
            try reader.finish()
        } catch {
            throw .storage("outbox entry: \(error)")
        }
    }
}

extension SessionRecord {
    /// A stored record, checked to be `peer`'s (a row moved to another peer's id would not
    /// decrypt, but a record stored under the wrong peer by a bug would be caught here).
    static func decoded(_ bytes: SecretBytes, for peer: DeviceAddress) throws(VaultError) -> SessionRecord {
        let record: SessionRecord
        do { record = try SessionRecord(serialized: bytes) } catch { throw .storage("session record: \(error)") }
        if let current = record.current?.peer, current.accountID != peer.accountID || current.deviceID != peer.deviceID {
            throw .storage("session record: stored for another device")
        }
        return record
    }
}

extension DeviceAddress {
    var lookupValue: [UInt8] { accountID.rawRepresentation + withUnsafeBytes(of: deviceID.value.bigEndian) { Array($0) } }
}

extension EnvelopeDeduplicationKey {
    var lookupValue: [UInt8] { senderDeviceKey.rawRepresentation + envelopeID.rawRepresentation }
}

extension VaultTransaction {
    func ids(table: String, lookup: [UInt8]) throws(VaultError) -> [RecordID] {
        do {
            return try Data.fetchAll(
                db.cachedStatement(sql: "SELECT record_id FROM record WHERE table_name = ? AND lookup = ? ORDER BY ordering, record_id"),
                arguments: [table, Data(keys.blindIndex(table: table, value: lookup))]
            ).map { RecordID(unchecked: [UInt8]($0)) }
        } catch {
            throw .storage("\(error)")
        }
    }

    /// The session record held for `peer`, at its derived id: a row deleted behind the vault's
    /// back is `recordMissing`, not a missing session.
    public func session(for peer: DeviceAddress) throws(VaultError) -> SessionRecord? {
        guard let bytes = try get(table: VaultTables.sessions, id: keys.derivedID(table: VaultTables.sessions, value: peer.lookupValue)) else { return nil }
        return try SessionRecord.decoded(bytes, for: peer)
    }

    /// Stores the session record for `peer`.
    public mutating func putSession(_ record: SessionRecord, for peer: DeviceAddress) throws(VaultError) {
        try put(record.serialized(), table: VaultTables.sessions, id: keys.derivedID(table: VaultTables.sessions, value: peer.lookupValue), lookup: peer.lookupValue)
    }

    /// The next position in the history: the order in which messages were committed.
    func nextHistoryPosition() throws(VaultError) -> Int64 {
        do {
            return try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(ordering), 0) + 1 FROM record WHERE table_name = ?"), arguments: [VaultConversationTables.history]) ?? 1
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Whether an envelope was processed.
    public func isProcessed(_ key: EnvelopeDeduplicationKey) throws(VaultError) -> Bool {
        try !ids(table: VaultConversationTables.processed, lookup: key.lookupValue).isEmpty
    }

    /// **Receive**: the new session record, the message in the history and the envelope marked
    /// processed — and, for a message that started a session, the prekey store with the
    /// handshake's consumption applied — in this transaction. Acknowledge the envelope to the relay
    /// after it commits. In a conversation with a disappearing timer, the message's deadline is
    /// counted from `now` (when this device stores it), or from the relay's stamp if later.
    /// - Parameters:
    ///   - entry: The history entry to store instead of the message as received (a sync
    ///     transcript from this account's other device is stored as the message it sent).
    ///   - showInHistory: `false` for a message that is processed but not kept (a refused one).
    public mutating func commitReceived(
        _ opened: OpenedMessage, from sender: DeviceAddress, now: UInt64, entry replacement: HistoryEntry? = nil, showInHistory: Bool = true
    ) throws(VaultError) {
        if let handshake = opened.handshake {
            guard var store = try prekeyStore() else { throw .storage("a session started, but the vault holds no prekey store") }
            store.apply(handshake.consumption)
            try putPrekeyStore(store)
        }
        try putSession(opened.record, for: sender)
        try put(SecretBytes(copying: [1]), table: VaultConversationTables.processed, id: .random(), lookup: opened.deduplicationKey.lookupValue, ordering: Int64(clamping: opened.receivedAt))
        guard !opened.isRepeat, showInHistory else { return }
        let entry = replacement ?? HistoryEntry(outgoing: false, peer: sender, envelopeID: opened.envelopeID, time: opened.receivedAt, body: opened.plaintext)
        try putHistory(entry, storedAt: max(now, opened.receivedAt))
    }

    /// **Send**: the advanced session record and the outbox entry, in this transaction, before
    /// anything is uploaded. Returns the entry's id.
    @discardableResult
    public mutating func commitSending(_ record: SessionRecord, entry: OutboxEntry) throws(VaultError) -> RecordID {
        try putSession(record, for: entry.recipient)
        let id = RecordID.random()
        try put(entry.serialized(), table: VaultTables.outbox, id: id, lookup: [0], ordering: Int64(clamping: entry.createdAt))
        return id
    }

    /// The relay accepted the upload at `time`: the entry moves from the outbox to the history
    /// (with its deadline, in a conversation with a disappearing timer).
    public mutating func commitSent(_ id: RecordID, at time: UInt64) throws(VaultError) {
        try commitSent([id], at: time)
    }

    /// The relay accepted one upload at `time`: its entries (one per recipient device) leave the
    /// outbox, and the message enters the history **once** — not at all if every entry is a
    /// resend, or for a sync transcript (its message is in the history already).
    public mutating func commitSent(_ ids: [RecordID], at time: UInt64) throws(VaultError) {
        var first: OutboxEntry?
        for id in ids {
            guard let bytes = try get(table: VaultTables.outbox, id: id) else { continue }
            let entry = try OutboxEntry(serialized: bytes)
            try delete(table: VaultTables.outbox, id: id)
            if first == nil, !entry.isResend { first = entry }
        }
        guard let entry = first else { return }
        // A sync transcript is a copy, for this account's other devices, of a message the
        // history holds already.
        if case .syncTranscript? = (try? Content(serialized: entry.body))?.body { return }
        let history = HistoryEntry(outgoing: true, peer: entry.recipient, envelopeID: entry.content.envelopeID, time: time, body: entry.body)
        try putHistory(history, storedAt: time)
    }

    /// The outbox as of this transaction, oldest first.
    public func outboxEntries() throws(VaultError) -> [(id: RecordID, entry: OutboxEntry)] {
        var entries: [(id: RecordID, entry: OutboxEntry)] = []
        for id in try ids(table: VaultTables.outbox, lookup: [0]) {
            guard let bytes = try get(table: VaultTables.outbox, id: id) else { continue }
            entries.append((id, try OutboxEntry(serialized: bytes)))
        }
        return entries
    }
}

extension Vault {
    /// The outbox, oldest first.
    public func outbox() throws(VaultError) -> [(id: RecordID, entry: OutboxEntry)] {
        var entries: [(id: RecordID, entry: OutboxEntry)] = []
        for (id, bytes) in try records(table: VaultTables.outbox, lookup: [0]) { entries.append((id, try OutboxEntry(serialized: bytes))) }
        return entries
    }

    /// The conversation with an account, oldest first.
    public func history(with account: AccountID) throws(VaultError) -> [HistoryEntry] {
        var entries: [HistoryEntry] = []
        for (_, bytes) in try records(table: VaultConversationTables.history, lookup: account.rawRepresentation) { entries.append(try HistoryEntry(serialized: bytes)) }
        return entries
    }

    /// The session record held for `peer` (a read transaction).
    public func session(for peer: DeviceAddress) throws(VaultError) -> SessionRecord? {
        guard let bytes = try read(table: VaultTables.sessions, id: keys.derivedID(table: VaultTables.sessions, value: peer.lookupValue)) else { return nil }
        return try SessionRecord.decoded(bytes, for: peer)
    }

    /// Whether an envelope was processed (a read transaction): the `alreadyProcessed` answer for
    /// ``UnverifiedEnvelope/decrypt(record:identity:prekeys:initiatorDeviceList:pinned:alreadyProcessed:now:randomness:)``.
    public func isProcessed(_ key: EnvelopeDeduplicationKey) throws(VaultError) -> Bool {
        try !lookUp(table: VaultConversationTables.processed, value: key.lookupValue).isEmpty
    }

    /// The prekey store, as last committed (a read transaction).
    public func prekeyStore() throws(VaultError) -> PrekeyStore? {
        guard let bytes = try read(table: VaultTables.prekeys, id: VaultTransaction.prekeyStoreID) else { return nil }
        do { return try PrekeyStore(serialized: bytes) } catch { throw .storage("prekey store: \(error)") }
    }
}

extension VaultTransaction {
    /// The fixed id of the prekey store's record (there is one per vault).
    static let prekeyStoreID = RecordID(unchecked: [UInt8](repeating: 0, count: 16))

    /// The device's prekey store, as last committed.
    public func prekeyStore() throws(VaultError) -> PrekeyStore? {
        guard let bytes = try get(table: VaultTables.prekeys, id: Self.prekeyStoreID) else { return nil }
        do { return try PrekeyStore(serialized: bytes) } catch { throw .storage("prekey store: \(error)") }
    }

    /// Stores the prekey store: in the transaction that commits a handshake's consumption, or a
    /// rotation's new keys before they are uploaded.
    public mutating func putPrekeyStore(_ store: PrekeyStore) throws(VaultError) {
        try put(store.serialized(), table: VaultTables.prekeys, id: Self.prekeyStoreID)
    }
}
