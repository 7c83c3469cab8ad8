/// Time limits of the session layer, each with its reason (`Spec/handshake.md`, "Prekey
/// lifecycle"). All durations are seconds.
///
/// The governing constraint: **no private key is deleted while mail that needs it can still be
/// waiting.** A sender may use a signed prekey until it is ``maximumPrekeyAge`` old; the relay
/// keeps undelivered mail for ``relayRetention``; clocks disagree by up to ``clockSkew``. So a
/// signed or last-resort prekey's private key lives at least
/// `maximumPrekeyAge + relayRetention + clockSkew` after its creation (``prekeyPrivateKeyLifetime``).
public enum Limits {
    /// One day.
    public static let day: UInt64 = 86_400

    /// How long the relay keeps undelivered mail (the relay's default retention). Mail to a
    /// device that stays offline longer is lost anyway, so nothing older needs a key.
    public static let relayRetention: UInt64 = 30 * day

    /// How far two devices' clocks may disagree: a prekey created up to this far in the future is
    /// accepted, and every retention period is padded by it.
    public static let clockSkew: UInt64 = 1 * day

    /// How often a device replaces its signed prekey and its last-resort ML-KEM prekey. Signal
    /// rotates every 2 days; a short interval bounds what a stolen prekey private key reveals.
    public static let prekeyRotationInterval: UInt64 = 2 * day

    /// The oldest signed or last-resort prekey an initiator accepts in a bundle. A device that has
    /// been offline cannot rotate, so this is as long as the relay would keep mail for it anyway;
    /// a bundle older than that belongs to a device whose mail would expire unread.
    public static let maximumPrekeyAge: UInt64 = relayRetention

    /// How long a signed or last-resort prekey's private key is kept after its creation:
    /// `maximumPrekeyAge + relayRetention + clockSkew` = 61 days.
    public static let prekeyPrivateKeyLifetime: UInt64 = maximumPrekeyAge + relayRetention + clockSkew

    /// Replenish one-time prekeys (X25519 and ML-KEM) when the relay holds fewer than this.
    public static let oneTimePrekeyReplenishThreshold = 10

    /// How many one-time prekeys of each kind to upload at a time (Signal uploads 100).
    public static let oneTimePrekeyBatchSize = 100

    /// The most one-time prekeys of each kind a device keeps private keys for; with the batch
    /// size, room for a few uploads that the relay has not yet handed out.
    public static let maximumStoredOneTimePrekeys = 1_000
}
