import Foundation
import GRDB
import SealpostCrypto
import SealpostWire

/// User names and invites (`Spec/relay.md`, "User names", "Invites").
extension DirectoryStore {
    static func registerNamesAndInvites(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("names-invites-v1") { db in
            try db.execute(sql: """
                CREATE TABLE username (
                    name TEXT PRIMARY KEY NOT NULL,
                    account BLOB NOT NULL UNIQUE
                ) WITHOUT ROWID;
                CREATE TABLE invite (
                    hash BLOB PRIMARY KEY NOT NULL,
                    uses_left INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }

    /// Gives `account` the name (replacing its previous one). 409 if another account has it.
    public func setName(_ name: UserName, for account: AccountID) async throws(RelayError) {
        do {
            try await pool.write { db in
                if let owner = try Data.fetchOne(db, sql: "SELECT account FROM username WHERE name = ?", arguments: [name.value]),
                    [UInt8](owner) != account.rawRepresentation
                {
                    throw RelayError.conflict("the name is taken")
                }
                try db.execute(sql: "DELETE FROM username WHERE account = ?", arguments: [Data(account.rawRepresentation)])
                try db.execute(sql: "INSERT INTO username (name, account) VALUES (?, ?)", arguments: [name.value, Data(account.rawRepresentation)])
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// The account with the name, if any.
    public func lookUp(_ name: UserName) async throws(RelayError) -> AccountID? {
        do {
            let bytes = try await pool.read { db in try Data.fetchOne(db, sql: "SELECT account FROM username WHERE name = ?", arguments: [name.value]) }
            return try bytes.map { try AccountID(rawRepresentation: [UInt8]($0)) }
        } catch {
            throw Self.failure(error)
        }
    }

    static func inviteHash(_ code: [UInt8]) -> Data {
        Data(SHA256.hash(Array("sealpost/invite/v1".utf8) + code))
    }

    /// A new invite code (shown once; the store keeps its hash) good for `uses` registrations.
    public func createInvite(uses: Int, now: UInt64) async throws(RelayError) -> String {
        // 20 characters of base 32: 100 bits.
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        let code = String(SecureRandom.bytes(count: 20).map { alphabet[Int($0) % alphabet.count] })
        do {
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT INTO invite (hash, uses_left, created_at) VALUES (?, ?, ?)",
                    arguments: [Self.inviteHash(Array(code.utf8)), max(uses, 1), Int64(clamping: now)])
            }
        } catch {
            throw Self.failure(error)
        }
        return code
    }

    /// The invites: the first 8 hex digits of each hash, uses left, creation time.
    public func invites() async throws(RelayError) -> [(id: String, usesLeft: Int, createdAt: UInt64)] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT hash, uses_left, created_at FROM invite ORDER BY created_at").map { row in
                    (Hex.encode(Array([UInt8](row["hash"] as Data).prefix(4))), Int(row["uses_left"] as Int64), UInt64(row["created_at"] as Int64))
                }
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Revokes the invites whose id (hash prefix) is `id`. Returns how many.
    public func revokeInvite(id: String) async throws(RelayError) -> Int {
        do {
            return try await pool.write { db in
                let matching = try Data.fetchAll(db, sql: "SELECT hash FROM invite").filter { Hex.encode(Array([UInt8]($0).prefix(4))) == id.lowercased() }
                for hash in matching { try db.execute(sql: "DELETE FROM invite WHERE hash = ?", arguments: [hash]) }
                return matching.count
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Uses one registration of the invite `code`, in the same transaction as creating the account.
    static func consumeInvite(_ code: [UInt8], _ db: Database) throws {
        let hash = inviteHash(code)
        guard let left = try Int.fetchOne(db, sql: "SELECT uses_left FROM invite WHERE hash = ?", arguments: [hash]), left > 0 else {
            throw RelayError(status: 403, code: "inviteRequired", message: "registration needs a valid invite code")
        }
        if left == 1 {
            try db.execute(sql: "DELETE FROM invite WHERE hash = ?", arguments: [hash])
        } else {
            try db.execute(sql: "UPDATE invite SET uses_left = uses_left - 1 WHERE hash = ?", arguments: [hash])
        }
    }
}
