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

    // MARK: Double Ratchet (`Spec/ratchet.md`, "Bounds")

    /// The furthest one message may jump ahead in a receiving chain. Each skipped position costs
    /// two HMACs and a stored key, so this bounds the work one forged header can cause; 2 000 covers
    /// any burst a device sends while its peer is offline (vodozemac: 2 000; libsignal: 25 000).
    public static let maximumForwardJump = 2_000

    /// Skipped message keys kept per session, oldest evicted first (libsignal: 2 000).
    public static let maximumSkippedKeys = 2_000

    /// How long a skipped message key is kept: the message it waits for cannot arrive after the
    /// relay has deleted it.
    public static let skippedKeyLifetime: UInt64 = relayRetention + clockSkew

    /// Receiving chains kept per session state, oldest dropped (libsignal: 5): late messages of a
    /// chain older than that fail as expired.
    public static let maximumReceivingChains = 5

    /// Earlier session states kept beside the current one, for simultaneous initiation and
    /// reordered handshakes (libsignal keeps 40).
    public static let maximumPreviousStates = 40

    // MARK: Decryption errors (`Spec/ratchet.md`, "Decryption errors")

    /// At most one session reset per peer device in this interval: a peer (or a replayed report)
    /// cannot make a sender rebuild sessions in a loop.
    public static let minimumResetInterval: UInt64 = 3_600

    /// Messages kept per peer device to resend after a reset; older ones are lost to a reset, as
    /// they would be to retention.
    public static let resendLogCapacity = 100

    /// How long a sent message stays in the resend log, and how old a decryption error may be: a
    /// message older than this would have expired at the relay anyway.
    public static let resendLogLifetime: UInt64 = relayRetention + clockSkew

    /// Decryption errors remembered per peer device, so a replayed one changes nothing.
    public static let handledErrorMemory = 64

    // MARK: Sealed envelopes (`Spec/envelope.md`, "Time limits")

    /// How long a sender certificate is valid after the relay issues it. Short, so a device
    /// removed from an account stops being able to send sealed mail within a day (Signal: 1 day).
    public static let senderCertificateLifetime: UInt64 = 1 * day

    /// A device fetches a new sender certificate once less than this is left on its current one,
    /// so an upload never races the expiry.
    public static let senderCertificateRefreshMargin: UInt64 = senderCertificateLifetime / 2

    /// How far the relay's stamp may pass a sender certificate's expiry, or a server certificate's
    /// window, and still be accepted: both times come from the relay's own clocks, which an
    /// operator keeps synchronized, so this is minutes, not ``clockSkew``.
    public static let certificateClockSkew: UInt64 = 600

    /// How often a device replaces its envelope key. Each rotation bounds what a stolen envelope
    /// private key reveals: senders of mail sealed to older keys stay hidden once those are gone.
    public static let envelopeKeyRotationInterval: UInt64 = 7 * day

    /// How long a sender may keep sealing to an envelope key it fetched; after that it fetches the
    /// recipient's current key again, and the relay refuses uploads sealed to a key its device
    /// replaced longer ago than this (`Spec/relay.md`).
    public static let envelopeKeyCacheLifetime: UInt64 = 1 * day

    /// How long an envelope private key is kept after its device published the next one:
    /// `envelopeKeyCacheLifetime + relayRetention + clockSkew` = 32 days, after which no mail
    /// sealed to it can still be waiting.
    public static let envelopeKeyRetention: UInt64 = envelopeKeyCacheLifetime + relayRetention + clockSkew

    /// How long a device remembers the (sender, envelope id) of each processed envelope: a sender
    /// may resend a message from its resend log for ``resendLogLifetime`` after sending it, and
    /// the relay keeps the resent envelope for ``relayRetention`` more; 62 days.
    public static let processedEnvelopeMemory: UInt64 = resendLogLifetime + relayRetention + clockSkew

    /// The oldest envelope key a sender accepts: a device that has been offline cannot rotate,
    /// and its mail would expire unread after this anyway.
    public static let maximumEnvelopeKeyAge: UInt64 = relayRetention + clockSkew
}
