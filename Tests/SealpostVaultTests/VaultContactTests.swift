import Foundation
import GRDB
import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire
@_spi(Testing) @testable import SealpostVault

@Suite("Vault identity, contacts and deletion")
struct VaultContactTests {
    let now: UInt64 = 1_790_000_000

    func makeIdentity() throws -> (StoredIdentity, Ed25519.PrivateKey) {
        let account = AccountID.random(), accountKey = Ed25519.PrivateKey.generate(), deviceKey = Ed25519.PrivateKey.generate()
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: account, deviceID: try DeviceID(3), deviceKey: deviceKey.publicKey, createdAt: now)
        let identity = try DeviceIdentity(accountID: account, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        return (try StoredIdentity(identity: identity, accountKey: accountKey), accountKey)
    }

    func makeContact(_ name: String, timer: UInt32 = 0) throws -> (Contact, Ed25519.PrivateKey) {
        let account = AccountID.random(), accountKey = Ed25519.PrivateKey.generate()
        let list = try DeviceList.sign(
            accountKey: accountKey, accountID: account, listVersion: 4, issuedAt: now,
            devices: [.init(deviceID: try DeviceID(1), deviceKey: Ed25519.PrivateKey.generate().publicKey)], revoked: [try DeviceID(2)])
        let pin = AccountPin(accountID: account, accountKey: accountKey.publicKey, deviceListVersion: 4, deviceListDigest: SHA256.hash(list.serialized()))
        return (try Contact(pin: pin, deviceList: list, name: name, disappearAfterSeconds: timer), accountKey)
    }

    func message(_ contact: Contact, _ text: String, outgoing: Bool = false) -> HistoryEntry {
        HistoryEntry(outgoing: outgoing, peer: DeviceAddress(accountID: contact.accountID, deviceID: try! DeviceID(1)), envelopeID: .random(), time: now, body: Array(text.utf8))
    }

    func fileBytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path)) + ((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) ?? Data())
    }

    @Test func theIdentityAndKeyStoresRoundTripUnderTheManifest() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        #expect(try vault.identity() == nil)
        let (stored, accountKey) = try makeIdentity()
        var envelopeKeys = EnvelopeKeyStore()
        envelopeKeys.confirmPublished(id: envelopeKeys.maintain(now: now, identity: stored.identity).publish!.id, now: now)
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.putIdentity(stored)
            try tx.putEnvelopeKeyStore(envelopeKeys)
        }
        try vault.close()
        let reopened = try Vault.open(at: path, passphrase: "p")
        let identity = try #require(try reopened.identity())
        #expect(identity.identity.certificate == stored.identity.certificate)
        #expect(identity.identity.deviceKey.publicKey == stored.identity.deviceKey.publicKey)
        #expect(identity.accountKey?.publicKey == accountKey.publicKey)
        #expect(try reopened.envelopeKeyStore()?.serialized().constantTimeEquals(envelopeKeys.serialized()) == true)
        // A device without the account key.
        try reopened.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putIdentity(try StoredIdentity(identity: stored.identity, accountKey: nil)) }
        #expect(try reopened.identity()?.accountKey == nil)
        // Another account's private key is refused.
        #expect(throws: VaultError.self) { try StoredIdentity(identity: stored.identity, accountKey: .generate()) }
        // The private keys are not in the file.
        try reopened.close()
        let bytes = try fileBytes(path)
        #expect(!bytes.contains(stored.identity.deviceKey.seed.withUnsafeBytes { Array($0) }))
        #expect(!bytes.contains(accountKey.seed.withUnsafeBytes { Array($0) }))
    }

    @Test func identityEncodingsAreStrict() throws {
        let (stored, _) = try makeIdentity()
        let bytes = stored.serialized().withUnsafeBytes { Array($0) }
        #expect(try StoredIdentity(serialized: SecretBytes(copying: bytes)).identity.deviceID == stored.identity.deviceID)
        for bad in [bytes + [0], Array(bytes.dropLast()), [2] + bytes.dropFirst(), Array(bytes.prefix(bytes.count - 33)) + [7]] {
            #expect(throws: VaultError.self) { try StoredIdentity(serialized: SecretBytes(copying: bad)) }
        }
        // A device key that does not match its certificate.
        var swapped = bytes
        let seedOffset = 1 + 16 + 32 + 2 + DeviceCertificate.byteCount
        swapped.replaceSubrange(seedOffset..<(seedOffset + 32), with: Ed25519.PrivateKey.generate().seed.withUnsafeBytes { Array($0) })
        #expect(throws: VaultError.self) { try StoredIdentity(serialized: SecretBytes(copying: swapped)) }
    }

    @Test func contactsKeepPinsListsAndVerification() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        var (carol, _) = try makeContact("carol")
        let (bob, _) = try makeContact("bob")
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.putContact(carol)
            try tx.putContact(bob)
        }
        #expect(try vault.contacts().map(\.name) == ["bob", "carol"])
        #expect(try vault.contact(for: carol.accountID) == carol)
        #expect(try vault.contact(for: AccountID.random()) == nil)
        #expect(try vault.contact(for: carol.accountID)?.isVerified == false)

        // The user compares the safety number and confirms it.
        carol.verifiedAccountKey = carol.pin.accountKey
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putContact(carol) }
        #expect(try vault.contact(for: carol.accountID)?.isVerified == true)
        #expect(try vault.contacts().count == 2)

        // A key change the user accepts: the pin moves, verification does not follow it.
        carol.pin = AccountPin(accountID: carol.accountID, accountKey: Ed25519.PrivateKey.generate().publicKey, deviceListVersion: 1, deviceListDigest: [UInt8](repeating: 9, count: 32))
        carol.deviceList = nil
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putContact(carol) }
        let changed = try #require(try vault.contact(for: carol.accountID))
        #expect(!changed.isVerified && changed.deviceList == nil)

        // A name made too long after creation, or a list that is not the pinned one, is refused
        // when stored.
        var renamed = try #require(try vault.contact(for: bob.accountID))
        renamed.name = String(repeating: "y", count: 300)
        #expect(throws: VaultError.self) { try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putContact(renamed) } }
        var relisted = try #require(try vault.contact(for: bob.accountID))
        relisted.deviceList = try makeContact("z").0.deviceList
        #expect(throws: VaultError.self) { try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putContact(relisted) } }
        // A name too long, or a device list of another account, is refused.
        #expect(throws: VaultError.self) { try Contact(pin: bob.pin, name: String(repeating: "x", count: 256)) }
        let otherList = try #require(try makeContact("x").0.deviceList)
        #expect(throws: VaultError.self) { try Contact(pin: bob.pin, deviceList: otherList, name: "bob") }

        // Names and account ids are not in the file.
        try vault.close()
        let bytes = try fileBytes(path)
        #expect(!bytes.contains(Array("carol".utf8)) && !bytes.contains(carol.accountID.rawRepresentation))
    }

    @Test func anOlderContactPutBackIsDetected() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        var (carol, _) = try makeContact("carol")
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putContact(carol) }
        let old = try vault.pool.read { db in try Row.fetchOne(db, sql: "SELECT version, ciphertext FROM record WHERE table_name = 'contact'")! }
        carol.verifiedAccountKey = carol.pin.accountKey
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putContact(carol) }
        // Someone with the file puts back the unverified row (before the key change warning, say).
        try vault.pool.write { db in
            try db.execute(sql: "UPDATE record SET version = ?, ciphertext = ? WHERE table_name = 'contact'", arguments: [old["version"] as Int64, old["ciphertext"] as Data])
        }
        #expect(throws: VaultError.staleRecord("contact")) { try vault.contact(for: carol.accountID) }
        #expect(throws: VaultError.staleRecord("contact")) { try vault.contacts() }
        try vault.pool.write { db in try db.execute(sql: "DELETE FROM record WHERE table_name = 'contact'") }
        #expect(throws: VaultError.recordMissing("contact")) { try vault.contacts() }
        // Deleted behind the vault's back is never a first contact.
        #expect(throws: VaultError.recordMissing("contact")) { try vault.contact(for: carol.accountID) }
    }

    @Test func contactEncodingsAreStrict() throws {
        var (carol, _) = try makeContact("carol", timer: 30)
        #expect(try Contact(serialized: carol.serialized()) == carol)
        carol.accessSecret = DeliveryAccessSecret.generate()
        #expect(try Contact(serialized: carol.serialized()) == carol)
        #expect(try Contact(serialized: carol.serialized()) != (try Contact(pin: carol.pin, deviceList: carol.deviceList, name: "carol", disappearAfterSeconds: 30, accessSecret: .generate())))
        carol.accessSecret = nil
        let bytes = carol.serialized().withUnsafeBytes { Array($0) }
        var badFlag = bytes
        badFlag[1 + 16 + 32 + 8 + 32] = 2
        var badName = bytes
        badName[bytes.count - 1 - 4 - 5] = 0xFF
        for bad in [bytes + [0], Array(bytes.dropLast()), [2] + bytes.dropFirst(), badFlag, badName, Array(bytes.dropLast()) + [1]] {
            #expect(throws: VaultError.self) { try Contact(serialized: SecretBytes(copying: bad)) }
        }
    }

    @Test func disappearingMessagesAreDeletedWhenDue() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let (carol, _) = try makeContact("carol", timer: 60)
        let (bob, _) = try makeContact("bob")
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.putContact(carol)
            try tx.putContact(bob)
            try tx.putHistory(message(carol, "self-destructing one"), storedAt: now)
            try tx.putHistory(message(bob, "kept"), storedAt: now)
            try tx.putHistory(message(carol, "self-destructing two", outgoing: true), storedAt: now + 30)
        }
        let ciphertexts = try vault.pool.read { db in try Data.fetchAll(db, sql: "SELECT ciphertext FROM record WHERE table_name = 'message'") }
        #expect(try vault.nextExpiry() == now + 60)
        #expect(try vault.deleteExpiredMessages(now: now + 59) == 0)
        #expect(try vault.history(with: carol.accountID).count == 2)
        #expect(try vault.deleteExpiredMessages(now: now + 60) == 1)
        #expect(try vault.history(with: carol.accountID).map(\.body) == [Array("self-destructing two".utf8)])
        #expect(try vault.nextExpiry() == now + 90)
        #expect(try vault.deleteExpiredMessages(now: now + 1_000) == 1)
        #expect(try vault.history(with: carol.accountID).isEmpty)
        #expect(try vault.nextExpiry() == nil)
        #expect(try vault.history(with: bob.accountID).count == 1)
        // Overwritten in the file, and the log truncated.
        try vault.close()
        let bytes = try fileBytes(path)
        let gone = ciphertexts.filter { !bytes.contains($0) }.count
        #expect(gone == 2)
    }

    @Test func messagesAndConversationsCanBeDeleted() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let (carol, _) = try makeContact("carol", timer: 3_600)
        let (bob, _) = try makeContact("bob")
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.putContact(carol)
            for i in 0..<3 { try tx.putHistory(message(carol, "to carol \(i)"), storedAt: now) }
            for i in 0..<2 { try tx.putHistory(message(bob, "to bob \(i)"), storedAt: now) }
        }
        let bobMessages = try vault.historyRecords(with: bob.accountID)
        try vault.deleteMessage(bobMessages[0].id)
        #expect(try vault.history(with: bob.accountID).map(\.body) == [Array("to bob 1".utf8)])
        #expect(try vault.deleteConversation(with: carol.accountID) == 3)
        #expect(try vault.history(with: carol.accountID).isEmpty)
        // Their deadlines went with them.
        #expect(try vault.nextExpiry() == nil)
        #expect(try vault.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM record WHERE table_name = 'expiry'") } == 0)
    }

    @Test func theResendStateRoundTripsStrictlyUnderTheManifest() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        let peer = DeviceAddress(accountID: .random(), deviceID: try DeviceID(2))
        var state = ResendState()
        let ratchetKey = X25519.PrivateKey.generate().publicKey
        state.log.record(ratchetKey: ratchetKey, messageNumber: 3, plaintext: Array("sent".utf8), sentAt: now)
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            #expect(try tx.resendState(for: peer).log.entries.isEmpty)
            try tx.putResendState(state, for: peer)
        }
        let read = try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.resendState(for: peer) }
        #expect(read.log.entries == state.log.entries && read.resetGuard == state.resetGuard)
        let bytes = state.serialized().withUnsafeBytes { Array($0) }
        for bad in [bytes + [0], Array(bytes.dropLast()), [2] + bytes.dropFirst(), [1, 2] + bytes.dropFirst(2)] {
            #expect(throws: VaultError.self) { try ResendState(serialized: SecretBytes(copying: bad)) }
        }
        // Pruned when its entries are older than the log's lifetime.
        #expect(try vault.pruneResendLogs(now: now + Limits.resendLogLifetime) == 0)
        #expect(try vault.pruneResendLogs(now: now + Limits.resendLogLifetime + 1) == 1)
        #expect(try vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.resendState(for: peer) }.log.entries.isEmpty)
        // Deleted behind the vault's back: not an empty log (which would let a report go unanswered
        // silently, or a guard be reset).
        try vault.pool.write { db in try db.execute(sql: "DELETE FROM record WHERE table_name = 'resend'") }
        #expect(throws: VaultError.recordMissing("resend")) { try vault.write { (tx: inout VaultTransaction) throws(VaultError) in _ = try tx.resendState(for: peer) } }
    }

    @Test func processedMarkersAreForgottenAfterTheirMemory() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        try vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.put(SecretBytes(copying: [1]), table: VaultConversationTables.processed, id: .random(), lookup: [1], ordering: Int64(now))
            try tx.put(SecretBytes(copying: [1]), table: VaultConversationTables.processed, id: .random(), lookup: [2], ordering: Int64(now + 86_400))
        }
        #expect(try vault.pruneProcessed(now: now + Limits.processedEnvelopeMemory) == 0)
        #expect(try vault.pruneProcessed(now: now + Limits.processedEnvelopeMemory + 1) == 1)
        #expect(try vault.lookUp(table: VaultConversationTables.processed, value: [1]).isEmpty)
        #expect(try vault.lookUp(table: VaultConversationTables.processed, value: [2]).count == 1)
    }
}
