import Foundation
import SealpostWire
import Synchronization

/// Hands newly stored envelopes to the connections of their device, so a connected device gets
/// its mail without a read from the store. A connection that misses some (its buffer overflowed,
/// or notifications crossed) notices the gap in sequence numbers and reads the store instead.
///
/// A lock rather than an actor: a sealed send hands its envelopes over without a hop to another
/// executor.
final class MailboxNotifier: Sendable {
    /// Envelopes buffered per connection before the oldest are dropped (and read back from the
    /// store when the connection catches up).
    static let bufferedBatches = 256

    private let subscribers = Mutex<[DeviceAddress: [UUID: AsyncStream<[StoredEnvelope]>.Continuation]]>([:])

    /// Subscribes to new envelopes for `address`; the subscription ends with the stream.
    func subscribe(_ address: DeviceAddress) -> AsyncStream<[StoredEnvelope]> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<[StoredEnvelope]>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferedBatches))
        subscribers.withLock { $0[address, default: [:]][id] = continuation }
        continuation.onTermination = { [weak self] _ in self?.remove(address, id) }
        return stream
    }

    private func remove(_ address: DeviceAddress, _ id: UUID) {
        subscribers.withLock { subscribers in
            subscribers[address]?[id] = nil
            if subscribers[address]?.isEmpty == true { subscribers[address] = nil }
        }
    }

    /// Hands each stored envelope to every connection of its device.
    func notify(_ envelopes: [StoredEnvelope]) {
        let targets = subscribers.withLock { subscribers in
            envelopes.compactMap { envelope in subscribers[envelope.address].map { (envelope, Array($0.values)) } }
        }
        for (envelope, continuations) in targets { continuations.forEach { $0.yield([envelope]) } }
    }
}
