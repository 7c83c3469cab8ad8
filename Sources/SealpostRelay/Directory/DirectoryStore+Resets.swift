import Foundation
import GRDB
import SealpostCrypto
import SealpostWire

/// Account-key resets (`Spec/relay.md`, "Account-key reset"): for a user who lost every device,
/// the recovery key and any passphrase backup, the operator — after checking who they are, by
/// its own means — issues a one-time reset code for the account; with it, the user binds the
/// account to a **new** account key. Every device of the account is removed (their ids are never
/// used again), and contacts see the new key as a key change: never a silent switch.
extension DirectoryStore {
    /// How long a reset code is good for.
    public static let resetLifetime: UInt64 = 7 * 24 * 3_600

    static func registerResets(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("account-resets-v1") { db in
            try db.execute(sql: """
                CREATE TABLE account_reset (
                    account BLOB PRIMARY KEY NOT NULL,
                    hash BLOB NOT NULL,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    static func resetHash(_ code: [UInt8]) -> Data {
        Data(SHA256.hash(Array("sealpost/account-reset/v1".utf8) + code))
    }

    /// A reset code for `account` (shown once; the store keeps its hash), good for
    /// ``resetLifetime``; it replaces any earlier one. 404 for an unknown account.
    public func createReset(for account: AccountID, now: UInt64) async throws(RelayError) -> String {
        // 20 characters of base 32: 100 bits.
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let code = String(SecureRandom.bytes(count: 20).map { alphabet[Int($0) % alphabet.count] })
        do {
            try await pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE account = ?", arguments: [Data(account.rawRepresentation)]) == true else {
                    throw RelayError.notFound
                }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO account_reset (account, hash, expires_at) VALUES (?, ?, ?)",
                    arguments: [Data(account.rawRepresentation), Self.resetHash(Array(code.utf8)), Int64(clamping: now + Self.resetLifetime)])
            }
        } catch {
            throw Self.failure(error)
        }
        return code
    }

    /// Binds `account` to `accountKey` with a reset `code`, in one transaction: the code is
    /// used up; the account's device list, access settings, devices and prekeys go (the devices'
    /// mailboxes are recorded for removal and their ids never used again); the user name stays.
    /// Returns the devices removed. Repeating a reset to the key the account has already is
    /// answered as done, and changes nothing (a client whose answer was lost resumes).
    /// - Throws: 403 `resetRequired` for no, a wrong or an expired code (one answer for all).
    public func resetAccount(_ account: AccountID, code: [UInt8], accountKey: Ed25519.PublicKey, now: UInt64) async throws(RelayError) -> [DeviceID] {
        defer { invalidate(account) }
        let refused = RelayError(status: 403, code: "resetRequired", message: "resetting the account key needs a valid reset code from the operator")
        do {
            return try await pool.write { db in
                let key = Data(account.rawRepresentation)
                // A reset repeated after its answer was lost: the account has this key already.
                if let current = try Data.fetchOne(db, sql: "SELECT account_key FROM account WHERE account = ?", arguments: [key]),
                    [UInt8](current) == accountKey.rawRepresentation
                {
                    return []
                }
                guard let row = try Row.fetchOne(db, sql: "SELECT hash, expires_at FROM account_reset WHERE account = ?", arguments: [key]),
                    SecretBytes(copying: [UInt8](row["hash"] as Data)).constantTimeEquals([UInt8](Self.resetHash(code))),
                    UInt64(clamping: row["expires_at"] as Int64) > now
                else { throw refused }
                try db.execute(sql: "DELETE FROM account_reset WHERE account = ?", arguments: [key])
                try db.execute(
                    sql: "UPDATE account SET account_key = ?, device_list = NULL, list_version = 0, access_verifier = NULL, anyone_may_write = 0 WHERE account = ?",
                    arguments: [Data(accountKey.rawRepresentation), key])
                var removed: [DeviceID] = []
                for id in try Int64.fetchAll(db, sql: "SELECT device FROM device WHERE account = ?", arguments: [key]) {
                    try db.execute(sql: "DELETE FROM device WHERE account = ? AND device = ?", arguments: [key, id])
                    try db.execute(sql: "DELETE FROM prekey WHERE account = ? AND device = ?", arguments: [key, id])
                    try Self.recordRemoval(db, account: key, device: id, tombstone: true)
                    if let device = try? DeviceID(UInt32(id)) { removed.append(device) }
                }
                return removed
            }
        } catch {
            throw Self.failure(error)
        }
    }
}
