import SealpostCrypto

/// An account key's statement that a device identity key belongs to one of its devices.
///
/// Wire form (`Spec/identity.md`, "Device certificate"), 126 bytes:
/// ```
/// u8 version = 0x01 ‖ account id (16) ‖ u32 device id ‖ Encode(device identity key) (33)
///   ‖ u64 created ‖ signature (64)
/// ```
/// The signature is the account key's, in domain `sealpost/device-certificate/v1`, over
/// `lp16(account id) ‖ lp16(u32 device id) ‖ lp16(Encode(device key)) ‖ lp16(u64 created)`.
public struct DeviceCertificate: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the encoding.
    public static let byteCount = 1 + AccountID.byteCount + 4 + KeyEncoding.identityKeyByteCount + 8 + Ed25519.signatureByteCount

    /// The account the device belongs to.
    public let accountID: AccountID
    /// The device's number within the account.
    public let deviceID: DeviceID
    /// The device's identity key.
    public let deviceKey: Ed25519.PublicKey
    /// When the account key signed the certificate (seconds since the Unix epoch).
    public let createdAt: UInt64
    /// The account key's signature.
    public let signature: Ed25519.Signature

    /// Signs a certificate for `deviceKey` with the account key.
    public static func issue(
        accountKey: Ed25519.PrivateKey, accountID: AccountID, deviceID: DeviceID, deviceKey: Ed25519.PublicKey, createdAt: UInt64
    ) -> DeviceCertificate {
        let payload = signedPayload(accountID, deviceID, deviceKey, createdAt)
        let signature = accountKey.signature(for: payload.bytes, in: SignatureDomains.deviceCertificate)
        return DeviceCertificate(accountID: accountID, deviceID: deviceID, deviceKey: deviceKey, createdAt: createdAt, signature: signature)
    }

    private init(accountID: AccountID, deviceID: DeviceID, deviceKey: Ed25519.PublicKey, createdAt: UInt64, signature: Ed25519.Signature) {
        self.accountID = accountID
        self.deviceID = deviceID
        self.deviceKey = deviceKey
        self.createdAt = createdAt
        self.signature = signature
    }

    package static func signedPayload(_ accountID: AccountID, _ deviceID: DeviceID, _ deviceKey: Ed25519.PublicKey, _ createdAt: UInt64) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(accountID.rawRepresentation)
        payload.field(deviceID.value)
        payload.field(KeyEncoding.encode(deviceKey))
        payload.field(createdAt)
        return payload
    }

    /// Checks the account key's signature.
    /// - Throws: ``WireError/authenticationFailed`` if it does not verify under `accountKey`.
    public func verify(accountKey: Ed25519.PublicKey) throws(WireError) {
        try accountKey.check(signature, over: Self.signedPayload(accountID, deviceID, deviceKey, createdAt), in: SignatureDomains.deviceCertificate)
    }

    /// The 126-byte encoding.
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
        writer.u64(createdAt)
        writer.raw(signature.rawRepresentation)
    }

    /// Parses the encoding strictly (the signature is not checked: see ``verify(accountKey:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "device certificate")
        try self.init(reading: &reader)
        try reader.finish()
    }

    init(reading reader: inout ByteReader) throws(WireError) {
        try reader.version(Self.version)
        accountID = try AccountID.read(from: &reader)
        deviceID = try DeviceID.read(from: &reader)
        deviceKey = try KeyEncoding.readIdentityKey(&reader, field: "device certificate key")
        createdAt = try reader.u64()
        signature = try readSignature(&reader)
    }
}
