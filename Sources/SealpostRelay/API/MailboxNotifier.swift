import Foundation
import SealpostWire

/// Wakes the connections of a device when mail for it arrives.
actor MailboxNotifier {
    private var subscribers: [DeviceAddress: [UUID: AsyncStream<Void>.Continuation]] = [:]

    /// Subscribes to deposits for `address`; cancel by finishing iteration (the stream's end
    /// removes the subscription).
    func subscribe(_ address: DeviceAddress) -> AsyncStream<Void> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        subscribers[address, default: [:]][id] = continuation
        continuation.onTermination = { _ in Task { await self.remove(address, id) } }
        return stream
    }

    private func remove(_ address: DeviceAddress, _ id: UUID) {
        subscribers[address]?[id] = nil
        if subscribers[address]?.isEmpty == true { subscribers[address] = nil }
    }

    /// Wakes every subscriber of each address.
    func notify(_ addresses: [DeviceAddress]) {
        for address in addresses { subscribers[address]?.values.forEach { $0.yield() } }
    }

    /// Connected receivers, for the metrics.
    var connectionCount: Int { subscribers.values.reduce(0) { $0 + $1.count } }
}
