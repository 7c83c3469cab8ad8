import SealpostCrypto
import SealpostWire

/// A device's prekeys and their lifecycle: generation, rotation, replenishment and deletion, under
/// the constraint of ``Limits`` that no private key goes while mail that needs it can still wait.
///
/// A value type: every change returns through `mutating` methods, so a caller persists the new
/// value (in the vault) in the same transaction as whatever caused the change.
public struct PrekeyStore: ResponderPrekeys, Sendable {
    private(set) var signedPrekeys: [UInt32: SignedPrekeyRecord] = [:]
    private(set) var kemPrekeys: [UInt32: KEMPrekeyRecord] = [:]
    private(set) var oneTimePrekeys: [UInt32: OneTimePrekeyRecord] = [:]
    private(set) var lastResortBaseKeys: [UInt32: Set<X25519.PublicKey>] = [:]
    /// When this device first saw that the relay no longer holds a one-time prekey (it was handed
    /// out): any mail for it arrives within ``Limits/relayRetention`` + ``Limits/clockSkew`` of then.
    private(set) var handedOutSince: [UInt32: UInt64] = [:]
    /// The id the next prekey of each kind gets. Ids count up from a random start (PQXDH §4.13),
    /// so two devices rarely share ids and a reinstalled device does not reuse old ones.
    private var nextID: UInt32

    /// The newest signed prekey: the one to publish.
    public private(set) var currentSignedPrekeyID: UInt32?
    /// The newest last-resort ML-KEM prekey.
    public private(set) var currentLastResortKEMPrekeyID: UInt32?

    /// An empty store; `firstID` (random by default) is where ids start.
    public init(firstID: UInt32 = UInt32.random(in: 1...(1 << 30))) {
        nextID = firstID
    }

    // MARK: ResponderPrekeys

    /// The signed prekey with `id`.
    public func signedPrekey(id: UInt32) -> SignedPrekeyRecord? { signedPrekeys[id] }
    /// The ML-KEM prekey with `id`.
    public func kemPrekey(id: UInt32) -> KEMPrekeyRecord? { kemPrekeys[id] }
    /// The one-time prekey with `id`.
    public func oneTimePrekey(id: UInt32) -> OneTimePrekeyRecord? { oneTimePrekeys[id] }
    /// Whether `baseKey` was used with last-resort prekey `id`.
    public func hasSeen(baseKey: X25519.PublicKey, lastResortKEMPrekey id: UInt32) -> Bool {
        lastResortBaseKeys[id]?.contains(baseKey) ?? false
    }

    /// Ids of the one-time X25519 prekeys still held, sorted.
    public var oneTimePrekeyIDs: [UInt32] { oneTimePrekeys.keys.sorted() }
    /// Ids of the one-time ML-KEM prekeys still held, sorted.
    public var oneTimeKEMPrekeyIDs: [UInt32] { kemPrekeys.values.filter { $0.published.kind == .oneTime }.map(\.published.id).sorted() }
    /// Ids of every signed prekey whose private key is still held, sorted.
    public var signedPrekeyIDs: [UInt32] { signedPrekeys.keys.sorted() }

    // MARK: Changes

    private mutating func takeID() -> UInt32 {
        defer { nextID = nextID == UInt32.max ? 1 : nextID + 1 }
        return nextID
    }

    /// Adds a signed prekey (from a vector or storage) and makes it current if it is newest.
    public mutating func insert(_ record: SignedPrekeyRecord) {
        signedPrekeys[record.published.id] = record
        if let current = currentSignedPrekeyID.flatMap({ signedPrekeys[$0] }), current.published.createdAt > record.published.createdAt { return }
        currentSignedPrekeyID = record.published.id
    }

    /// Adds an ML-KEM prekey; a last-resort one becomes current if it is newest.
    public mutating func insert(_ record: KEMPrekeyRecord) {
        kemPrekeys[record.published.id] = record
        guard record.published.kind == .lastResort else { return }
        if let current = currentLastResortKEMPrekeyID.flatMap({ kemPrekeys[$0] }), current.published.createdAt > record.published.createdAt { return }
        currentLastResortKEMPrekeyID = record.published.id
    }

    /// Adds a one-time prekey.
    public mutating func insert(_ record: OneTimePrekeyRecord) {
        oneTimePrekeys[record.published.id] = record
    }

    /// Applies a committed handshake: deletes the one-time keys it used, remembers a last-resort
    /// base key. Call it in the same transaction that stores the new session.
    public mutating func apply(_ consumption: PrekeyConsumption) {
        if let id = consumption.oneTimePrekeyID { oneTimePrekeys[id] = nil; handedOutSince[id] = nil }
        if let id = consumption.oneTimeKEMPrekeyID { kemPrekeys[id] = nil; handedOutSince[id] = nil }
        // A last-resort key deleted meanwhile needs no memory: nothing can use it any more.
        if let use = consumption.lastResortUse, kemPrekeys[use.kemPrekeyID] != nil {
            var seen = lastResortBaseKeys[use.kemPrekeyID, default: []]
            if seen.count < Self.maximumRememberedBaseKeys { seen.insert(use.baseKey) }
            lastResortBaseKeys[use.kemPrekeyID] = seen
        }
    }

    /// Base keys remembered per last-resort prekey: one per handshake that used it during its
    /// 61-day life. Past this, further handshakes still work but their replays are not caught;
    /// one-time prekeys (which the relay hands out first) make this rare.
    public static let maximumRememberedBaseKeys = 10_000

    /// Deletes one-time private keys the relay handed out long enough ago that no mail for them
    /// can still arrive. The relay hands out one-time prekeys oldest first (`Spec/relay.md`), so
    /// the `relayCount` newest stored keys are the ones it still holds; every older one was handed
    /// out, at the latest now.
    private mutating func sweepHandedOut(ids: [UInt32], relayCount: Int, now: UInt64, deleted: inout [UInt32], delete: (inout PrekeyStore, UInt32) -> Void) {
        let handedOut = ids.dropLast(max(0, min(relayCount, ids.count)))
        for id in handedOut {
            guard let since = handedOutSince[id] else { handedOutSince[id] = now; continue }
            if now >= since + Limits.relayRetention + Limits.clockSkew {
                delete(&self, id)
                handedOutSince[id] = nil
                deleted.append(id)
            }
        }
    }

    /// What to upload after ``maintain(now:identity:relayOneTimeCount:relayOneTimeKEMCount:)``.
    public struct Uploads: Sendable {
        /// A new signed prekey, if it was rotated.
        public var signedPrekey: SignedPrekey?
        /// A new last-resort ML-KEM prekey, if it was rotated.
        public var lastResortKEMPrekey: KEMPrekey?
        /// New one-time X25519 prekeys.
        public var oneTimePrekeys: [OneTimePrekey] = []
        /// New one-time ML-KEM prekeys.
        public var oneTimeKEMPrekeys: [KEMPrekey] = []
        /// Ids whose private keys were deleted (for the note in the vault's log; never uploaded).
        public var deletedPrekeyIDs: [UInt32] = []
    }

    /// Rotates, replenishes and deletes, per ``Limits``:
    /// - a signed prekey and a last-resort ML-KEM prekey older than ``Limits/prekeyRotationInterval``
    ///   (or missing) are replaced;
    /// - one-time prekeys of each kind are topped up by ``Limits/oneTimePrekeyBatchSize`` when the
    ///   relay reports fewer than ``Limits/oneTimePrekeyReplenishThreshold``;
    /// - a one-time private key the relay no longer holds is deleted ``Limits/relayRetention`` +
    ///   ``Limits/clockSkew`` after this device first noticed (a handshake that used it deletes it
    ///   sooner), so fetched-but-unused keys never fill the store for good;
    /// - a signed or last-resort private key is deleted once it is older than
    ///   ``Limits/prekeyPrivateKeyLifetime`` and is not the current one, together with the base
    ///   keys remembered for it.
    public mutating func maintain(now: UInt64, identity: DeviceIdentity, relayOneTimeCount: Int, relayOneTimeKEMCount: Int) -> Uploads {
        var uploads = Uploads()
        // Ids count up, so sorted ids are upload order (a wrap after 2^32 ids is not handled).
        sweepHandedOut(ids: oneTimePrekeyIDs, relayCount: relayOneTimeCount, now: now, deleted: &uploads.deletedPrekeyIDs) { $0.oneTimePrekeys[$1] = nil }
        sweepHandedOut(ids: oneTimeKEMPrekeyIDs, relayCount: relayOneTimeKEMCount, now: now, deleted: &uploads.deletedPrekeyIDs) { $0.kemPrekeys[$1] = nil }
        if currentSignedPrekeyID.flatMap({ signedPrekeys[$0] }).map({ now >= $0.published.createdAt + Limits.prekeyRotationInterval }) ?? true {
            let record = SignedPrekeyRecord.generate(id: takeID(), createdAt: now, identity: identity)
            insert(record)
            uploads.signedPrekey = record.published
        }
        if currentLastResortKEMPrekeyID.flatMap({ kemPrekeys[$0] }).map({ now >= $0.published.createdAt + Limits.prekeyRotationInterval }) ?? true {
            let record = KEMPrekeyRecord.generate(id: takeID(), createdAt: now, kind: .lastResort, identity: identity)
            insert(record)
            uploads.lastResortKEMPrekey = record.published
        }
        if relayOneTimeCount < Limits.oneTimePrekeyReplenishThreshold, oneTimePrekeys.count + Limits.oneTimePrekeyBatchSize <= Limits.maximumStoredOneTimePrekeys {
            for _ in 0..<Limits.oneTimePrekeyBatchSize {
                let record = OneTimePrekeyRecord.generate(id: takeID())
                insert(record)
                uploads.oneTimePrekeys.append(record.published)
            }
        }
        let oneTimeKEMCount = kemPrekeys.values.filter { $0.published.kind == .oneTime }.count
        if relayOneTimeKEMCount < Limits.oneTimePrekeyReplenishThreshold, oneTimeKEMCount + Limits.oneTimePrekeyBatchSize <= Limits.maximumStoredOneTimePrekeys {
            for _ in 0..<Limits.oneTimePrekeyBatchSize {
                let record = KEMPrekeyRecord.generate(id: takeID(), createdAt: now, kind: .oneTime, identity: identity)
                insert(record)
                uploads.oneTimeKEMPrekeys.append(record.published)
            }
        }
        for (id, record) in signedPrekeys where id != currentSignedPrekeyID && now >= record.published.createdAt + Limits.prekeyPrivateKeyLifetime {
            signedPrekeys[id] = nil
            uploads.deletedPrekeyIDs.append(id)
        }
        for (id, record) in kemPrekeys
        where record.published.kind == .lastResort && id != currentLastResortKEMPrekeyID
            && now >= record.published.createdAt + Limits.prekeyPrivateKeyLifetime
        {
            kemPrekeys[id] = nil
            lastResortBaseKeys[id] = nil
            uploads.deletedPrekeyIDs.append(id)
        }
        for id in lastResortBaseKeys.keys where kemPrekeys[id] == nil { lastResortBaseKeys[id] = nil }
        uploads.deletedPrekeyIDs.sort()
        return uploads
    }
}

// MARK: Storage

extension PrekeyStore {
    static let encodingVersion: UInt8 = 1

    /// The encoding the vault stores (`Spec/handshake.md`, "Prekey store encoding"). It holds
    /// private keys, so it is a ``SecretBytes``:
    ///
    /// ```
    /// u8 version = 0x01 ‖ u32 next id ‖ u32 current signed id (0: none) ‖ u32 current last-resort id (0: none)
    /// ‖ u16 n ‖ n × (signed prekey (109) ‖ X25519 private key (32))
    /// ‖ u16 m ‖ m × (ML-KEM prekey (1 646) ‖ ML-KEM seed (64))
    /// ‖ u16 k ‖ k × (one-time prekey (37) ‖ X25519 private key (32))
    /// ‖ u16 h ‖ h × (u32 id ‖ u64 handed out since)
    /// ‖ u16 r ‖ r × (u32 last-resort id ‖ u32 c ‖ c × base key (32))
    /// ```
    /// Every list is sorted by id.
    public func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(Self.encodingVersion)
        writer.u32(nextID)
        writer.u32(currentSignedPrekeyID ?? 0)
        writer.u32(currentLastResortKEMPrekeyID ?? 0)
        writer.u16(UInt16(signedPrekeys.count))
        for (_, record) in signedPrekeys.sorted(by: { $0.key < $1.key }) {
            writer.raw(record.published.serialized())
            record.privateKey.rawRepresentation.withUnsafeBytes { writer.raw($0) }
        }
        writer.u16(UInt16(kemPrekeys.count))
        for (_, record) in kemPrekeys.sorted(by: { $0.key < $1.key }) {
            writer.raw(record.published.serialized())
            record.privateKey.seed.withUnsafeBytes { writer.raw($0) }
        }
        writer.u16(UInt16(oneTimePrekeys.count))
        for (_, record) in oneTimePrekeys.sorted(by: { $0.key < $1.key }) {
            writer.raw(record.published.serialized())
            record.privateKey.rawRepresentation.withUnsafeBytes { writer.raw($0) }
        }
        writer.u16(UInt16(handedOutSince.count))
        for (id, since) in handedOutSince.sorted(by: { $0.key < $1.key }) {
            writer.u32(id)
            writer.u64(since)
        }
        writer.u16(UInt16(lastResortBaseKeys.count))
        for (id, keys) in lastResortBaseKeys.sorted(by: { $0.key < $1.key }) {
            writer.u32(id)
            writer.u32(UInt32(keys.count))
            for key in keys.sorted(by: { $0.rawRepresentation.lexicographicallyPrecedes($1.rawRepresentation) }) { writer.raw(key.rawRepresentation) }
        }
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    /// Parses ``serialized()`` strictly: bounded counts, keys matching their published halves,
    /// current ids that are stored.
    /// - Throws: ``HandshakeError/malformed(_:)``.
    public init(serialized secret: SecretBytes) throws(HandshakeError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        do {
            try self.init(reading: bytes)
        } catch {
            throw .malformed(error)
        }
    }

    private init(reading bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "prekey store")
        try reader.version(Self.encodingVersion)
        self.init(firstID: max(1, try reader.u32()))
        let currentSigned = try reader.u32()
        let currentLastResort = try reader.u32()
        func count(_ field: String, maximum: Int) throws(WireError) -> Int {
            let value = Int(try reader.u16())
            guard value <= maximum else { throw .countOutOfBounds(field: field, maximum: maximum, got: value) }
            return value
        }
        func secret(_ length: Int) throws(WireError) -> SecretBytes {
            var raw = try reader.raw(length)
            return SecretBytes(wiping: &raw)
        }
        let limit = Limits.maximumStoredOneTimePrekeys + 64
        for _ in 0..<(try count("signed prekeys", maximum: 64)) {
            let published = try SignedPrekey(serialized: try reader.raw(SignedPrekey.byteCount))
            guard let key = try? X25519.PrivateKey(rawRepresentation: try secret(X25519.keyByteCount)), key.publicKey == published.key else {
                throw .invalidValue(field: "signed prekey", reason: "private key does not match")
            }
            signedPrekeys[published.id] = SignedPrekeyRecord(published: published, privateKey: key)
        }
        for _ in 0..<(try count("ML-KEM prekeys", maximum: limit)) {
            let published = try KEMPrekey(serialized: try reader.raw(KEMPrekey.byteCount))
            guard let key = try? MLKEM1024.PrivateKey(seed: try secret(64)), key.publicKey == published.key else {
                throw .invalidValue(field: "ML-KEM prekey", reason: "private key does not match")
            }
            kemPrekeys[published.id] = KEMPrekeyRecord(published: published, privateKey: key)
        }
        for _ in 0..<(try count("one-time prekeys", maximum: limit)) {
            let published = try OneTimePrekey(serialized: try reader.raw(OneTimePrekey.byteCount))
            guard let key = try? X25519.PrivateKey(rawRepresentation: try secret(X25519.keyByteCount)), key.publicKey == published.key else {
                throw .invalidValue(field: "one-time prekey", reason: "private key does not match")
            }
            oneTimePrekeys[published.id] = OneTimePrekeyRecord(published: published, privateKey: key)
        }
        for _ in 0..<(try count("handed-out prekeys", maximum: 2 * limit)) {
            let id = try reader.u32()
            handedOutSince[id] = try reader.u64()
        }
        for _ in 0..<(try count("last-resort base keys", maximum: 64)) {
            let id = try reader.u32()
            let keyCount = Int(try reader.u32())
            guard keyCount <= Self.maximumRememberedBaseKeys else {
                throw .countOutOfBounds(field: "base keys", maximum: Self.maximumRememberedBaseKeys, got: keyCount)
            }
            var keys = Set<X25519.PublicKey>()
            for _ in 0..<keyCount {
                guard let key = try? X25519.PublicKey(rawRepresentation: try reader.raw(32)) else { throw .invalidValue(field: "base key", reason: "not 32 bytes") }
                keys.insert(key)
            }
            lastResortBaseKeys[id] = keys
        }
        try reader.finish()
        guard currentSigned == 0 || signedPrekeys[currentSigned] != nil, currentLastResort == 0 || kemPrekeys[currentLastResort]?.published.kind == .lastResort else {
            throw .invalidValue(field: "current prekey", reason: "not stored")
        }
        currentSignedPrekeyID = currentSigned == 0 ? nil : currentSigned
        currentLastResortKEMPrekeyID = currentLastResort == 0 ? nil : currentLastResort
    }
}
