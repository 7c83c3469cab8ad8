import Synchronization
import SealpostCrypto

/// The relay's side of linking a device (`Spec/relay.md`, "Provisioning"): short-lived channels
/// of three write-once slots, in memory, through which a new device and an existing one exchange
/// end-to-end encrypted messages. The relay sees a random channel id, the sizes and the two
/// network addresses; never an account, a device or a key.
///
/// A channel lives ``lifetime`` from its first write; at most ``capacity`` channels and
/// ``byteBudget`` bytes are held (beyond, writes are refused with `unavailable` until old
/// channels expire). A relay restart forgets every channel: the devices start again.
public final class ProvisioningStore: Sendable {
    /// How long a channel lives after its first write.
    public static let lifetime: Duration = .seconds(600)
    /// The most channels held at once.
    public static let capacity = 4_096
    /// The most bytes held across channels.
    public static let byteBudget = 256 << 20
    /// The largest slot body (the existing device's message may carry recent history).
    public static let maximumSlotBytes = 4 << 20
    /// The slots of a channel: 1 and 3 are written by the existing device, 2 by the new one.
    public static let slots: ClosedRange<Int> = 1 ... 3
    /// The length of a channel id.
    public static let channelBytes = 16

    struct Channel {
        let opened: ContinuousClock.Instant
        var slots: [Int: [UInt8]] = [:]
        var bytes: Int { slots.values.reduce(0) { $0 + $1.count } }
    }

    private let channels = Mutex<[[UInt8]: Channel]>([:])

    /// An empty store.
    public init() {}

    /// Writes `body` to `slot` of `channel` once; a second write of the slot is a conflict.
    public func put(channel: [UInt8], slot: Int, body: [UInt8], now: ContinuousClock.Instant = .now) throws(RelayError) {
        guard channel.count == Self.channelBytes, Self.slots.contains(slot) else { throw .notFound }
        guard body.count <= Self.maximumSlotBytes else { throw .tooLarge }
        guard !body.isEmpty else { throw .malformed("an empty provisioning message") }
        try channels.withLock { (channels: inout [[UInt8]: Channel]) throws(RelayError) in
            Self.expire(&channels, now: now)
            var entry = channels[channel] ?? Channel(opened: now)
            guard entry.slots[slot] == nil else { throw .conflict("this provisioning slot is already written") }
            if channels[channel] == nil, channels.count >= Self.capacity { throw .unavailable }
            guard channels.values.reduce(0, { $0 + $1.bytes }) + body.count <= Self.byteBudget else { throw .unavailable }
            entry.slots[slot] = body
            channels[channel] = entry
        }
    }

    /// The body of `slot` of `channel`, or `nil` while it is not written (or the channel expired).
    public func get(channel: [UInt8], slot: Int, now: ContinuousClock.Instant = .now) throws(RelayError) -> [UInt8]? {
        guard channel.count == Self.channelBytes, Self.slots.contains(slot) else { throw .notFound }
        return channels.withLock { channels in
            Self.expire(&channels, now: now)
            return channels[channel]?.slots[slot]
        }
    }

    /// The number of channels held.
    public var count: Int { channels.withLock { $0.count } }

    private static func expire(_ channels: inout [[UInt8]: Channel], now: ContinuousClock.Instant) {
        channels = channels.filter { now - $0.value.opened < lifetime }
    }
}
