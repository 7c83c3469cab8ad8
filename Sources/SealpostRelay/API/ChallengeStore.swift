import Synchronization
import SealpostCrypto

/// Nonces handed out for signed-challenge authentication, in memory: each is good once, for
/// ``lifetime``; at most ``capacity`` are outstanding (the oldest are dropped beyond).
final class ChallengeStore: Sendable {
    static let lifetime: Duration = .seconds(60)
    static let capacity = 100_000
    private let nonces = Mutex<[[UInt8]: ContinuousClock.Instant]>([:])

    /// A fresh nonce.
    func issue() -> [UInt8] {
        let nonce = SecureRandom.bytes(count: 32)
        let now = ContinuousClock.now
        nonces.withLock { nonces in
            if nonces.count >= Self.capacity { nonces = nonces.filter { now - $0.value < Self.lifetime } }
            // Still full of live nonces: drop the oldest, never everyone's.
            if nonces.count >= Self.capacity, let oldest = nonces.min(by: { $0.value < $1.value })?.key { nonces[oldest] = nil }
            nonces[nonce] = now
        }
        return nonce
    }

    /// Takes `nonce` if it was issued less than ``lifetime`` ago and not used.
    func consume(_ nonce: [UInt8]) -> Bool {
        nonces.withLock { nonces in
            guard let issued = nonces.removeValue(forKey: nonce) else { return false }
            return ContinuousClock.now - issued < Self.lifetime
        }
    }
}
