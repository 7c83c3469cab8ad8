import Foundation
import GRDB
import Testing
import SealpostCrypto
@_spi(Testing) @testable import SealpostVault

func temporaryVaultPath() throws -> (folder: URL, path: String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-vault-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return (folder, folder.appendingPathComponent("vault.sqlite").path)
}

@Suite("Vault keys and opening")
struct VaultKeyTests {
    @Test func aVaultOpensWithItsPassphraseOnly() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "correct horse", parameters: .fastTest)
        let blindIndex = vault.keys.blindIndex
        try vault.close()
        let reopened = try Vault.open(at: path, passphrase: "correct horse")
        #expect(reopened.keys.blindIndex.constantTimeEquals(blindIndex))
        #expect(!reopened.keys.manifest.constantTimeEquals(blindIndex))
        #expect(reopened.parameters == .fastTest)
        #expect(try reopened.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        try reopened.close()
        #expect(throws: VaultError.authenticationFailed) { try Vault.open(at: path, passphrase: "correct horse ") }
        #expect(throws: VaultError.alreadyExists) { try Vault.create(at: path, passphrase: "x", parameters: .fastTest) }
    }

    /// The same passphrase typed as composed or decomposed Unicode opens the vault.
    @Test func aVaultIsOpenOnceAtATime() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "p", parameters: .fastTest)
        #expect(throws: VaultError.inUse) { try Vault.open(at: path, passphrase: "p") }
        let changed = try vault.changePassphrase(to: "q")
        #expect(throws: VaultError.inUse) { try Vault.open(at: path, passphrase: "q") }
        try changed.close()
        let reopened = try Vault.open(at: path, passphrase: "q")
        try reopened.close()
    }

    @Test func passphrasesAreNormalized() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Vault.create(at: path, passphrase: "caf\u{E9}", parameters: .fastTest).close()
        try Vault.open(at: path, passphrase: "cafe\u{301}").close()
    }

    /// An altered header fails as a wrong passphrase does; a failed open leaves the file as it was.
    @Test func tamperingIsOneAuthenticationFailureAndChangesNothing() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Vault.create(at: path, passphrase: "pass", parameters: .fastTest).close()
        let header = try Vault.readHeader(at: path).serialized()
        // Flip a byte of the costs (still in bounds), the salt, the nonce, the wrapped key.
        for offset in [9, 10, 30, 60, 97] {
            var tampered = header
            tampered[offset] ^= 0x01
            try setHeader(tampered, at: path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(throws: VaultError.authenticationFailed) { try Vault.open(at: path, passphrase: "pass") }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }
        try setHeader(header, at: path)
        try Vault.open(at: path, passphrase: "pass").close()
    }

    @Test func aDamagedFileIsItsOwnTypedError() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Vault.create(at: path, passphrase: "pass", parameters: .fastTest).close()
        let header = try Vault.readHeader(at: path).serialized()
        // Costs beyond what any vault may ask: refused before Argon2id runs.
        var greedy = header
        greedy.replaceSubrange(6..<10, with: [0xFF, 0xFF, 0xFF, 0xFF])
        try setHeader(greedy, at: path)
        #expect(throws: VaultError.self) { try Vault.open(at: path, passphrase: "pass") }
        let error = #expect(throws: VaultError.self) { try Vault.open(at: path, passphrase: "pass") }
        #expect(error?.code == "unsupportedParameters")
        for broken in [Array(header.dropLast()), header + [0], [2] + header.dropFirst()] {
            try setHeader(broken, at: path)
            let error = #expect(throws: VaultError.self) { try Vault.open(at: path, passphrase: "pass") }
            #expect(error?.code == "malformedHeader")
        }
        // Not a vault at all.
        let other = folder.appendingPathComponent("other").path
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: other))
        #expect(throws: VaultError.notAVault) { try Vault.open(at: other, passphrase: "pass") }
        #expect(throws: VaultError.notAVault) { try Vault.open(at: folder.appendingPathComponent("missing").path, passphrase: "pass") }
        try Data(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(100)).write(to: URL(fileURLWithPath: other))
        #expect(throws: VaultError.self) { try Vault.open(at: other, passphrase: "pass") }
    }

    @Test func aPassphraseChangeRewrapsOneKeyAndLeavesNoOldWrapInTheFile() throws {
        let (folder, path) = try temporaryVaultPath()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vault = try Vault.create(at: path, passphrase: "old", parameters: .fastTest)
        let old = try Vault.readHeader(at: path)
        let blindIndex = vault.keys.blindIndex
        let changed = try vault.changePassphrase(to: "new")
        try changed.close()
        #expect(throws: VaultError.authenticationFailed) { try Vault.open(at: path, passphrase: "old") }
        let reopened = try Vault.open(at: path, passphrase: "new")
        #expect(reopened.keys.blindIndex.constantTimeEquals(blindIndex))
        try reopened.close()
        // Neither the old salt nor the old wrapped key remain anywhere in the file or its log.
        for file in [path, path + "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: file) else { continue }
            #expect(!bytes.contains(old.wrappedKey))
            #expect(!bytes.contains(old.salt))
        }
    }

    func setHeader(_ bytes: [UInt8], at path: String) throws {
        try SQLiteWriter.replaceHeader(bytes, at: path)
    }
}

extension Data {
    func contains(_ needle: [UInt8]) -> Bool { range(of: Data(needle)) != nil }
}
