import Synchronization

/// Token buckets per network address, in memory only (`Spec/relay.md`, "Rate limits"): an
/// address is never written to disk or to a log. Buckets idle for ten minutes are forgotten, and
/// at most ``maximumAddresses`` are held, so the limiter's memory is bounded.
public final class RateLimiter: Sendable {
    /// One limit: a burst and a sustained rate.
    public struct Limit: Sendable {
        /// Requests allowed at once.
        public let burst: Double
        /// Requests per second refilled.
        public let perSecond: Double

        /// A limit.
        public init(burst: Double, perSecond: Double) {
            self.burst = burst
            self.perSecond = perSecond
        }
    }

    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// The most addresses tracked at once per limiter.
    public static let maximumAddresses = 100_000
    static let idleLifetime: Duration = .seconds(600)

    let limit: Limit
    private let buckets = Mutex<[String: Bucket]>([:])

    /// A limiter enforcing `limit` per address.
    public init(_ limit: Limit) {
        self.limit = limit
    }

    /// Takes one token for `address`; `false` when the address is over its limit.
    public func allow(_ address: String, now: ContinuousClock.Instant = .now) -> Bool {
        buckets.withLock { buckets in
            if buckets.count >= Self.maximumAddresses, buckets[address] == nil {
                buckets = buckets.filter { now - $0.value.updated < Self.idleLifetime }
                // Still full: refuse new addresses rather than forget everyone's limits.
                if buckets.count >= Self.maximumAddresses { return false }
            }
            var bucket = buckets[address] ?? Bucket(tokens: limit.burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(limit.burst, bucket.tokens + seconds * limit.perSecond)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[address] = bucket
                return false
            }
            bucket.tokens -= 1
            buckets[address] = bucket
            return true
        }
    }
}

/// The relay's limits per network address.
public struct RelayRateLimits: Sendable {
    /// Prekey bundle fetches: each consumes one-time prekeys, so draining them is the attack.
    public let bundles = RateLimiter(.init(burst: 30, perSecond: 0.5))
    /// Directory lookups (devices of an account, user names).
    public let lookups = RateLimiter(.init(burst: 60, perSecond: 2))
    /// Provisioning channel requests (a link polls one slot at a time, each for up to 25 s).
    public let provisioning = RateLimiter(.init(burst: 60, perSecond: 1))
    /// Account registrations.
    public let registrations: RateLimiter
    /// Sealed uploads: far above a person's use, a cap on one address flooding mailboxes.
    public let uploads: RateLimiter

    /// Limits; the defaults allow 10 registrations an hour and 2 000 uploads a second per address.
    public init(registrationsPerHour: Double = 10, uploadsPerSecond: Double = 2_000) {
        registrations = RateLimiter(.init(burst: registrationsPerHour, perSecond: registrationsPerHour / 3_600))
        uploads = RateLimiter(.init(burst: 2 * uploadsPerSecond, perSecond: uploadsPerSecond))
    }
}
