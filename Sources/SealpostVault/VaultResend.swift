import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// What a sender keeps per peer device to answer a decryption-error report
/// (`Spec/ratchet.md`, "Decryption errors"): the resend log and the reset guard, one protected
/// record per peer device (table `resend`, at the derived id of the device's address).
///
/// ```
/// resend state = u8 version = 0x01 ‖ u8 has last reset (0/1) ‖ [u64 last reset]
///                ‖ u8 has last report (0/1) ‖ [u64 last report sent to this device]
///                ‖ u16 h ‖ h × (ratchet key (32) ‖ u32 N)                     reports handled
///                ‖ u16 n ‖ n × (ratchet key (32) ‖ u32 N ‖ u64 sent ‖ lp32(plaintext))   the log, oldest first
/// ```
public struct ResendState: Sendable {
    /// Messages recently sent to the device.
    public var log: ResendLog
    /// The last reset and the reports handled.
    public var resetGuard: ResetGuard
    /// When this device last sent the peer device a decryption-error report (at most one an
    /// hour, across restarts).
    public var lastReportedAt: UInt64?
    /// The longest plaintext logged: an envelope id and the largest content.
    public static let maximumPlaintextBytes = EnvelopeID.byteCount + Content.maximumBytes

    /// An empty state.
    public init(log: ResendLog = ResendLog(), resetGuard: ResetGuard = ResetGuard(), lastReportedAt: UInt64? = nil) {
        self.log = log
        self.resetGuard = resetGuard
        self.lastReportedAt = lastReportedAt
    }

    func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(1)
        writer.u8(resetGuard.lastResetAt == nil ? 0 : 1)
        if let last = resetGuard.lastResetAt { writer.u64(last) }
        writer.u8(lastReportedAt == nil ? 0 : 1)
        if let lastReportedAt { writer.u64(lastReportedAt) }
        writer.u16(UInt16(resetGuard.handled.count))
        for key in resetGuard.handled { writer.raw(key) }
        writer.u16(UInt16(log.entries.count))
        for entry in log.entries {
            writer.raw(entry.ratchetKey.rawRepresentation)
            writer.u32(entry.messageNumber)
            writer.u64(entry.sentAt)
            writer.lp32(entry.plaintext)
        }
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    init(serialized secret: SecretBytes) throws(VaultError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        do {
            var reader = ByteReader(bytes, structure: "resend state")
            try reader.version(1)
            let lastReset: UInt64? = try reader.flag("has last reset") ? try reader.u64() : nil
            let lastReport: UInt64? = try reader.flag("has last report") ? try reader.u64() : nil
            let handledCount = Int(try reader.u16())
            guard handledCount <= Limits.handledErrorMemory else { throw VaultError.storage("resend state: too many handled reports") }
            var handled: [[UInt8]] = []
            for _ in 0..<handledCount { handled.append(try reader.raw(36)) }
            let count = Int(try reader.u16())
            guard count <= Limits.resendLogCapacity else { throw VaultError.storage("resend state: too many entries") }
            var log = ResendLog()
            for _ in 0..<count {
                let key = try X25519.PublicKey(rawRepresentation: try reader.raw(32))
                let number = try reader.u32()
                let sent = try reader.u64()
                log.record(ratchetKey: key, messageNumber: number, plaintext: try reader.lp32("plaintext", maximum: Self.maximumPlaintextBytes), sentAt: sent)
            }
            try reader.finish()
            self.init(log: log, resetGuard: ResetGuard(lastResetAt: lastReset, handled: handled), lastReportedAt: lastReport)
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("resend state: \(error)")
        }
    }
}

extension VaultTransaction {
    static let resendTable = VaultTables.resend

    /// The resend state kept for `peer` (empty if none).
    public func resendState(for peer: DeviceAddress) throws(VaultError) -> ResendState {
        guard let bytes = try get(table: Self.resendTable, id: keys.derivedID(table: Self.resendTable, value: peer.lookupValue)) else { return ResendState() }
        return try ResendState(serialized: bytes)
    }

    /// Stores the resend state for `peer`.
    public mutating func putResendState(_ state: ResendState, for peer: DeviceAddress) throws(VaultError) {
        try put(state.serialized(), table: Self.resendTable, id: keys.derivedID(table: Self.resendTable, value: peer.lookupValue))
    }

    /// Forgets the session held with `peer` (a new one starts with the next message).
    public mutating func deleteSession(for peer: DeviceAddress) throws(VaultError) {
        try delete(table: VaultTables.sessions, id: keys.derivedID(table: VaultTables.sessions, value: peer.lookupValue))
    }
}

extension Vault {
    /// Drops resend-log entries older than ``Limits/resendLogLifetime`` from every peer device's
    /// record (a log is otherwise pruned only when something is sent to that device), so sent
    /// plaintexts do not outlive their purpose. Returns how many entries were dropped.
    @discardableResult
    public func pruneResendLogs(now: UInt64) throws(VaultError) -> Int {
        var dropped = 0
        let records = try allRecords(table: VaultTables.resend)
        try write { (tx: inout VaultTransaction) throws(VaultError) in
            for (id, bytes) in records {
                var state = try ResendState(serialized: bytes)
                let before = state.log.entries.count
                state.log.prune(now: now)
                guard state.log.entries.count != before else { continue }
                dropped += before - state.log.entries.count
                try tx.put(state.serialized(), table: VaultTables.resend, id: id)
            }
        }
        if dropped > 0 { try truncateLog() }
        return dropped
    }
}
