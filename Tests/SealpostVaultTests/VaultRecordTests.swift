import Foundation
import GRDB
import Testing
import SealpostCrypto
import SealpostWire
import SealpostProtocol
@_spi(Testing) @testable import SealpostVault

@Suite("Vault records")
struct VaultRecordTests {
    func text(_ string: String) -> SecretBytes { SecretBytes(copying: Array(string.utf8)) }

    @Test func recordsRoundTripAndCommitTogether() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let session = RecordID.random(), message = RecordID.random()
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.put(text("session state 1"), table: VaultTables.sessions, id: session)
            try tx.put(text("hello"), table: "message", id: message, lookup: Array("alice".utf8), ordering: 1)
        }
        #expect(try vault.read(table: VaultTables.sessions, id: session)?.constantTimeEquals(Array("session state 1".utf8)) == true)
        #expect(try vault.lookUp(table: "message", value: Array("alice".utf8)) == [message])
        #expect(try vault.lookUp(table: "message", value: Array("bob".utf8)).isEmpty)
        // A transaction that fails changes nothing.
        #expect(throws: VaultError.self) {
            try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                try tx.put(text("session state 2"), table: VaultTables.sessions, id: session)
                throw VaultError.storage("crash before commit")
            }
        }
        #expect(try vault.read(table: VaultTables.sessions, id: session)?.constantTimeEquals(Array("session state 1".utf8)) == true)
        try vault.close()
        // Nothing readable in the file: neither the text nor the lookup value.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
        #expect(!bytes.contains(Array("session state".utf8)) && !bytes.contains(Array("hello".utf8)) && !bytes.contains(Array("alice".utf8)))
        let reopened = try Vault.open(at: path, passphrase: "p")
        #expect(try reopened.read(table: "message", id: message)?.constantTimeEquals(Array("hello".utf8)) == true)
        try reopened.close()
    }

    /// Rows moved between ids or tables fail authentication; an older row put back is detected.
    @Test func swappedAndRolledBackRowsAreDetected() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let a = RecordID.random(), b = RecordID.random()
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.put(text("a1"), table: VaultTables.sessions, id: a)
            try tx.put(text("b1"), table: VaultTables.sessions, id: b)
        }
        let oldA = try vault.pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM record WHERE record_id = ?", arguments: [Data(a.rawRepresentation)])! }
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.put(text("a2"), table: VaultTables.sessions, id: a) }
        // An attacker with the file puts back a's older row.
        try vault.pool.write { db in
            try db.execute(
                sql: "UPDATE record SET version = ?, ciphertext = ? WHERE record_id = ?",
                arguments: [oldA["version"] as Int64, oldA["ciphertext"] as Data, Data(a.rawRepresentation)])
        }
        #expect(throws: VaultError.staleRecord(VaultTables.sessions)) { try vault.read(table: VaultTables.sessions, id: a) }
        // b's ciphertext under a's id, or a row moved to another table: not authentic there.
        try vault.pool.write { db in
            let ciphertext = try Data.fetchOne(db, sql: "SELECT ciphertext FROM record WHERE record_id = ?", arguments: [Data(b.rawRepresentation)])!
            try db.execute(sql: "UPDATE record SET ciphertext = ?, version = 1 WHERE record_id = ?", arguments: [ciphertext, Data(a.rawRepresentation)])
            try db.execute(sql: "UPDATE record SET table_name = 'message' WHERE record_id = ?", arguments: [Data(b.rawRepresentation)])
        }
        #expect(throws: VaultError.authenticationFailed) { try vault.read(table: VaultTables.sessions, id: a) }
        #expect(throws: VaultError.authenticationFailed) { try vault.read(table: "message", id: b) }
        #expect(throws: VaultError.recordMissing(VaultTables.sessions)) { try vault.read(table: VaultTables.sessions, id: b) }
        // The manifest itself is authenticated.
        try vault.pool.write { db in try db.execute(sql: "UPDATE manifest SET body = x'00' || body") }
        #expect(throws: VaultError.authenticationFailed) { try vault.read(table: VaultTables.sessions, id: a) }
        try vault.close()
    }

    @Test func thePrekeyStoreIsOneProtectedRecord() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let accountKey = Ed25519.PrivateKey.generate(), deviceKey = Ed25519.PrivateKey.generate()
        let account = AccountID.random()
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: account, deviceID: try DeviceID(1), deviceKey: deviceKey.publicKey, createdAt: 1_790_000_000)
        let identity = try DeviceIdentity(accountID: account, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        var store = PrekeyStore()
        _ = store.maintain(now: 1_790_000_000, identity: identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        let committed = store
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putPrekeyStore(committed) }
        let loaded = try vault.prekeyStore()
        #expect(loaded?.serialized().constantTimeEquals(store.serialized()) == true)
        try vault.close()
    }

    @Test func deletedRecordsAreGoneFromTheFile() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let id = RecordID.random()
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.put(text("to be forgotten"), table: VaultTables.outbox, id: id) }
        let ciphertext = try vault.pool.read { db in try Data.fetchOne(db, sql: "SELECT ciphertext FROM record")! }
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.delete(table: VaultTables.outbox, id: id) }
        #expect(try vault.read(table: VaultTables.outbox, id: id) == nil)
        try vault.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try vault.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(!bytes.contains([UInt8](ciphertext)))
    }
}
