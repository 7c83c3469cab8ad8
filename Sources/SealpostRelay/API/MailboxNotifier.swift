import Foundation
import SealpostWire

/// Hands newly stored envelopes to the connections of their device, so a connected device gets
/// its mail without a read from the store. A connection that misses some (its buffer overflowed,
/// or notifications crossed) notices the gap in sequence numbers and reads the store instead.
actor MailboxNotifier {
    /// Envelopes buffered per connection before the oldest are dropped (and read back from the
    /// store when the connection catches up).
    static let bufferedBatches = 256

    private var subscribers: [DeviceAddress: [UUID: AsyncStream<[StoredEnvelope]>.Continuation]] = [:]

    /// Subscribes to new envelopes for `address`; the subscription ends with the stream.
    func subscribe(_ address: DeviceAddress) -> AsyncStream<[StoredEnvelope]> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<[StoredEnvelope]>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferedBatches))
        subscribers[address, default: [:]][id] = continuation
        continuation.onTermination = { _ in Task { await self.remove(address, id) } }
        return stream
    }

    private func remove(_ address: DeviceAddress, _ id: UUID) {
        subscribers[address]?[id] = nil
        if subscribers[address]?.isEmpty == true { subscribers[address] = nil }
    }

    /// Hands each stored envelope to every connection of its device.
    func notify(_ envelopes: [StoredEnvelope]) {
        for envelope in envelopes {
            subscribers[envelope.address]?.values.forEach { $0.yield([envelope]) }
        }
    }

    /// Connected receivers.
    var connectionCount: Int { subscribers.values.reduce(0) { $0 + $1.count } }
}
