import SealpostCrypto
import SealpostWire

/// One envelope key this device holds.
public struct EnvelopeKeyRecord: Sendable {
    /// The key as published.
    public let published: SignedEnvelopeKey
    /// Its private key.
    public let privateKey: X25519.PrivateKey
    /// When this device confirmed the publication of the next key; `nil` while senders may
    /// still fetch this one.
    public internal(set) var retiredAt: UInt64?

    /// A record from its parts (`package` access: vectors and storage).
    package init(published: SignedEnvelopeKey, privateKey: X25519.PrivateKey, retiredAt: UInt64?) {
        self.published = published
        self.privateKey = privateKey
        self.retiredAt = retiredAt
    }
}

/// A device's envelope keys and their rotation (`Spec/envelope.md`, "Envelope keys").
///
/// The device publishes one envelope key at a time and replaces it every
/// ``Limits/envelopeKeyRotationInterval``. A replaced key is kept for
/// ``Limits/envelopeKeyRetention`` after the replacement was confirmed published: senders stop
/// using it within ``Limits/envelopeKeyCacheLifetime``, and the relay keeps their mail for at
/// most ``Limits/relayRetention``. After that it is deleted, and recorded envelopes sealed to it
/// no longer reveal their senders to someone who steals the device.
///
/// A value type like ``PrekeyStore``: persist it in the transaction that caused the change.
public struct EnvelopeKeyStore: Sendable {
    private(set) var records: [UInt32: EnvelopeKeyRecord] = [:]
    /// The published key senders use now.
    public private(set) var currentID: UInt32?
    /// A generated key whose publication is not yet confirmed.
    public private(set) var pendingID: UInt32?
    private var nextID: UInt32

    /// An empty store; ids start at `firstID` (random by default) and count up, skipping 0.
    public init(firstID: UInt32 = UInt32.random(in: 1...(1 << 30))) {
        nextID = firstID == 0 ? 1 : firstID
    }

    /// The record for envelope key `id`, current, pending or retired.
    public func record(id: UInt32) -> EnvelopeKeyRecord? { records[id] }

    /// Ids of every key whose private key is held, sorted.
    public var ids: [UInt32] { records.keys.sorted() }

    /// What ``maintain(now:identity:)`` asks the caller to do.
    public struct Maintenance: Sendable {
        /// A key to publish (beside the prekeys); confirm with ``confirmPublished(id:now:)``.
        public var publish: SignedEnvelopeKey?
        /// Ids of keys whose private keys were deleted.
        public var deletedIDs: [UInt32] = []
    }

    /// Rotates and deletes:
    /// - with no current key, or one older than ``Limits/envelopeKeyRotationInterval`` or dated
    ///   in the future, a new key is generated (or the pending one offered again) for publication;
    /// - a retired key is deleted ``Limits/envelopeKeyRetention`` after it was retired.
    public mutating func maintain(now: UInt64, identity: DeviceIdentity) -> Maintenance {
        var result = Maintenance()
        if let pendingID, let pending = records[pendingID] {
            result.publish = pending.published
        } else if records.count < Self.maximumRecords,
            currentID.flatMap({ records[$0] }).map({ now >= $0.published.createdAt.saturatingAdd(Limits.envelopeKeyRotationInterval)
                // A key dated in the future (the clock went back) would be refused by senders.
                || $0.published.createdAt > now.saturatingAdd(Limits.clockSkew) }) ?? true
        {
            let id = nextID
            nextID = nextID == UInt32.max ? 1 : nextID + 1
            let privateKey = X25519.PrivateKey.generate()
            let published = SignedEnvelopeKey.sign(
                id: id, createdAt: now, key: privateKey.publicKey, accountID: identity.accountID, deviceID: identity.deviceID,
                deviceKey: identity.deviceKey)
            records[id] = EnvelopeKeyRecord(published: published, privateKey: privateKey, retiredAt: nil)
            pendingID = id
            result.publish = published
        }
        for (id, record) in records {
            if let retiredAt = record.retiredAt, now >= retiredAt.saturatingAdd(Limits.envelopeKeyRetention) {
                records[id] = nil
                result.deletedIDs.append(id)
            }
        }
        result.deletedIDs.sort()
        return result
    }

    /// Records that the relay now publishes key `id`: it becomes current, and the key it replaces
    /// starts its retention at `now`. Confirming the current key again changes nothing.
    public mutating func confirmPublished(id: UInt32, now: UInt64) {
        guard id == pendingID, records[id] != nil else { return }
        if let currentID { records[currentID]?.retiredAt = now }
        currentID = id
        pendingID = nil
    }

    /// Adds a record (from a vector or storage).
    package mutating func insert(_ record: EnvelopeKeyRecord, current: Bool) {
        guard records.count < Self.maximumRecords || records[record.published.id] != nil else { return }
        records[record.published.id] = record
        if current { currentID = record.published.id }
    }

    // MARK: Storage

    static let encodingVersion: UInt8 = 1
    /// The most keys a store holds; weekly rotation with 32-day retention needs 7.
    static let maximumRecords = 64

    /// The encoding the vault stores (`Spec/envelope.md`, "Envelope key store"): it holds
    /// private keys, so it is a ``SecretBytes``.
    public func serialized() -> SecretBytes {
        var writer = ByteWriter(capacity: 16 + records.count * (SignedEnvelopeKey.byteCount + 32 + 8))
        writer.u8(Self.encodingVersion)
        writer.u32(nextID)
        writer.u32(currentID ?? 0)
        writer.u32(pendingID ?? 0)
        writer.u16(UInt16(records.count))
        for (_, record) in records.sorted(by: { $0.key < $1.key }) {
            writer.raw(record.published.serialized())
            record.privateKey.rawRepresentation.withUnsafeBytes { writer.raw($0) }
            writer.u64(record.retiredAt ?? 0)
        }
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    /// Parses ``serialized()`` strictly.
    /// - Throws: ``EnvelopeError/malformed(_:)``.
    public init(serialized secret: SecretBytes) throws(EnvelopeError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        do {
            var reader = ByteReader(bytes, structure: "envelope key store")
            try reader.version(Self.encodingVersion)
            nextID = try reader.u32()
            guard nextID != 0 else { throw WireError.invalidValue(field: "next envelope key id", reason: "0") }
            let current = try reader.u32()
            let pending = try reader.u32()
            let count = Int(try reader.u16())
            guard count <= Self.maximumRecords else { throw WireError.countOutOfBounds(field: "envelope keys", maximum: Self.maximumRecords, got: count) }
            for _ in 0..<count {
                let published = try SignedEnvelopeKey(serialized: try reader.raw(SignedEnvelopeKey.byteCount))
                var keyBytes = try reader.raw(X25519.keyByteCount)
                guard let privateKey = try? X25519.PrivateKey(rawRepresentation: SecretBytes(wiping: &keyBytes)),
                    privateKey.publicKey == published.key
                else { throw WireError.invalidValue(field: "envelope private key", reason: "does not match its public key") }
                let retired = try reader.u64()
                guard records[published.id] == nil else { throw WireError.invalidValue(field: "envelope keys", reason: "id \(published.id) twice") }
                records[published.id] = EnvelopeKeyRecord(published: published, privateKey: privateKey, retiredAt: retired == 0 ? nil : retired)
            }
            try reader.finish()
            for (id, name) in [(current, "current"), (pending, "pending")] where id != 0 && records[id] == nil {
                throw WireError.invalidValue(field: "\(name) envelope key", reason: "id \(id) is not stored")
            }
            currentID = current == 0 ? nil : current
            pendingID = pending == 0 ? nil : pending
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .malformed(.invalidValue(field: "envelope key store", reason: "unreadable"))
        }
    }
}
