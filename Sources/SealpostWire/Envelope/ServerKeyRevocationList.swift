import SealpostCrypto

/// The operator root key's list of server key ids that must no longer be trusted, whatever the
/// validity windows of their certificates say (`Spec/envelope.md`, "Revocation").
///
/// Wire form:
/// ```
/// u8 version = 0x01 ‖ u64 sequence ‖ u64 issued ‖ u16 count ‖ count × u32 server key id ‖ signature (64)
/// ```
/// Ids are strictly increasing (one encoding per list), at most ``maximumRevokedKeys``. The
/// signature is the operator root's, in domain `sealpost/server-key-revocation/v1`, over
/// `lp16(u64 sequence) ‖ lp16(u64 issued) ‖ lp16(ids as u32 each)`. Each list replaces the
/// previous one and carries every revoked id; the sequence only grows, so an old list cannot be
/// replayed to un-revoke a key.
public struct ServerKeyRevocationList: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The most ids one list carries.
    public static let maximumRevokedKeys = 1_024

    /// The list's number; a newer list has a larger one.
    public let sequence: UInt64
    /// When the root signed it.
    public let issuedAt: UInt64
    /// The revoked server key ids, strictly increasing.
    public let revokedKeyIDs: [UInt32]
    /// The operator root's signature.
    public let signature: Ed25519.Signature

    /// Signs a list with the operator root key; `revokedKeyIDs` are sorted and deduplicated.
    /// - Throws: ``WireError/countOutOfBounds(field:maximum:got:)`` for more than ``maximumRevokedKeys``.
    public static func sign(rootKey: Ed25519.PrivateKey, sequence: UInt64, issuedAt: UInt64, revokedKeyIDs: [UInt32]) throws(WireError) -> ServerKeyRevocationList {
        let ids = Array(Set(revokedKeyIDs)).sorted()
        guard ids.count <= maximumRevokedKeys else { throw .countOutOfBounds(field: "revoked server keys", maximum: maximumRevokedKeys, got: ids.count) }
        let signature = rootKey.signature(for: payload(sequence, issuedAt, ids).bytes, in: SignatureDomains.serverKeyRevocation)
        return ServerKeyRevocationList(sequence: sequence, issuedAt: issuedAt, revokedKeyIDs: ids, signature: signature)
    }

    private init(sequence: UInt64, issuedAt: UInt64, revokedKeyIDs: [UInt32], signature: Ed25519.Signature) {
        self.sequence = sequence
        self.issuedAt = issuedAt
        self.revokedKeyIDs = revokedKeyIDs
        self.signature = signature
    }

    static func payload(_ sequence: UInt64, _ issuedAt: UInt64, _ ids: [UInt32]) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(sequence)
        payload.field(issuedAt)
        var writer = ByteWriter(capacity: 4 * ids.count)
        for id in ids { writer.u32(id) }
        payload.field(writer.bytes)
        return payload
    }

    /// Whether `keyID` is revoked.
    public func revokes(_ keyID: UInt32) -> Bool {
        var low = 0, high = revokedKeyIDs.count
        while low < high {
            let middle = (low + high) / 2
            if revokedKeyIDs[middle] == keyID { return true }
            if revokedKeyIDs[middle] < keyID { low = middle + 1 } else { high = middle }
        }
        return false
    }

    /// Checks the operator root's signature.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(rootKey: Ed25519.PublicKey) throws(WireError) {
        try rootKey.check(signature, over: Self.payload(sequence, issuedAt, revokedKeyIDs), in: SignatureDomains.serverKeyRevocation)
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + 8 + 8 + 2 + 4 * revokedKeyIDs.count + Ed25519.signatureByteCount)
        writer.u8(Self.version)
        writer.u64(sequence)
        writer.u64(issuedAt)
        writer.u16(UInt16(revokedKeyIDs.count))
        for id in revokedKeyIDs { writer.u32(id) }
        writer.raw(signature.rawRepresentation)
        return writer.bytes
    }

    /// Parses the encoding strictly (the signature is not checked: see ``verify(rootKey:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "server key revocation list")
        try reader.version(Self.version)
        sequence = try reader.u64()
        issuedAt = try reader.u64()
        let count = Int(try reader.u16())
        guard count <= Self.maximumRevokedKeys else { throw .countOutOfBounds(field: "revoked server keys", maximum: Self.maximumRevokedKeys, got: count) }
        var ids: [UInt32] = []
        ids.reserveCapacity(count)
        for _ in 0..<count {
            let id = try reader.u32()
            if let last = ids.last, id <= last { throw .invalidValue(field: "revoked server keys", reason: "ids must be strictly increasing") }
            ids.append(id)
        }
        revokedKeyIDs = ids
        signature = try readSignature(&reader)
        try reader.finish()
    }
}
