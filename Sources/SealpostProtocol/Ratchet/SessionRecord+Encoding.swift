import SealpostCrypto
import SealpostWire

/// The versioned binary encoding of a whole session record (`Spec/ratchet.md`, "Record
/// encoding"). It holds secrets, so it exists only as ``SecretBytes``, to be encrypted by the vault.
///
/// ```
/// u8 version = 0x01 ‖ u8 has current (0/1) ‖ [state] ‖ u8 previous count (≤ 40) ‖ previous states
/// state:
///   account id (16) ‖ Encode(account key) (33) ‖ u32 device id ‖ Encode(device key) (33)
///   lp16(AD) (≤ 1 024) ‖ base key (32) ‖ root key (32)
///   sending private key (32) ‖ sending chain key (32) ‖ u32 N ‖ u32 PN
///   u8 chains (≤ 5) ‖ chains × (remote key (32) ‖ chain key (32) ‖ u32 counter)
///   u16 skipped (≤ 2 000) ‖ skipped × (remote key (32) ‖ u32 counter ‖ message key (32) ‖ u64 stored at)
///   u8 retired (≤ 40) ‖ retired × remote key (32)
///   u8 has initial message (0/1) ‖ [lp16(initial message)]
/// ```
extension SessionRecord {
    /// The format version this build writes and reads.
    public static let encodingVersion: UInt8 = 1

    /// The record's encoding, as a secret.
    public func serialized() -> SecretBytes {
        // Sized exactly up front: a buffer that grew would leave unwiped copies of secrets behind.
        let size = 3 + (current.map { [$0] } ?? []).reduce(0) { $0 + $1.encodedByteCount } + previous.reduce(0) { $0 + $1.encodedByteCount }
        var writer = ByteWriter(capacity: size)
        writer.u8(Self.encodingVersion)
        if let current {
            writer.u8(1)
            current.write(to: &writer)
        } else {
            writer.u8(0)
        }
        writer.u8(UInt8(previous.count))
        for state in previous { state.write(to: &writer) }
        // The writer lets go of its buffer first, so the wipe happens in place, not on a copy.
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    /// Parses an encoding strictly.
    /// - Throws: ``SessionError/malformed(_:)`` naming the first problem.
    public init(serialized secret: SecretBytes) throws(SessionError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        var reader = ByteReader(bytes, structure: "session record")
        do {
            try reader.version(Self.encodingVersion)
            var current: SessionState?
            switch try reader.u8() {
            case 0: current = nil
            case 1: current = try SessionState(reading: &reader)
            case let flag: throw WireError.invalidValue(field: "current state flag", reason: "must be 0 or 1, got \(flag)")
            }
            let count = Int(try reader.u8())
            guard count <= Limits.maximumPreviousStates else {
                throw WireError.countOutOfBounds(field: "previous states", maximum: Limits.maximumPreviousStates, got: count)
            }
            var previous: [SessionState] = []
            for _ in 0..<count { previous.append(try SessionState(reading: &reader)) }
            try reader.finish()
            self.init()
            self.current = current
            self.previous = previous
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .malformed(.invalidValue(field: "session record", reason: "\(error)"))
        }
    }
}

extension SessionState {
    static let maximumAssociatedData = 1024

    /// The exact size of ``write(to:)``'s output.
    var encodedByteCount: Int {
        16 + 33 + 4 + 33 + 2 + associatedData.count + 32 + 32 + 32 + 32 + 4 + 4
            + 1 + receivingChains.count * 68 + 2 + skippedKeys.count * 76 + 1 + retiredKeys.count * 32
            + 1 + (pendingInitialMessage.map { 2 + $0.serialized().count } ?? 0)
    }

    func write(to writer: inout ByteWriter) {
        writer.raw(peer.accountID.rawRepresentation)
        writer.raw(KeyEncoding.encode(peer.accountKey))
        writer.u32(peer.deviceID.value)
        writer.raw(KeyEncoding.encode(peer.deviceKey))
        writer.lp16(associatedData)
        writer.raw(baseKey.rawRepresentation)
        rootKey.withUnsafeBytes { writer.raw($0) }
        sendingKey.rawRepresentation.withUnsafeBytes { writer.raw($0) }
        sendingChainKey.withUnsafeBytes { writer.raw($0) }
        writer.u32(sendingCounter)
        writer.u32(previousCounter)
        writer.u8(UInt8(receivingChains.count))
        for chain in receivingChains {
            writer.raw(chain.remoteKey.rawRepresentation)
            chain.chainKey.withUnsafeBytes { writer.raw($0) }
            writer.u32(chain.counter)
        }
        writer.u16(UInt16(skippedKeys.count))
        for key in skippedKeys {
            writer.raw(key.remoteKey.rawRepresentation)
            writer.u32(key.counter)
            key.messageKey.withUnsafeBytes { writer.raw($0) }
            writer.u64(key.storedAt)
        }
        writer.u8(UInt8(retiredKeys.count))
        for key in retiredKeys { writer.raw(key.rawRepresentation) }
        if let pendingInitialMessage {
            writer.u8(1)
            writer.lp16(pendingInitialMessage.serialized())
        } else {
            writer.u8(0)
        }
    }

    init(reading reader: inout ByteReader) throws {
        let accountID = try AccountID(rawRepresentation: try reader.raw(AccountID.byteCount))
        let accountKey = try Self.identityKey(&reader)
        let deviceID = try DeviceID(try reader.u32())
        let deviceKey = try Self.identityKey(&reader)
        peer = PeerIdentity(accountID: accountID, accountKey: accountKey, deviceID: deviceID, deviceKey: deviceKey)
        associatedData = try reader.lp16("associated data", maximum: Self.maximumAssociatedData)
        baseKey = try X25519.PublicKey(rawRepresentation: try reader.raw(32))
        rootKey = try Self.secret(&reader)
        sendingKey = try X25519.PrivateKey(rawRepresentation: try Self.secret(&reader))
        sendingChainKey = try Self.secret(&reader)
        sendingCounter = try reader.u32()
        previousCounter = try reader.u32()
        let chains = Int(try reader.u8())
        guard chains <= Limits.maximumReceivingChains else {
            throw WireError.countOutOfBounds(field: "receiving chains", maximum: Limits.maximumReceivingChains, got: chains)
        }
        receivingChains = []
        for _ in 0..<chains {
            let remote = try X25519.PublicKey(rawRepresentation: try reader.raw(32))
            let key = try Self.secret(&reader)
            receivingChains.append(ReceivingChain(remoteKey: remote, chainKey: key, counter: try reader.u32()))
        }
        let skipped = Int(try reader.u16())
        guard skipped <= Limits.maximumSkippedKeys else {
            throw WireError.countOutOfBounds(field: "skipped keys", maximum: Limits.maximumSkippedKeys, got: skipped)
        }
        skippedKeys = []
        for _ in 0..<skipped {
            let remote = try X25519.PublicKey(rawRepresentation: try reader.raw(32))
            let counter = try reader.u32()
            let key = try Self.secret(&reader)
            skippedKeys.append(SkippedKey(remoteKey: remote, counter: counter, messageKey: key, storedAt: try reader.u64()))
        }
        let retired = Int(try reader.u8())
        guard retired <= Self.maximumRetiredKeys else {
            throw WireError.countOutOfBounds(field: "retired keys", maximum: Self.maximumRetiredKeys, got: retired)
        }
        retiredKeys = []
        for _ in 0..<retired { retiredKeys.append(try X25519.PublicKey(rawRepresentation: try reader.raw(32))) }
        switch try reader.u8() {
        case 0: pendingInitialMessage = nil
        case 1: pendingInitialMessage = try InitialMessage(serialized: try reader.lp16("initial message", maximum: 4096))
        case let flag: throw WireError.invalidValue(field: "initial message flag", reason: "must be 0 or 1, got \(flag)")
        }
    }

    private static func identityKey(_ reader: inout ByteReader) throws -> Ed25519.PublicKey {
        let type = try reader.u8()
        guard type == KeyEncoding.ed25519Type else { throw WireError.unknownType(field: "identity key", type: type) }
        return try Ed25519.PublicKey(rawRepresentation: try reader.raw(32))
    }

    private static func secret(_ reader: inout ByteReader) throws -> SecretBytes {
        var bytes = try reader.raw(32)
        return SecretBytes(wiping: &bytes)
    }
}
