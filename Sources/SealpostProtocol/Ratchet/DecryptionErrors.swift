import SealpostCrypto
import SealpostWire

/// Messages recently sent to one peer device, kept (in the vault) to resend after a reset.
public struct ResendLog: Sendable {
    /// One sent message.
    public struct Entry: Sendable, Hashable {
        /// The ratchet key it was sent under.
        public let ratchetKey: X25519.PublicKey
        /// Its number in that chain.
        public let messageNumber: UInt32
        /// When it was sent.
        public let sentAt: UInt64
        /// What it said: a reset re-encrypts it under the new session, never reusing a key.
        public let plaintext: [UInt8]
    }

    /// The entries, oldest first.
    public private(set) var entries: [Entry] = []

    /// An empty log.
    public init() {}

    /// Records a sent message; keeps at most ``Limits/resendLogCapacity`` entries.
    public mutating func record(_ message: SessionMessage, plaintext: [UInt8], sentAt: UInt64) {
        let ratchet = message.ratchetMessage
        entries.append(Entry(ratchetKey: ratchet.ratchetKey, messageNumber: ratchet.messageNumber, sentAt: sentAt, plaintext: plaintext))
        if entries.count > Limits.resendLogCapacity { entries.removeFirst(entries.count - Limits.resendLogCapacity) }
    }

    /// Records a sent message by its ratchet key and number (vectors, storage).
    package mutating func record(ratchetKey: X25519.PublicKey, messageNumber: UInt32, plaintext: [UInt8], sentAt: UInt64) {
        entries.append(Entry(ratchetKey: ratchetKey, messageNumber: messageNumber, sentAt: sentAt, plaintext: plaintext))
        if entries.count > Limits.resendLogCapacity { entries.removeFirst(entries.count - Limits.resendLogCapacity) }
    }

    /// Drops entries older than ``Limits/resendLogLifetime``.
    public mutating func prune(now: UInt64) {
        entries.removeAll { now > $0.sentAt && now - $0.sentAt > Limits.resendLogLifetime }
    }

    /// The failed message and everything sent after it, or nil if the log does not hold it.
    func entries(from ratchetKey: X25519.PublicKey, messageNumber: UInt32) -> [Entry]? {
        entries.firstIndex { $0.ratchetKey == ratchetKey && $0.messageNumber == messageNumber }.map { Array(entries[$0...]) }
    }
}

/// What a sender remembers per peer device about resets: the last one, and the reports handled.
public struct ResetGuard: Sendable, Hashable {
    /// When the last reset happened.
    public private(set) var lastResetAt: UInt64?
    /// The failed messages already reported, `(ratchet key ‖ u32 N)`, most recent last.
    public private(set) var handled: [[UInt8]] = []

    /// No reset yet.
    public init() {}

    /// A guard from stored values (vectors, storage).
    package init(lastResetAt: UInt64?, handled: [[UInt8]]) {
        self.lastResetAt = lastResetAt
        self.handled = handled
    }

    mutating func note(_ key: [UInt8], at time: UInt64) {
        lastResetAt = time
        handled.append(key)
        if handled.count > Limits.handledErrorMemory { handled.removeFirst(handled.count - Limits.handledErrorMemory) }
    }
}

/// Why a decryption error changed nothing (`Spec/ratchet.md`, "Decryption errors").
public enum DecryptionErrorRejection: Error, Hashable, Sendable {
    /// The report names another device as the sender.
    case notForThisDevice
    /// The report comes from another device than the pinned peer the session is with.
    case wrongReporter
    /// The signature does not verify under the pinned device key (forged, or under another label).
    case authenticationFailed
    /// Older than ``Limits/resendLogLifetime``, or created more than ``Limits/clockSkew`` ahead.
    case stale
    /// This failed message was already reported and handled: a replay.
    case alreadyHandled
    /// The failed message is not one this device recently sent to that peer.
    case unknownMessage
    /// A reset with this peer device happened less than ``Limits/minimumResetInterval`` ago.
    case rateLimited

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .notForThisDevice: "notForThisDevice"
        case .wrongReporter: "wrongReporter"
        case .authenticationFailed: "authenticationFailed"
        case .stale: "stale"
        case .alreadyHandled: "alreadyHandled"
        case .unknownMessage: "unknownMessage"
        case .rateLimited: "rateLimited"
        }
    }
}

/// Decryption-error reports: made by a device that cannot decrypt, checked by the sender.
public enum DecryptionErrors {
    /// The report a device sends when `failed`, from `sender`, does not decrypt (lost state, a
    /// restored backup).
    public static func report(failed: RatchetMessage, senderAccountID: AccountID, senderDeviceID: DeviceID, identity: DeviceIdentity, now: UInt64) -> DecryptionErrorMessage {
        DecryptionErrorMessage.sign(
            reporterAccountID: identity.accountID, reporterDeviceID: identity.deviceID, senderAccountID: senderAccountID,
            senderDeviceID: senderDeviceID, ratchetKey: failed.ratchetKey, messageNumber: failed.messageNumber, time: now,
            deviceKey: identity.deviceKey)
    }

    /// What the sender must do: start a fresh handshake with the peer device and resend
    /// ``resend`` under it; store ``guard`` with the peer.
    public struct Reset: Sendable {
        /// The failed message and those sent after it, to re-encrypt under the new session.
        public let resend: [ResendLog.Entry]
        /// The updated guard for the peer device.
        public let `guard`: ResetGuard
    }

    /// Checks a report against the peer the session is with, in order: addressed to this device;
    /// from the pinned peer device; its signature; its age; not already handled; a message this
    /// device sent; the rate limit. A report that fails any check changes nothing.
    public static func evaluate(
        _ report: DecryptionErrorMessage, identity: DeviceIdentity, peer: PeerIdentity, log: ResendLog, guard resetGuard: ResetGuard, now: UInt64
    ) throws(DecryptionErrorRejection) -> Reset {
        try evaluate(report, accountID: identity.accountID, deviceID: identity.deviceID, peer: peer, log: log, guard: resetGuard, now: now)
    }

    /// ``evaluate(_:identity:peer:log:guard:now:)`` for a device known by its ids (vectors).
    package static func evaluate(
        _ report: DecryptionErrorMessage, accountID: AccountID, deviceID: DeviceID, peer: PeerIdentity, log: ResendLog,
        guard resetGuard: ResetGuard, now: UInt64
    ) throws(DecryptionErrorRejection) -> Reset {
        guard report.senderAccountID == accountID, report.senderDeviceID == deviceID else { throw .notForThisDevice }
        guard report.reporterAccountID == peer.accountID, report.reporterDeviceID == peer.deviceID else { throw .wrongReporter }
        do { try report.verify(deviceKey: peer.deviceKey) } catch { throw .authenticationFailed }
        guard report.time <= now + Limits.clockSkew, now <= report.time + Limits.resendLogLifetime else { throw .stale }
        var writer = ByteWriter(capacity: 36)
        writer.raw(report.ratchetKey.rawRepresentation)
        writer.u32(report.messageNumber)
        let key = writer.bytes
        guard !resetGuard.handled.contains(key) else { throw .alreadyHandled }
        guard let resend = log.entries(from: report.ratchetKey, messageNumber: report.messageNumber) else { throw .unknownMessage }
        if let last = resetGuard.lastResetAt, now < last + Limits.minimumResetInterval { throw .rateLimited }
        var updated = resetGuard
        updated.note(key, at: now)
        return Reset(resend: resend, guard: updated)
    }
}
