import SealpostCrypto

/// A server signing key's short-lived statement that a device identity key belongs to a device
/// of an account; it travels inside every sealed envelope, so the recipient learns who sent it
/// and the relay does not (`Spec/envelope.md`, "Sender certificate").
///
/// Wire form, 130 bytes:
/// ```
/// u8 version = 0x01 ‖ account id (16) ‖ u32 device id ‖ Encode(device identity key) (33)
///   ‖ u64 expires ‖ u32 server key id ‖ signature (64)
/// ```
/// The signature is the server key's, in domain `sealpost/sender-certificate/v1`, over
/// `lp16(account id) ‖ lp16(u32 device id) ‖ lp16(Encode(device key)) ‖ lp16(u64 expires)
/// ‖ lp16(u32 server key id)`.
public struct SenderCertificate: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the encoding.
    public static let byteCount = 1 + AccountID.byteCount + 4 + KeyEncoding.identityKeyByteCount + 8 + 4 + Ed25519.signatureByteCount

    /// The sender's account.
    public let accountID: AccountID
    /// The sender's device.
    public let deviceID: DeviceID
    /// The sender device's identity key.
    public let deviceKey: Ed25519.PublicKey
    /// The last second at which the relay may accept an envelope carrying this certificate.
    public let expires: UInt64
    /// The id of the server key that signed it (a ``ServerCertificate/keyID``).
    public let serverKeyID: UInt32
    /// The server key's signature.
    public let signature: Ed25519.Signature

    /// Signs a certificate with a server signing key.
    public static func issue(
        serverKey: Ed25519.PrivateKey, serverKeyID: UInt32, accountID: AccountID, deviceID: DeviceID, deviceKey: Ed25519.PublicKey, expires: UInt64
    ) -> SenderCertificate {
        let payload = payload(accountID, deviceID, deviceKey, expires, serverKeyID)
        return SenderCertificate(
            accountID: accountID, deviceID: deviceID, deviceKey: deviceKey, expires: expires, serverKeyID: serverKeyID,
            signature: serverKey.signature(for: payload.bytes, in: SignatureDomains.senderCertificate))
    }

    private init(
        accountID: AccountID, deviceID: DeviceID, deviceKey: Ed25519.PublicKey, expires: UInt64, serverKeyID: UInt32, signature: Ed25519.Signature
    ) {
        self.accountID = accountID
        self.deviceID = deviceID
        self.deviceKey = deviceKey
        self.expires = expires
        self.serverKeyID = serverKeyID
        self.signature = signature
    }

    static func payload(_ accountID: AccountID, _ deviceID: DeviceID, _ deviceKey: Ed25519.PublicKey, _ expires: UInt64, _ serverKeyID: UInt32) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(accountID.rawRepresentation)
        payload.field(deviceID.value)
        payload.field(KeyEncoding.encode(deviceKey))
        payload.field(expires)
        payload.field(serverKeyID)
        return payload
    }

    /// Checks the server key's signature.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(serverKey: Ed25519.PublicKey) throws(WireError) {
        try serverKey.check(signature, over: Self.payload(accountID, deviceID, deviceKey, expires, serverKeyID), in: SignatureDomains.senderCertificate)
    }

    /// The 130-byte encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.u8(Self.version)
        writer.raw(accountID.rawRepresentation)
        writer.u32(deviceID.value)
        writer.raw(KeyEncoding.encode(deviceKey))
        writer.u64(expires)
        writer.u32(serverKeyID)
        writer.raw(signature.rawRepresentation)
    }

    /// Parses the encoding strictly (the signature is not checked: see ``verify(serverKey:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "sender certificate")
        try self.init(reading: &reader)
        try reader.finish()
    }

    init(reading reader: inout ByteReader) throws(WireError) {
        try reader.version(Self.version)
        accountID = try AccountID.read(from: &reader)
        deviceID = try DeviceID.read(from: &reader)
        deviceKey = try KeyEncoding.readIdentityKey(&reader, field: "sender certificate key")
        expires = try reader.u64()
        serverKeyID = try reader.u32()
        signature = try readSignature(&reader)
    }
}
