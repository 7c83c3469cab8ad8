import Foundation
import GRDB
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Deleting history: single messages, whole conversations, disappearing messages when their time
/// comes, and processed-envelope markers once no copy of their envelope can arrive again
/// (`Spec/vault.md`, "Deletion").
///
/// Every deletion overwrites the rows (`secure_delete`) and then checkpoints and truncates the
/// write-ahead log, so nothing deleted survives in the file's free pages or in the log.
extension VaultTransaction {
    /// Schedules history record `id` for deletion at `due` (a disappearing message).
    /// The deadline record: `history record id (16) ‖ u64 due`, lookup the history record id,
    /// ordering the due time.
    mutating func scheduleExpiry(of id: RecordID, at due: UInt64) throws(VaultError) {
        var writer = ByteWriter()
        writer.raw(id.rawRepresentation)
        writer.u64(due)
        var bytes = writer.takeBytes()
        try put(SecretBytes(wiping: &bytes), table: VaultContactTables.expiry, id: .random(), lookup: id.rawRepresentation, ordering: Int64(clamping: due))
    }

    /// Puts a history entry, with its deadline if the conversation has a disappearing timer
    /// (counted from `storedAt`).
    mutating func putHistory(_ entry: HistoryEntry, storedAt: UInt64) throws(VaultError) {
        let id = RecordID.random()
        try put(entry.serialized(), table: VaultConversationTables.history, id: id, lookup: entry.peer.accountID.rawRepresentation, ordering: try nextHistoryPosition())
        if let timer = try contact(for: entry.peer.accountID)?.disappearAfterSeconds, timer > 0 {
            let (due, overflow) = storedAt.addingReportingOverflow(UInt64(timer))
            try scheduleExpiry(of: id, at: overflow ? .max : due)
        }
    }

    /// Deletes history record `id` and its deadline, if any.
    public mutating func deleteMessage(_ id: RecordID) throws(VaultError) {
        try delete(table: VaultConversationTables.history, id: id)
        for deadline in try ids(table: VaultContactTables.expiry, lookup: id.rawRepresentation) { try delete(table: VaultContactTables.expiry, id: deadline) }
    }
}

extension Vault {
    /// The conversation with an account, oldest first, with each message's record id (to delete
    /// one).
    public func historyRecords(with account: AccountID) throws(VaultError) -> [(id: RecordID, entry: HistoryEntry)] {
        var entries: [(id: RecordID, entry: HistoryEntry)] = []
        for (id, bytes) in try records(table: VaultConversationTables.history, lookup: account.rawRepresentation) { entries.append((id, try HistoryEntry(serialized: bytes))) }
        return entries
    }

    /// Deletes one message from the history.
    public func deleteMessage(_ id: RecordID) throws(VaultError) {
        try write { (tx: inout VaultTransaction) throws(VaultError) in try tx.deleteMessage(id) }
        try truncateLog()
    }

    /// Deletes the whole conversation with `account`, and the resend logs kept for its devices.
    /// Returns how many messages were deleted. Messages still in the outbox are not touched: they are sent, and enter the history when
    /// the relay accepts them.
    @discardableResult
    public func deleteConversation(with account: AccountID) throws(VaultError) -> Int {
        let count = try write { (tx: inout VaultTransaction) throws(VaultError) -> Int in
            let ids = try tx.ids(table: VaultConversationTables.history, lookup: account.rawRepresentation)
            for id in ids { try tx.deleteMessage(id) }
            // What this device sent them, kept to resend: gone with the conversation (the reset
            // guard and report times stay: they limit what the contact may ask for).
            if let list = try tx.contact(for: account)?.deviceList {
                for device in list.devices.map(\.deviceID) + list.revoked {
                    let peer = DeviceAddress(accountID: account, deviceID: device)
                    var state = try tx.resendState(for: peer)
                    guard !state.log.entries.isEmpty else { continue }
                    state.log = ResendLog()
                    try tx.putResendState(state, for: peer)
                }
            }
            return ids.count
        }
        try truncateLog()
        return count
    }

    /// Deletes every disappearing message whose time has come. Returns how many were deleted.
    /// A client calls it at start and at ``nextExpiry()``.
    @discardableResult
    public func deleteExpiredMessages(now: UInt64) throws(VaultError) -> Int {
        let keys = self.keys
        let deleted = try write { (tx: inout VaultTransaction) throws(VaultError) -> Int in
            let due: [Row]
            do {
                due = try Row.fetchAll(
                    tx.db, sql: "SELECT record_id, version, ciphertext FROM record WHERE table_name = ? AND ordering <= ? ORDER BY ordering",
                    arguments: [VaultContactTables.expiry, Int64(clamping: now)])
            } catch {
                throw .storage("\(error)")
            }
            var deleted = 0
            for row in due {
                let id = RecordID(unchecked: [UInt8](row["record_id"] as Data))
                let plaintext = try keys.open([UInt8](row["ciphertext"] as Data), table: VaultContactTables.expiry, id: id, version: UInt64(row["version"] as Int64))
                // The ordering column only selects candidates: the authenticated deadline decides.
                let (message, dueAt) = try Self.deadline(plaintext)
                guard dueAt <= now else { continue }
                try tx.delete(table: VaultConversationTables.history, id: message)
                try tx.delete(table: VaultContactTables.expiry, id: id)
                deleted += 1
            }
            return deleted
        }
        if deleted > 0 { try truncateLog() }
        return deleted
    }

    /// `history record id (16) ‖ u64 due`, parsed strictly.
    static func deadline(_ plaintext: SecretBytes) throws(VaultError) -> (RecordID, UInt64) {
        do {
            var reader = ByteReader(plaintext.withUnsafeBytes { Array($0) }, structure: "deadline")
            let id = RecordID(unchecked: try reader.raw(16))
            let due = try reader.u64()
            try reader.finish()
            return (id, due)
        } catch {
            throw .storage("deadline: \(error)")
        }
    }

    /// When the next disappearing message is due, if any.
    public func nextExpiry() throws(VaultError) -> UInt64? {
        do {
            return try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT min(ordering) FROM record WHERE table_name = ?", arguments: [VaultContactTables.expiry]).map { UInt64(max(0, $0)) }
            }
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Forgets processed-envelope markers older than ``Limits/processedEnvelopeMemory``: by then
    /// no copy of their envelope can arrive (the sender's resend log and the relay's retention
    /// have both ended). Returns how many were forgotten.
    @discardableResult
    public func pruneProcessed(now: UInt64) throws(VaultError) -> Int {
        guard now > Limits.processedEnvelopeMemory else { return 0 }
        let cutoff = Int64(clamping: now - Limits.processedEnvelopeMemory)
        let pruned: Int
        do {
            pruned = try pool.write { db in
                try db.execute(sql: "DELETE FROM record WHERE table_name = ? AND ordering < ?", arguments: [VaultConversationTables.processed, cutoff])
                return db.changesCount
            }
        } catch {
            throw .storage("\(error)")
        }
        if pruned > 0 { try truncateLog() }
        return pruned
    }

    /// Checkpoints the write-ahead log into the file and truncates it, so deleted rows (already
    /// overwritten in the file by `secure_delete`) leave no copy in the log.
    /// A reader of this process holding the log makes the checkpoint report "busy": it is tried
    /// again a few times, and otherwise left to the next deletion (or close) to complete.
    func truncateLog() throws(VaultError) {
        do {
            for attempt in 0..<5 {
                let busy = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 0 }
                if busy == 0 { return }
                Thread.sleep(forTimeInterval: 0.002 * Double(attempt + 1))
            }
        } catch {
            throw .storage("\(error)")
        }
    }
}
