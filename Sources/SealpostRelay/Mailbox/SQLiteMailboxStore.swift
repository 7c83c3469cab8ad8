import Foundation
import GRDB
import SealpostWire

/// The mailbox store on SQLite, through GRDB (`Spec/relay.md`, "Mailbox store").
///
/// - WAL journal with `synchronous = FULL`: a committed transaction has reached the disk.
/// - **Group commit**: deposits and acknowledgements from concurrent requests queue up while a
///   transaction is being written, and the next transaction takes all of them, so they share one
///   commit and one fsync (as Redis does with `appendfsync always`). Each upload still stores all
///   or none of its envelopes: it runs in its own savepoint inside the shared transaction.
/// - Statements are prepared once and cached per connection.
public final class SQLiteMailboxStore: MailboxStore {
    let pool: DatabasePool
    let quota: MailboxQuota
    let committer: GroupCommitter

    /// Opens (creating if needed) the store at `path`.
    /// - Throws: ``MailboxStoreError/storage(_:)`` if the file cannot be opened or migrated.
    public init(path: String, quota: MailboxQuota = .standard) throws(MailboxStoreError) {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.label = "sealpost-mailbox"
        // Another process (an operator command, a backup) may hold the lock for a moment.
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets `synchronous = NORMAL` on the writer when it enables WAL, after
            // `prepareDatabase`: set FULL again on the writer, or a commit is not power-loss safe.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
        } catch {
            throw .storage("cannot open \(path): \(error)")
        }
        self.quota = quota
        committer = GroupCommitter(pool: pool, quota: quota)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("mailbox-v1") { db in
            try db.execute(sql: """
                CREATE TABLE mailbox (
                    account BLOB NOT NULL,
                    device INTEGER NOT NULL,
                    next_sequence INTEGER NOT NULL,
                    envelope_count INTEGER NOT NULL,
                    byte_count INTEGER NOT NULL,
                    PRIMARY KEY (account, device)
                ) WITHOUT ROWID;
                CREATE TABLE envelope (
                    id INTEGER PRIMARY KEY,
                    account BLOB NOT NULL,
                    device INTEGER NOT NULL,
                    sequence INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    body BLOB NOT NULL
                );
                CREATE UNIQUE INDEX envelope_by_mailbox ON envelope(account, device, sequence);
                CREATE INDEX envelope_by_time ON envelope(received_at);
                """)
        }
        return migrator
    }

    public func deposit(_ deposits: [MailboxDeposit], receivedAt: UInt64) async throws(MailboxStoreError) -> [UInt64] {
        guard !deposits.isEmpty else { throw .invalidDeposit("an upload names at least one mailbox") }
        guard receivedAt <= UInt64(Int64.max) else { throw .invalidDeposit("time out of range") }
        let result = await committer.submit(.deposit(deposits, receivedAt: Int64(receivedAt)))
        switch result {
        case .sequences(let sequences): return sequences
        case .failure(let error): throw error
        case .count: throw .storage("unexpected result")
        }
    }

    public func acknowledge(_ address: DeviceAddress, sequences: [UInt64]) async throws(MailboxStoreError) -> Int {
        guard !sequences.isEmpty else { return 0 }
        switch await committer.submit(.acknowledge(address, sequences.filter { $0 <= UInt64(Int64.max) }.map { Int64($0) })) {
        case .count(let count): return count
        case .failure(let error): throw error
        case .sequences: throw .storage("unexpected result")
        }
    }

    public func pending(for address: DeviceAddress, after: UInt64, limit: Int) async throws(MailboxStoreError) -> [StoredEnvelope] {
        let after = Int64(clamping: after)
        let limit = max(0, limit)
        do {
            return try await pool.read { db in
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT sequence, received_at, body FROM envelope WHERE account = ? AND device = ? AND sequence > ? ORDER BY sequence LIMIT ?"),
                    arguments: [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value), after, limit])
                return rows.map { row in
                    StoredEnvelope(
                        address: address, sequence: UInt64(row["sequence"] as Int64), receivedAt: UInt64(row["received_at"] as Int64),
                        envelope: [UInt8](row["body"] as Data))
                }
            }
        } catch {
            throw .storage("\(error)")
        }
    }

    public func expire(receivedBefore time: UInt64) async throws(MailboxStoreError) -> Int {
        do {
            return try await pool.write { db in
                try db.execute(
                    sql: "DELETE FROM envelope WHERE received_at < ?", arguments: [Int64(clamping: time)])
                let deleted = db.changesCount
                if deleted > 0 {
                    try db.execute(sql: """
                        UPDATE mailbox SET
                            envelope_count = (SELECT count(*) FROM envelope e WHERE e.account = mailbox.account AND e.device = mailbox.device),
                            byte_count = (SELECT coalesce(sum(length(body)), 0) FROM envelope e WHERE e.account = mailbox.account AND e.device = mailbox.device)
                        WHERE envelope_count > 0
                        """)
                }
                return deleted
            }
        } catch {
            throw .storage("\(error)")
        }
    }

    public func usage(of address: DeviceAddress) async throws(MailboxStoreError) -> MailboxUsage {
        do {
            return try await pool.read { db in
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT envelope_count, byte_count FROM mailbox WHERE account = ? AND device = ?"),
                    arguments: [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value)])
                return MailboxUsage(envelopes: row.map { Int($0["envelope_count"] as Int64) } ?? 0, bytes: row.map { Int($0["byte_count"] as Int64) } ?? 0)
            }
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Write transactions committed, and the deposits and acknowledgements they carried: their
    /// ratio is how many requests share one fsync.
    public func commitStatistics() async -> (transactions: Int, operations: Int) {
        (await committer.transactions, await committer.operations)
    }

    /// The writer connection's `synchronous` setting (2 is FULL), for the durability test.
    func writerSynchronous() throws -> Int {
        try pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// A consistent copy of the store at `path` (SQLite `VACUUM INTO`), while it is in use.
    public func backup(to path: String) async throws(MailboxStoreError) {
        do { try await pool.vacuum(into: path) } catch { throw .storage("\(error)") }
    }

    public func removeMailbox(_ address: DeviceAddress) async throws(MailboxStoreError) {
        let arguments: StatementArguments = [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value)]
        do {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM envelope WHERE account = ? AND device = ?", arguments: arguments)
                // The row stays, emptied, so its sequence numbers are never reused.
                try db.execute(sql: "UPDATE mailbox SET envelope_count = 0, byte_count = 0 WHERE account = ? AND device = ?", arguments: arguments)
            }
        } catch {
            throw .storage("\(error)")
        }
    }
}

/// Batches concurrent writes into shared transactions: while one transaction is being written,
/// new requests queue; the next transaction takes the whole queue.
actor GroupCommitter {
    enum Operation: Sendable {
        case deposit([MailboxDeposit], receivedAt: Int64)
        case acknowledge(DeviceAddress, [Int64])
    }

    enum Outcome: Sendable {
        case sequences([UInt64])
        case count(Int)
        case failure(MailboxStoreError)
    }

    private let pool: DatabasePool
    private let quota: MailboxQuota
    private var queue: [(Operation, CheckedContinuation<Outcome, Never>)] = []
    private var writing = false
    /// Transactions written and operations they carried, for the relay's metrics.
    private(set) var transactions = 0
    private(set) var operations = 0

    init(pool: DatabasePool, quota: MailboxQuota) {
        self.pool = pool
        self.quota = quota
    }

    func submit(_ operation: Operation) async -> Outcome {
        await withCheckedContinuation { continuation in
            queue.append((operation, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = queue
            queue = []
            let operations = batch.map(\.0)
            let outcomes: [Outcome]
            do {
                let quota = self.quota
                outcomes = try await pool.write { db in
                    try operations.map { operation in try Self.apply(operation, in: db, quota: quota) }
                }
            } catch {
                outcomes = Array(repeating: .failure(.storage("\(error)")), count: batch.count)
            }
            transactions += 1
            self.operations += batch.count
            for ((_, continuation), outcome) in zip(batch, outcomes) { continuation.resume(returning: outcome) }
        }
        writing = false
    }

    /// One operation inside the shared transaction, in its own savepoint: a refused upload leaves
    /// no trace, and the others in the batch commit.
    private static func apply(_ operation: Operation, in db: Database, quota: MailboxQuota) throws -> Outcome {
        var outcome = Outcome.count(0)
        do {
            try db.inSavepoint {
                switch operation {
                case .deposit(let deposits, let receivedAt):
                    outcome = .sequences(try deposit(deposits, receivedAt: receivedAt, in: db, quota: quota))
                case .acknowledge(let address, let sequences):
                    outcome = .count(try acknowledge(address, sequences, in: db))
                }
                return .commit
            }
        } catch let error as MailboxStoreError {
            outcome = .failure(error)
        }
        return outcome
    }

    private static func deposit(_ deposits: [MailboxDeposit], receivedAt: Int64, in db: Database, quota: MailboxQuota) throws -> [UInt64] {
        var sequences: [UInt64] = []
        sequences.reserveCapacity(deposits.count)
        for deposit in deposits {
            let account = Data(deposit.address.accountID.rawRepresentation)
            let device = Int64(deposit.address.deviceID.value)
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT next_sequence, envelope_count, byte_count FROM mailbox WHERE account = ? AND device = ?"),
                arguments: [account, device])
            let next = row.map { $0["next_sequence"] as Int64 } ?? 1
            let count = row.map { Int($0["envelope_count"] as Int64) } ?? 0
            let bytes = row.map { Int($0["byte_count"] as Int64) } ?? 0
            guard count + 1 <= quota.maximumEnvelopes, bytes + deposit.envelope.count <= quota.maximumBytes else {
                throw MailboxStoreError.quotaExceeded(deposit.address, usage: MailboxUsage(envelopes: count, bytes: bytes))
            }
            try db.cachedStatement(sql: "INSERT INTO envelope (account, device, sequence, received_at, body) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [account, device, next, receivedAt, Data(deposit.envelope)])
            try db.cachedStatement(sql: """
                INSERT INTO mailbox (account, device, next_sequence, envelope_count, byte_count) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (account, device) DO UPDATE SET next_sequence = excluded.next_sequence,
                    envelope_count = excluded.envelope_count, byte_count = excluded.byte_count
                """).execute(arguments: [account, device, next + 1, count + 1, bytes + deposit.envelope.count])
            sequences.append(UInt64(next))
        }
        return sequences
    }

    private static func acknowledge(_ address: DeviceAddress, _ sequences: [Int64], in db: Database) throws -> Int {
        let account = Data(address.accountID.rawRepresentation)
        let device = Int64(address.deviceID.value)
        var deleted = 0
        var freed = 0
        let statement = try db.cachedStatement(sql: "DELETE FROM envelope WHERE account = ? AND device = ? AND sequence = ? RETURNING length(body)")
        for sequence in Set(sequences) {
            if let length = try Int.fetchOne(statement, arguments: [account, device, sequence]) {
                deleted += 1
                freed += length
            }
        }
        if deleted > 0 {
            try db.cachedStatement(sql: "UPDATE mailbox SET envelope_count = envelope_count - ?, byte_count = byte_count - ? WHERE account = ? AND device = ?")
                .execute(arguments: [deleted, freed, account, device])
        }
        return deleted
    }
}
