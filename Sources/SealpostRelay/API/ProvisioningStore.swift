import Synchronization
import SealpostCrypto

/// The relay's side of linking a device (`Spec/relay.md`, "Provisioning"): short-lived channels
/// of three write-once slots, in memory, through which a new device and an existing one exchange
/// end-to-end encrypted messages. The relay sees a random channel id, the sizes and the two
/// network addresses; never an account, a device or a key.
///
/// Slot 1 (the existing device's ephemeral key) is exactly 33 bytes and opens the channel; slot 2
/// (the new device's sealed request) exactly 49; slot 3 (the sealed link package) up to 4 MiB,
/// and only once 1 and 2 are there. A channel lives ``lifetime`` from its opening; at most
/// ``capacity`` channels, ``byteBudget`` bytes in all and ``peerByteBudget`` bytes written by
/// one network address are held (beyond, writes are refused until old channels expire). A relay
/// restart forgets every channel: the devices start again.
public final class ProvisioningStore: Sendable {
    /// How long a channel lives after its first write.
    public static let lifetime: Duration = .seconds(600)
    /// The most channels held at once.
    public static let capacity = 4_096
    /// The most bytes held across channels.
    public static let byteBudget = 256 << 20
    /// The most bytes held that one network address wrote.
    public static let peerByteBudget = 16 << 20
    /// The largest slot body (the existing device's message may carry recent history).
    public static let maximumSlotBytes = 4 << 20
    /// The sizes of slots 1 and 2.
    public static let fixedSlotBytes = [1: 33, 2: 49]
    /// The slots of a channel: 1 and 3 are written by the existing device, 2 by the new one.
    public static let slots: ClosedRange<Int> = 1 ... 3
    /// The length of a channel id.
    public static let channelBytes = 16

    struct Channel {
        let opened: ContinuousClock.Instant
        var slots: [Int: (body: [UInt8], peer: String)] = [:]
    }

    struct State {
        var channels: [[UInt8]: Channel] = [:]
        /// Channels in the order they opened (all live equally long): expiry pops the front.
        var order: [[UInt8]] = []
        var head = 0
        var bytes = 0
        var bytesByPeer: [String: Int] = [:]

        mutating func expire(now: ContinuousClock.Instant) {
            while head < order.count {
                let id = order[head]
                guard let channel = channels[id] else {
                    head += 1
                    continue
                }
                guard now - channel.opened >= ProvisioningStore.lifetime else { break }
                for (body, peer) in channel.slots.values {
                    bytes -= body.count
                    bytesByPeer[peer, default: 0] -= body.count
                    if bytesByPeer[peer] == 0 { bytesByPeer[peer] = nil }
                }
                channels[id] = nil
                head += 1
            }
            if head > 1_024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    /// Writes `body` to `slot` of `channel` once, for the network address `peer`; a second
    /// write of the slot is a conflict.
    public func put(channel: [UInt8], slot: Int, body: [UInt8], peer: String = "", now: ContinuousClock.Instant = .now) throws(RelayError) {
        guard channel.count == Self.channelBytes, Self.slots.contains(slot) else { throw .notFound }
        guard body.count <= Self.maximumSlotBytes else { throw .tooLarge }
        if let size = Self.fixedSlotBytes[slot], body.count != size { throw .malformed("provisioning slot \(slot) is \(size) bytes") }
        guard !body.isEmpty else { throw .malformed("an empty provisioning message") }
        try state.withLock { (state: inout State) throws(RelayError) in
            state.expire(now: now)
            let existing = state.channels[channel]
            if existing == nil {
                guard slot == 1 else { throw .conflict("a provisioning channel opens with slot 1") }
                guard state.channels.count < Self.capacity else { throw .unavailable }
            }
            var entry = existing ?? Channel(opened: now)
            guard entry.slots[slot] == nil else { throw .conflict("this provisioning slot is already written") }
            if slot == 3, entry.slots[2] == nil { throw .conflict("the link package follows the request") }
            guard state.bytes + body.count <= Self.byteBudget else { throw .unavailable }
            guard state.bytesByPeer[peer, default: 0] + body.count <= Self.peerByteBudget else { throw .rateLimited }
            entry.slots[slot] = (body, peer)
            state.channels[channel] = entry
            if existing == nil { state.order.append(channel) }
            state.bytes += body.count
            state.bytesByPeer[peer, default: 0] += body.count
        }
    }

    /// The body of `slot` of `channel`, or `nil` while it is not written (or the channel expired).
    public func get(channel: [UInt8], slot: Int, now: ContinuousClock.Instant = .now) throws(RelayError) -> [UInt8]? {
        guard channel.count == Self.channelBytes, Self.slots.contains(slot) else { throw .notFound }
        return state.withLock { state in
            state.expire(now: now)
            return state.channels[channel]?.slots[slot]?.body
        }
    }

    /// The number of channels held.
    public var count: Int { state.withLock { $0.channels.count } }
}
