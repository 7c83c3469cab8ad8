import Foundation
import Testing
@testable import SealpostRelay
import SealpostWire

/// A fresh folder under the system's temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Mailbox store")
struct MailboxStoreTests {
    @Test func theSQLiteStorePassesTheConformanceSuite() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("mailboxes.sqlite").path
        try await MailboxStoreConformance.run { try SQLiteMailboxStore(path: path, quota: MailboxStoreConformance.quota) }
    }

    /// Concurrent deposits share transactions: far fewer commits than deposits.
    @Test func concurrentDepositsShareCommits() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteMailboxStore(path: folder.appendingPathComponent("m.sqlite").path)
        let box = DeviceAddress(accountID: .random(), deviceID: try DeviceID(1))
        let count = 400
        let sequences = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for index in 0..<count {
                group.addTask { try await store.deposit([MailboxDeposit(address: box, envelope: [UInt8(truncatingIfNeeded: index)])], receivedAt: 1)[0] }
            }
            var all: [UInt64] = []
            for try await sequence in group { all.append(sequence) }
            return all
        }
        #expect(Set(sequences) == Set(1...UInt64(count)))
        let transactions = await store.committer.transactions
        #expect(transactions < count)
        #expect(try await store.usage(of: box) == MailboxUsage(envelopes: count, bytes: count))
    }

    /// A commit reaches the disk: the writer runs with `synchronous = FULL` (2), not the NORMAL
    /// GRDB sets when it enables WAL.
    @Test func theWriterCommitsWithSynchronousFull() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteMailboxStore(path: folder.appendingPathComponent("m.sqlite").path)
        #expect(try store.writerSynchronous() == 2)
    }

    @Test func aDamagedFileIsATypedError() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("m.sqlite").path
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: MailboxStoreError.self) { try SQLiteMailboxStore(path: path) }
    }
}
