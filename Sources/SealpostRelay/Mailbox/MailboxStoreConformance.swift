import SealpostWire

/// The checks every ``MailboxStore`` implementation must pass (`Spec/relay.md`, "Mailbox store").
///
/// Run it against a fresh, empty store with a small quota: `open` creates a store object over the
/// same storage each time it is called (the second call shows that what the first stored is
/// durable). The SQLite store runs it in its tests; a PostgreSQL store would run it the same way.
public enum MailboxStoreConformance {
    /// A check that did not hold.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What was expected and what happened.
        public let description: String
    }

    /// The quota `open` must give its stores: 5 envelopes or 64 KiB.
    public static let quota = MailboxQuota(maximumEnvelopes: 5, maximumBytes: 64 << 10)

    /// Runs every check; throws the first ``Failure``.
    public static func run(open: @Sendable () async throws -> any MailboxStore) async throws {
        let store = try await open()
        try await orderAndAcknowledgement(store)
        try await uploadsAreAllOrNothing(store)
        try await expiry(store)
        try await concurrentDeposits(store)
        try await removal(store)
        try await durability(store, reopened: try await open())
    }

    static func address() throws -> DeviceAddress {
        DeviceAddress(accountID: .random(), deviceID: try DeviceID(UInt32.random(in: 1...100)))
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    static func orderAndAcknowledgement(_ store: any MailboxStore) async throws {
        let box = try address()
        var sequences: [UInt64] = []
        for index in 0..<3 { sequences += try await store.deposit([MailboxDeposit(address: box, envelope: [UInt8(index)])], receivedAt: 100 + UInt64(index)) }
        try expect(sequences == sequences.sorted() && Set(sequences).count == 3, "sequence numbers must increase: \(sequences)")
        let pending = try await store.pending(for: box, after: 0, limit: 10)
        try expect(pending.map(\.envelope) == [[0], [1], [2]], "pending must return envelopes in order")
        try expect(pending.map(\.receivedAt) == [100, 101, 102], "pending must return the receive times")
        try expect(try await store.pending(for: box, after: sequences[0], limit: 1).map(\.sequence) == [sequences[1]], "pending after and limit")
        try expect(try await store.pending(for: box, after: 0, limit: 10) == pending, "pending must redeliver until acknowledged")
        try expect(try await store.acknowledge(box, sequences: [sequences[0], sequences[0], 999_999]) == 1, "acknowledge counts what it deleted")
        try expect(try await store.acknowledge(box, sequences: [sequences[0]]) == 0, "a repeated acknowledgement deletes nothing")
        try expect(try await store.pending(for: box, after: 0, limit: 10).map(\.sequence) == Array(sequences.dropFirst()), "acknowledged envelopes go")
        try expect(try await store.usage(of: box) == MailboxUsage(envelopes: 2, bytes: 2), "usage follows deposits and acknowledgements")
        _ = try await store.acknowledge(box, sequences: sequences)
        let next = try await store.deposit([MailboxDeposit(address: box, envelope: [9])], receivedAt: 200)
        try expect(next[0] > sequences.max()!, "sequence numbers are never reused after acknowledgement")
        try expect(try await store.pending(for: try address(), after: 0, limit: 10).isEmpty, "an unknown mailbox is empty")
    }

    static func uploadsAreAllOrNothing(_ store: any MailboxStore) async throws {
        let full = try address(), other = try address()
        for _ in 0..<quota.maximumEnvelopes { _ = try await store.deposit([MailboxDeposit(address: full, envelope: [1])], receivedAt: 1) }
        do {
            _ = try await store.deposit([MailboxDeposit(address: other, envelope: [2]), MailboxDeposit(address: full, envelope: [3])], receivedAt: 2)
            throw Failure(description: "a deposit past the quota must be refused")
        } catch let error as MailboxStoreError {
            guard case .quotaExceeded(let named, _) = error, named == full else { throw Failure(description: "expected quotaExceeded for the full mailbox, got \(error)") }
        }
        try expect(try await store.pending(for: other, after: 0, limit: 10).isEmpty, "a refused upload must store nothing in any mailbox")
        let bytes = try address()
        do {
            _ = try await store.deposit([MailboxDeposit(address: bytes, envelope: [UInt8](repeating: 0, count: quota.maximumBytes + 1))], receivedAt: 3)
            throw Failure(description: "a deposit past the byte quota must be refused")
        } catch is MailboxStoreError {}
        do {
            _ = try await store.deposit([], receivedAt: 4)
            throw Failure(description: "an empty upload must be refused")
        } catch let error as MailboxStoreError {
            guard case .invalidDeposit = error else { throw Failure(description: "expected invalidDeposit, got \(error)") }
        }
        // A mailbox named twice (a batch) gets both, in order.
        let twice = try await store.deposit([MailboxDeposit(address: other, envelope: [1]), MailboxDeposit(address: other, envelope: [2])], receivedAt: 4)
        try expect(twice.count == 2 && twice[0] < twice[1], "a mailbox named twice gets increasing sequence numbers")
        try expect(try await store.pending(for: other, after: 0, limit: 10).map(\.envelope) == [[1], [2]], "in the order given")
    }

    static func expiry(_ store: any MailboxStore) async throws {
        let box = try address()
        _ = try await store.deposit([MailboxDeposit(address: box, envelope: [1, 1])], receivedAt: 1_000)
        _ = try await store.deposit([MailboxDeposit(address: box, envelope: [2])], receivedAt: 2_000)
        _ = try await store.expire(receivedBefore: 1_500)
        try expect(try await store.pending(for: box, after: 0, limit: 10).map(\.envelope) == [[2]], "expiry removes only older envelopes")
        try expect(try await store.usage(of: box) == MailboxUsage(envelopes: 1, bytes: 1), "expiry updates usage")
    }

    static func concurrentDeposits(_ store: any MailboxStore) async throws {
        let box = try address()
        let rounds = 4
        for round in 0..<rounds {
            let boxes = try (0..<3).map { _ in try address() } + [box]
            let sequences = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for index in 0..<boxes.count { group.addTask { try await store.deposit([MailboxDeposit(address: boxes[index], envelope: [UInt8(round)])], receivedAt: 5) } }
                var all: [UInt64] = []
                for try await sequence in group { all += sequence }
                return all
            }
            try expect(sequences.count == boxes.count, "every concurrent deposit gets a sequence number")
        }
        let stored = try await store.pending(for: box, after: 0, limit: 100)
        try expect(stored.count == rounds && Set(stored.map(\.sequence)).count == rounds, "concurrent deposits to one mailbox get distinct sequence numbers")
    }

    static func removal(_ store: any MailboxStore) async throws {
        let box = try address()
        let first = try await store.deposit([MailboxDeposit(address: box, envelope: [1])], receivedAt: 1)
        try await store.removeMailbox(box)
        try expect(try await store.pending(for: box, after: 0, limit: 10).isEmpty, "a removed mailbox is empty")
        try expect(try await store.usage(of: box) == MailboxUsage(envelopes: 0, bytes: 0), "a removed mailbox holds nothing")
        let again = try await store.deposit([MailboxDeposit(address: box, envelope: [2])], receivedAt: 2)
        try expect(again[0] > first[0], "sequence numbers are never reused after removal")
    }

    static func durability(_ store: any MailboxStore, reopened: any MailboxStore) async throws {
        let box = try address()
        let sequences = try await store.deposit([MailboxDeposit(address: box, envelope: [7, 7, 7])], receivedAt: 77)
        let seen = try await reopened.pending(for: box, after: 0, limit: 10)
        try expect(seen == [StoredEnvelope(address: box, sequence: sequences[0], receivedAt: 77, envelope: [7, 7, 7])], "a deposit is visible to another store over the same storage")
    }
}
