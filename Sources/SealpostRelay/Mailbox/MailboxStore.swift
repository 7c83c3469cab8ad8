import SealpostWire

/// One envelope to store in one device's mailbox.
public struct MailboxDeposit: Sendable, Hashable {
    /// The mailbox.
    public let address: DeviceAddress
    /// The serialized ``SealedEnvelope``, stored and delivered as it is.
    public let envelope: [UInt8]

    /// A deposit from its parts.
    public init(address: DeviceAddress, envelope: [UInt8]) {
        self.address = address
        self.envelope = envelope
    }
}

/// An envelope in a mailbox, as a device receives it.
public struct StoredEnvelope: Sendable, Hashable {
    /// The mailbox.
    public let address: DeviceAddress
    /// The mailbox's sequence number for it: acknowledgements name it.
    public let sequence: UInt64
    /// When the relay accepted the upload (seconds since the Unix epoch, the relay's clock).
    public let receivedAt: UInt64
    /// The serialized sealed envelope.
    public let envelope: [UInt8]

    /// An envelope from its parts.
    public init(address: DeviceAddress, sequence: UInt64, receivedAt: UInt64, envelope: [UInt8]) {
        self.address = address
        self.sequence = sequence
        self.receivedAt = receivedAt
        self.envelope = envelope
    }

    /// The delivery frame (`Spec/envelope.md`, "Delivery"):
    /// `0x01 ‖ u64 sequence ‖ u64 received at ‖ lp32(sealed envelope)`.
    public func deliveryFrame() -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + 8 + 8 + 4 + envelope.count)
        writer.u8(MailboxDelivery.version)
        writer.u64(sequence)
        writer.u64(receivedAt)
        writer.lp32(envelope)
        return writer.bytes
    }
}

/// How much one mailbox may hold; a deposit beyond it is refused with
/// ``MailboxStoreError/quotaExceeded(_:usage:)``.
public struct MailboxQuota: Sendable, Hashable {
    /// The most envelopes waiting.
    public var maximumEnvelopes: Int
    /// The most bytes of envelopes waiting.
    public var maximumBytes: Int

    /// A quota.
    public init(maximumEnvelopes: Int, maximumBytes: Int) {
        self.maximumEnvelopes = maximumEnvelopes
        self.maximumBytes = maximumBytes
    }

    /// 10 000 envelopes or 256 MiB, whichever comes first: a month of heavy use for a device that
    /// stays offline, far beyond a legitimate backlog of text.
    public static let standard = MailboxQuota(maximumEnvelopes: 10_000, maximumBytes: 256 << 20)
}

/// What a mailbox holds now.
public struct MailboxUsage: Sendable, Hashable {
    /// Envelopes waiting.
    public var envelopes: Int
    /// Bytes of envelopes waiting.
    public var bytes: Int

    /// A usage figure.
    public init(envelopes: Int, bytes: Int) {
        self.envelopes = envelopes
        self.bytes = bytes
    }
}

/// Why a mailbox operation failed.
public enum MailboxStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The deposit would take the mailbox past its quota. Nothing of the upload was stored.
    case quotaExceeded(DeviceAddress, usage: MailboxUsage)
    /// An upload named no mailbox.
    case invalidDeposit(String)
    /// The storage engine failed; the operation did not happen (or, for an acknowledgement, may
    /// be repeated).
    case storage(String)

    /// The machine-readable code.
    public var code: String {
        switch self {
        case .quotaExceeded: "mailboxFull"
        case .invalidDeposit: "invalidDeposit"
        case .storage: "storageFailure"
        }
    }

    /// A sentence an operator can act on; never envelope contents.
    public var description: String {
        switch self {
        case .quotaExceeded(let address, let usage): "mailbox \(address) is full (\(usage.envelopes) envelopes, \(usage.bytes) bytes)"
        case .invalidDeposit(let reason): "invalid deposit: \(reason)"
        case .storage(let reason): "storage failure: \(reason)"
        }
    }
}

/// The relay's durable offline mailboxes (`Spec/relay.md`, "Mailbox store").
///
/// Every implementation must pass ``MailboxStoreConformance``. The contract:
/// - ``deposit(_:receivedAt:)`` stores every envelope of one upload or none of them, and returns
///   only once they are durable (they survive power loss): the relay answers 2xx after it;
/// - each mailbox numbers its envelopes with strictly increasing sequence numbers, never reused,
///   not even after acknowledgement, expiry or a restart;
/// - ``pending(for:after:limit:)`` returns waiting envelopes in sequence order, as often as asked,
///   until they are acknowledged or expire;
/// - the store is shared by concurrent callers (several relay processes, for a store on a
///   database server).
public protocol MailboxStore: Sendable {
    /// Stores one upload's envelopes, each in its mailbox, all or none, durably. A mailbox may be
    /// named more than once (a batch of uploads to one device): its envelopes get increasing
    /// sequence numbers in the order given.
    /// - Returns: The sequence number given to each deposit, in order.
    /// - Throws: ``MailboxStoreError/quotaExceeded(_:usage:)`` naming a full mailbox (nothing stored).
    func deposit(_ deposits: [MailboxDeposit], receivedAt: UInt64) async throws(MailboxStoreError) -> [UInt64]

    /// Up to `limit` envelopes of `address` with a sequence number above `after`, oldest first.
    func pending(for address: DeviceAddress, after: UInt64, limit: Int) async throws(MailboxStoreError) -> [StoredEnvelope]

    /// Deletes the acknowledged envelopes; unknown sequence numbers are ignored (an
    /// acknowledgement may be repeated). Returns how many were deleted.
    func acknowledge(_ address: DeviceAddress, sequences: [UInt64]) async throws(MailboxStoreError) -> Int

    /// Deletes every envelope received before `time` (retention). Returns how many.
    func expire(receivedBefore time: UInt64) async throws(MailboxStoreError) -> Int

    /// What `address` holds now.
    func usage(of address: DeviceAddress) async throws(MailboxStoreError) -> MailboxUsage

    /// Deletes a mailbox and everything in it (a device removed from its account).
    func removeMailbox(_ address: DeviceAddress) async throws(MailboxStoreError)
}
