import Foundation
import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire
@_spi(Testing) @testable import SealpostVault

@Suite("Account archives, link packages and backups")
struct BackupTests {
    let now: UInt64 = 1_790_000_000
    let account = AccountID.random()
    let accountKey = Ed25519.PrivateKey.generate()

    func makeArchive(messages: Int = 3) throws -> AccountArchive {
        let other = AccountID.random(), otherKey = Ed25519.PrivateKey.generate()
        let list = try DeviceList.sign(
            accountKey: otherKey, accountID: other, listVersion: 2, issuedAt: now, devices: [.init(deviceID: try DeviceID(1), deviceKey: Ed25519.PrivateKey.generate().publicKey)],
            revoked: [])
        let pin = AccountPin(accountID: other, accountKey: otherKey.publicKey, deviceListVersion: 2, deviceListDigest: SHA256.hash(list.serialized()))
        let contact = try Contact(pin: pin, deviceList: list, verifiedAccountKey: otherKey.publicKey, name: "bob", accessSecret: .generate())
        let history = (0..<messages).map { index in
            HistoryEntry(outgoing: index % 2 == 0, peer: DeviceAddress(accountID: other, deviceID: try! DeviceID(1)), envelopeID: .random(), time: now + UInt64(index), body: Array("message \(index)".utf8))
        }
        return try AccountArchive(
            accountID: account, accountKey: accountKey, accessSecret: .generate(), userName: "alice", relayURL: "http://127.0.0.1:8787",
            relayOrigin: "http://relay.test", rootFingerprint: "ab12", createdAt: now, contacts: [contact], messages: history)
    }

    func same(_ a: AccountArchive, _ b: AccountArchive) -> Bool {
        a.accountID == b.accountID && a.accountKey.publicKey == b.accountKey.publicKey
            && a.accessSecret.rawRepresentation.constantTimeEquals(b.accessSecret.rawRepresentation) && a.userName == b.userName && a.relayURL == b.relayURL
            && a.relayOrigin == b.relayOrigin && a.rootFingerprint == b.rootFingerprint && a.createdAt == b.createdAt && a.contacts == b.contacts
            && a.messages == b.messages
    }

    @Test func anArchiveReadsBackAndRefusesAnythingElse() throws {
        let archive = try makeArchive()
        #expect(same(try AccountArchive(serialized: archive.serialized()), archive))
        let records = archive.records()
        func read(_ records: [SecretBytes]) throws(VaultError) -> AccountArchive {
            var iterator = records.makeIterator()
            return try AccountArchive(reading: { () throws(VaultError) -> SecretBytes? in iterator.next() })
        }
        #expect(same(try read(records), archive))
        // Missing end, records after the end, out of order, counts off, an empty record.
        #expect(throws: VaultError.self) { try read(Array(records.dropLast())) }
        #expect(throws: VaultError.self) { try read(records + [records[1]]) }
        #expect(throws: VaultError.self) { try read([records[0], records[2], records[1]] + records.dropFirst(3)) }
        #expect(throws: VaultError.self) { try read([records[0]] + records.dropFirst(2)) }
        #expect(throws: VaultError.self) { try read(Array(records.dropFirst())) }
        #expect(throws: VaultError.self) { try read([records[0], SecretBytes(copying: [])] + records.dropFirst()) }
        #expect(throws: VaultError.self) { try read([records[0], SecretBytes(copying: [9, 1])] + records.dropFirst()) }
        // A contact after a message.
        #expect(throws: VaultError.self) { try read([records[0], records[2], records[1], records[3], records[4], records[5]]) }
        // Trailing bytes in a framed archive, and a length past the end.
        let framed = archive.serialized().withUnsafeBytes { Array($0) }
        #expect(throws: VaultError.self) { try AccountArchive(serialized: SecretBytes(copying: framed + [0])) }
        #expect(throws: VaultError.self) { try AccountArchive(serialized: SecretBytes(copying: Array(framed.dropLast()))) }
        #expect(throws: VaultError.self) { try AccountArchive(serialized: SecretBytes(copying: [0xFF, 0xFF, 0xFF, 0xFF] + framed)) }
    }

    @Test func anArchiveTooLargeToReadBackIsNotWritten() throws {
        let archive = try makeArchive()
        for (url, name) in [(String(repeating: "x", count: 2_049), "alice"), ("http://r", String(repeating: "n", count: 65))] {
            #expect(throws: VaultError.self) {
                try AccountArchive(
                    accountID: account, accountKey: accountKey, accessSecret: .generate(), userName: name, relayURL: url, relayOrigin: "o",
                    rootFingerprint: "f", createdAt: now, contacts: archive.contacts, messages: [])
            }
        }
    }

    @Test func aLinkPackageChecksThatItsPartsBelongTogether() throws {
        let archive = try makeArchive()
        let deviceKey = Ed25519.PrivateKey.generate().publicKey
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: account, deviceID: try DeviceID(2), deviceKey: deviceKey, createdAt: now)
        func list(_ key: Ed25519.PrivateKey, _ device: Ed25519.PublicKey) throws -> DeviceList {
            try DeviceList.sign(accountKey: key, accountID: account, listVersion: 3, issuedAt: now, devices: [.init(deviceID: try DeviceID(2), deviceKey: device)], revoked: [])
        }
        let package = LinkPackage(certificate: certificate, deviceList: try list(accountKey, deviceKey), archive: archive)
        let read = try LinkPackage(serialized: package.serialized())
        #expect(read.certificate == certificate && read.deviceList == package.deviceList && same(read.archive, archive))
        // A list under another key, a list naming another key for the device.
        for bad in [try list(Ed25519.PrivateKey.generate(), deviceKey), try list(accountKey, Ed25519.PrivateKey.generate().publicKey)] {
            #expect(throws: VaultError.self) { try LinkPackage(serialized: LinkPackage(certificate: certificate, deviceList: bad, archive: archive).serialized()) }
        }
        var bytes = package.serialized().withUnsafeBytes { Array($0) }
        bytes[0] = 2
        #expect(throws: VaultError.self) { try LinkPackage(serialized: SecretBytes(copying: bytes)) }
        #expect(throws: VaultError.self) { try LinkPackage(serialized: SecretBytes(copying: [1, 0])) }
    }

    @Test func aBackupReadsBackUnderItsKeyOnly() throws {
        let archive = try makeArchive()
        let recovery = RecoveryKey(accountID: account, accountKey: accountKey)
        let passphrase = SecretBytes(copying: Array("correct horse battery".utf8))
        let underRecovery = try BackupFile.write(archive, key: .recoveryKey(recovery))
        let underPassphrase = try BackupFile.write(archive, key: .passphrase(passphrase), parameters: .fastTest)
        #expect(same(try BackupFile.read(underRecovery, key: .recoveryKey(recovery)), archive))
        #expect(same(try BackupFile.read(underPassphrase, key: .passphrase(passphrase)), archive))
        // Two backups of one archive differ (random header and salt).
        #expect(try BackupFile.write(archive, key: .recoveryKey(recovery)) != underRecovery)
        let otherRecovery = RecoveryKey(accountID: account, accountKey: .generate())
        #expect(throws: BackupError.authenticationFailed) { try BackupFile.read(underRecovery, key: .recoveryKey(otherRecovery)) }
        #expect(throws: BackupError.authenticationFailed) { try BackupFile.read(underPassphrase, key: .passphrase(SecretBytes(copying: Array("wrong".utf8)))) }
        #expect(throws: BackupError.authenticationFailed) { try BackupFile.read(underPassphrase, key: .recoveryKey(recovery)) }
        // Nothing of the account in clear.
        #expect(!Data(underRecovery).contains(Data("alice".utf8)) && !Data(underRecovery).contains(Data(account.rawRepresentation)))
        // The archive does not print its contents.
        #expect("\(archive)" == "AccountArchive(account \(account), 1 contacts, 3 messages, redacted)")
        #expect(String(reflecting: archive) == "\(archive)")
    }

    /// Records parsed from the file: header and records, each `u32 length ‖ sealed`.
    func split(_ file: [UInt8], headerBytes: Int) -> (header: [UInt8], records: [[UInt8]]) {
        var records: [[UInt8]] = []
        var offset = headerBytes
        while offset < file.count {
            let length = (0..<4).reduce(0) { $0 << 8 | Int(file[offset + $1]) }
            records.append(Array(file[offset..<(offset + 4 + length)]))
            offset += 4 + length
        }
        return (Array(file[..<headerBytes]), records)
    }

    @Test func aBackupCutShortReorderedOrAlteredIsRefused() throws {
        let archive = try makeArchive()
        let recovery = RecoveryKey(accountID: account, accountKey: accountKey)
        let file = try BackupFile.write(archive, key: .recoveryKey(recovery))
        let (header, records) = split(file, headerBytes: 8 + 2 + 24)
        #expect(records.count == 6)
        // Cut after every record but the last, and inside the last.
        for count in 0..<records.count {
            #expect(throws: BackupError.truncated) { try BackupFile.read(header + records.prefix(count).joined(), key: .recoveryKey(recovery)) }
        }
        #expect(throws: BackupError.truncated) { try BackupFile.read(Array(file.dropLast(5)), key: .recoveryKey(recovery)) }
        // Swapped, dropped and repeated records.
        var swapped = records
        swapped.swapAt(2, 3)
        #expect(throws: BackupError.authenticationFailed) { try BackupFile.read(header + swapped.joined(), key: .recoveryKey(recovery)) }
        var dropped = records
        dropped.remove(at: 2)
        #expect(throws: BackupError.authenticationFailed) { try BackupFile.read(header + dropped.joined(), key: .recoveryKey(recovery)) }
        #expect(throws: BackupError.authenticationFailed) { try BackupFile.read(header + records[0] + records.joined(), key: .recoveryKey(recovery)) }
        // Bytes after the final record; a changed byte anywhere past the magic and version.
        #expect(throws: BackupError.self) { try BackupFile.read(file + [0], key: .recoveryKey(recovery)) }
        for index in stride(from: 10, to: file.count, by: 7) {
            var altered = file
            altered[index] ^= 0x20
            #expect(throws: BackupError.self) { try BackupFile.read(altered, key: .recoveryKey(recovery)) }
        }
        #expect(throws: BackupError.notABackup) { try BackupFile.read(Array("not a backup".utf8), key: .recoveryKey(recovery)) }
        #expect(throws: BackupError.notABackup) { try BackupFile.read([], key: .recoveryKey(recovery)) }
        var version = file
        version[8] = 2
        #expect(throws: BackupError.unsupportedVersion) { try BackupFile.read(version, key: .recoveryKey(recovery)) }
        var source = file
        source[9] = 7
        #expect(throws: BackupError.unsupportedVersion) { try BackupFile.read(source, key: .recoveryKey(recovery)) }
    }

    /// A stream whose records carry a tag the writer never uses (PUSH, REKEY) is refused.
    @Test func aRecordWithAnotherTagIsRefused() throws {
        let archive = try makeArchive(messages: 1)
        let recovery = RecoveryKey(accountID: account, accountKey: accountKey)
        let key = try BackupFile.recoveryStreamKey(recovery)
        let encryptor = SecretStream.Encryptor(key: key)
        let header = Array("SPBACKUP".utf8) + [1, 1] + encryptor.header
        var file = header
        let records = archive.records()
        for (index, record) in records.enumerated() {
            let sealed = encryptor.push(record, authenticating: header, tag: index == records.count - 1 ? .final : (index == 1 ? .push : .message))
            file += [UInt8(sealed.count >> 24), UInt8(sealed.count >> 16 & 0xFF), UInt8(sealed.count >> 8 & 0xFF), UInt8(sealed.count & 0xFF)] + sealed
        }
        #expect(throws: BackupError.self) { try BackupFile.read(file, key: .recoveryKey(recovery)) }
        #expect((try? BackupFile.read(file, key: .recoveryKey(recovery))) == nil)
        do {
            _ = try BackupFile.read(file, key: .recoveryKey(recovery))
        } catch {
            #expect(error.code == "malformed")
        }
    }

    /// A passphrase is normalized (NFC) as the vault's is: "é" typed precomposed or decomposed
    /// opens the same backup.
    @Test func aPassphraseIsNormalized() throws {
        let file = try BackupFile.write(try makeArchive(messages: 0), key: .passphrase(text: "caf\u{E9}"), parameters: .fastTest)
        _ = try BackupFile.read(file, key: .passphrase(text: "cafe\u{301}"))
    }

    /// A pending resend reads back, and its record is strict.
    @Test func aPendingResendReadsBackStrictly() throws {
        let pending = PendingResend(
            accountID: account, accountKey: accountKey.publicKey, notedAt: now, former: [try DeviceID(1), try DeviceID(4)], added: [try DeviceID(5)])
        let bytes = pending.serialized().withUnsafeBytes { Array($0) }
        #expect(try PendingResend(serialized: SecretBytes(copying: bytes)) == pending)
        #expect(throws: VaultError.self) { try PendingResend(serialized: SecretBytes(copying: bytes + [0])) }
        #expect(throws: VaultError.self) { try PendingResend(serialized: SecretBytes(copying: Array(bytes.dropLast()))) }
        #expect(throws: VaultError.self) { try PendingResend(serialized: SecretBytes(copying: [2] + bytes.dropFirst())) }
    }

    @Test func aPassphraseBackupCannotDemandExcessiveCosts() throws {
        let passphrase = SecretBytes(copying: Array("pw".utf8))
        var file = try BackupFile.write(try makeArchive(messages: 0), key: .passphrase(passphrase), parameters: .fastTest)
        // iterations at 10 + 16, memory (KiB) at 10 + 16 + 4.
        file.replaceSubrange(30..<34, with: [0x00, 0x40, 0x00, 0x01])
        #expect(throws: BackupError.unsupportedParameters) { try BackupFile.read(file, key: .passphrase(passphrase)) }
        file.replaceSubrange(26..<30, with: [0, 0, 0, 17])
        #expect(throws: BackupError.unsupportedParameters) { try BackupFile.read(file, key: .passphrase(passphrase)) }
    }

    /// The archive of a vault, imported into another: contacts (not the account's own) and the
    /// history arrive, messages of conversations with a timer stay behind, and received messages
    /// are marked processed.
    @Test func aVaultArchiveImportsIntoANewVault() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try Vault.create(at: folder.appendingPathComponent("a.vault").path, passphrase: "a", parameters: .fastTest)
        let contacts = VaultContactTests()
        let (stored, key) = try contacts.makeIdentity()
        let (bob, _) = try contacts.makeContact("bob")
        let (carol, _) = try contacts.makeContact("carol", timer: 60)
        try source.write { (tx: inout VaultTransaction) throws(VaultError) in
            try tx.putIdentity(stored)
            try tx.putContact(bob)
            try tx.putContact(carol)
            try tx.putHistory(contacts.message(bob, "kept"), storedAt: now)
            try tx.putHistory(contacts.message(carol, "disappears"), storedAt: now)
        }
        let archive = try source.archive(
            accountKey: key, accessSecret: .generate(), userName: "alice", relayURL: "http://r", relayOrigin: "http://r", rootFingerprint: "f", now: now, includeHistory: true)
        #expect(archive.messages.map { String(decoding: $0.body, as: UTF8.self) } == ["kept"])
        let target = try Vault.create(at: folder.appendingPathComponent("b.vault").path, passphrase: "b", parameters: .fastTest)
        try target.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.importArchive(archive) }
        #expect(try target.contacts().map(\.name) == ["bob", "carol"])
        #expect(try target.history(with: bob.accountID).map { String(decoding: $0.body, as: UTF8.self) } == ["kept"])
        let sender = try #require(bob.deviceList?.devices.first)
        #expect(try target.isProcessed(EnvelopeDeduplicationKey(senderDeviceKey: sender.deviceKey, envelopeID: archive.messages[0].envelopeID)))
        let withoutHistory = try source.archive(
            accountKey: key, accessSecret: .generate(), userName: "alice", relayURL: "http://r", relayOrigin: "http://r", rootFingerprint: "f", now: now, includeHistory: false)
        #expect(withoutHistory.messages.isEmpty && withoutHistory.contacts.count == 2)
    }
}
