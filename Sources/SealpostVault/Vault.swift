import Foundation
import GRDB
import SealpostCrypto

/// The client's encrypted local store (`Spec/vault.md`): one SQLite file whose header wraps a
/// random data key under a key derived from the user's passphrase with Argon2id.
///
/// Opening checks the passphrase against the header with the file opened **read-only**, before
/// anything else; a failed open changes nothing. Every connection runs with `secure_delete` on,
/// so deleted rows are overwritten, and the write-ahead log is checkpointed and truncated after a
/// passphrase change, so an old wrapped key does not survive in the file.
public final class Vault: Sendable {
    /// The database.
    let pool: DatabasePool
    /// The exclusive lock held while the vault is open.
    let lock: VaultLock
    /// The data key every subkey comes from (kept to rewrap it on a passphrase change).
    let dataKey: SecretBytes
    /// The subkeys, derived once.
    let keys: RecordKeys
    /// The costs in the current header.
    public let parameters: VaultParameters

    private init(pool: DatabasePool, lock: VaultLock, dataKey: SecretBytes, parameters: VaultParameters) throws(VaultError) {
        self.pool = pool
        self.lock = lock
        self.dataKey = dataKey
        self.keys = try RecordKeys(dataKey: dataKey)
        self.parameters = parameters
    }

    static func configuration(readonly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.label = "sealpost-vault"
        // A reader of this process holding the log briefly is waited for, not an error.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            if !readonly {
                try db.execute(sql: "PRAGMA secure_delete = ON")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        return configuration
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("vault-v1") { db in
            try db.execute(sql: "CREATE TABLE vault_header (id INTEGER PRIMARY KEY CHECK (id = 1), header BLOB NOT NULL)")
        }
        migrator.registerMigration("records-v1") { db in
            try db.execute(sql: """
                CREATE TABLE record (
                    table_name TEXT NOT NULL,
                    record_id BLOB NOT NULL,
                    version INTEGER NOT NULL,
                    lookup BLOB,
                    ordering INTEGER NOT NULL DEFAULT 0,
                    ciphertext BLOB NOT NULL,
                    PRIMARY KEY (table_name, record_id)
                ) WITHOUT ROWID;
                CREATE INDEX record_by_lookup ON record(table_name, lookup, ordering);
                CREATE TABLE manifest (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL);
                """)
        }
        return migrator
    }

    /// The passphrase as key material: its UTF-8 bytes after Unicode NFC normalization, so the
    /// same passphrase typed on two keyboards opens the vault.
    static func passphraseBytes(_ passphrase: String) -> SecretBytes {
        var bytes = Array(passphrase.precomposedStringWithCanonicalMapping.utf8)
        return SecretBytes(wiping: &bytes)
    }

    /// Creates a vault at `path` with a fresh random data key.
    /// - Throws: ``VaultError/alreadyExists`` if a file is there.
    public static func create(at path: String, passphrase: String, parameters: VaultParameters = .phone) throws(VaultError) -> Vault {
        guard !FileManager.default.fileExists(atPath: path) else { throw .alreadyExists }
        let lock = try VaultLock(vaultPath: path)
        let dataKey = SecretBytes.random(count: 32)
        let header = try VaultHeader.wrap(dataKey, passphrase: passphraseBytes(passphrase), parameters: parameters)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readonly: false))
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try migrator.migrate(pool)
            try pool.write { db in try db.execute(sql: "INSERT INTO vault_header (id, header) VALUES (1, ?)", arguments: [Data(header.serialized())]) }
            return try Vault(pool: pool, lock: lock, dataKey: dataKey, parameters: parameters)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            lock.release()
            throw .storage("\(error)")
        }
    }

    /// Reads the header with the file opened read-only.
    static func readHeader(at path: String) throws(VaultError) -> VaultHeader {
        guard FileManager.default.fileExists(atPath: path) else { throw .notAVault }
        let bytes: Data?
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration(readonly: true))
            bytes = try queue.read { db in
                guard try db.tableExists("vault_header") else { return nil }
                return try Data.fetchOne(db, sql: "SELECT header FROM vault_header WHERE id = 1")
            }
            try queue.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw .notAVault
        } catch {
            throw .storage("\(error)")
        }
        guard let bytes else { throw .notAVault }
        return try VaultHeader(serialized: [UInt8](bytes))
    }

    /// Opens the vault at `path`: the passphrase is checked against the header before the file is
    /// opened for writing.
    /// - Throws: ``VaultError/authenticationFailed`` for a wrong passphrase or an altered header;
    ///   ``VaultError/notAVault``, ``VaultError/malformedHeader(_:)``,
    ///   ``VaultError/unsupportedParameters(_:)`` for a file that is not a vault or is damaged.
    public static func open(at path: String, passphrase: String) throws(VaultError) -> Vault {
        let header = try readHeader(at: path)
        let dataKey = try header.unwrap(passphrase: passphraseBytes(passphrase))
        let lock = try VaultLock(vaultPath: path)
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(readonly: false))
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try migrator.migrate(pool)
            return try Vault(pool: pool, lock: lock, dataKey: dataKey, parameters: header.parameters)
        } catch {
            lock.release()
            throw .storage("\(error)")
        }
    }

    /// Rewraps the data key under `newPassphrase` (fresh salt and nonce; the records are not
    /// touched), then checkpoints and truncates the write-ahead log so the old wrapped key is gone
    /// from the file: `secure_delete` has overwritten the old header row.
    public func changePassphrase(to newPassphrase: String, parameters: VaultParameters? = nil) throws(VaultError) -> Vault {
        let header = try VaultHeader.wrap(dataKey, passphrase: Self.passphraseBytes(newPassphrase), parameters: parameters ?? self.parameters)
        do {
            try pool.write { db in try db.execute(sql: "UPDATE vault_header SET header = ? WHERE id = 1", arguments: [Data(header.serialized())]) }
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        } catch {
            throw .storage("\(error)")
        }
        return try Vault(pool: pool, lock: lock, dataKey: dataKey, parameters: header.parameters)
    }

    /// Closes the database.
    /// Closes the database and releases the lock (releasing the `Vault` does too).
    public func close() throws(VaultError) {
        do { try pool.close() } catch { throw .storage("\(error)") }
        lock.release()
    }
}
