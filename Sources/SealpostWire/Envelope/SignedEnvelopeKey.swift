import SealpostCrypto

/// A device's X25519 envelope key as published beside its prekeys: senders seal envelopes to it
/// with HPKE (`Spec/envelope.md`, "Envelope keys").
///
/// A dedicated key, not the identity key, so that a leaked identity key does not open recorded
/// envelopes once the envelope keys they were sealed to have been rotated and deleted.
///
/// Wire form, 110 bytes: `u8 version = 0x01 ‖ u32 id ‖ u64 created ‖ EncodeEC(key) (33) ‖ signature (64)`.
/// The signature is the device identity key's, in domain `sealpost/envelope-key/v1`, over
/// `lp16(account id) ‖ lp16(u32 device id) ‖ lp16(u32 id) ‖ lp16(u64 created) ‖ lp16(EncodeEC(key))`:
/// the device it belongs to is signed too, so a key cannot be republished under another device.
public struct SignedEnvelopeKey: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the encoding.
    public static let byteCount = 1 + 4 + 8 + KeyEncoding.x25519ByteCount + Ed25519.signatureByteCount

    /// The key's id, chosen by its device; every envelope names the id it was sealed to.
    public let id: UInt32
    /// When it was created.
    public let createdAt: UInt64
    /// The public key.
    public let key: X25519.PublicKey
    /// The device identity key's signature.
    public let signature: Ed25519.Signature

    /// Signs an envelope key with the device identity key.
    public static func sign(
        id: UInt32, createdAt: UInt64, key: X25519.PublicKey, accountID: AccountID, deviceID: DeviceID, deviceKey: Ed25519.PrivateKey
    ) -> SignedEnvelopeKey {
        let payload = payload(accountID, deviceID, id, createdAt, key)
        return SignedEnvelopeKey(id: id, createdAt: createdAt, key: key, signature: deviceKey.signature(for: payload.bytes, in: SignatureDomains.envelopeKey))
    }

    private init(id: UInt32, createdAt: UInt64, key: X25519.PublicKey, signature: Ed25519.Signature) {
        self.id = id
        self.createdAt = createdAt
        self.key = key
        self.signature = signature
    }

    static func payload(_ accountID: AccountID, _ deviceID: DeviceID, _ id: UInt32, _ createdAt: UInt64, _ key: X25519.PublicKey) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(accountID.rawRepresentation)
        payload.field(deviceID.value)
        payload.field(id)
        payload.field(createdAt)
        payload.field(KeyEncoding.encode(key))
        return payload
    }

    /// Checks that the device identified by `certificate` signed this key.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(certificate: DeviceCertificate) throws(WireError) {
        try verify(accountID: certificate.accountID, deviceID: certificate.deviceID, deviceKey: certificate.deviceKey)
    }

    /// Checks that device `deviceID` of `accountID`, with identity key `deviceKey`, signed this key.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(accountID: AccountID, deviceID: DeviceID, deviceKey: Ed25519.PublicKey) throws(WireError) {
        try deviceKey.check(signature, over: Self.payload(accountID, deviceID, id, createdAt, key), in: SignatureDomains.envelopeKey)
    }

    /// The 110-byte encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        writer.u8(Self.version)
        writer.u32(id)
        writer.u64(createdAt)
        writer.raw(KeyEncoding.encode(key))
        writer.raw(signature.rawRepresentation)
        return writer.bytes
    }

    /// Parses the encoding strictly (the signature is not checked: see ``verify(certificate:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "envelope key")
        try reader.version(Self.version)
        id = try reader.u32()
        createdAt = try reader.u64()
        key = try KeyEncoding.readX25519Key(&reader, field: "envelope key")
        signature = try readSignature(&reader)
        try reader.finish()
    }
}
