import SealpostCrypto

/// A device's signed report that it could not decrypt a message (`Spec/ratchet.md`, "Decryption
/// errors"), asking the sender for a fresh handshake.
///
/// Wire form, 149 bytes:
/// ```
/// u8 version = 0x01
/// reporter account id (16) ‖ u32 reporter device id
/// sender account id (16) ‖ u32 sender device id
/// failed ratchet key (32) ‖ u32 failed message number
/// u64 time
/// signature (64)
/// ```
/// The signature is the reporter's device identity key's, in domain `sealpost/decryption-error/v1`,
/// over `lp16` of each field above in order.
public struct DecryptionErrorMessage: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the encoding.
    public static let byteCount = 1 + 16 + 4 + 16 + 4 + 32 + 4 + 8 + 64

    /// The device that failed to decrypt.
    public let reporterAccountID: AccountID
    /// Its device id.
    public let reporterDeviceID: DeviceID
    /// The device whose message failed.
    public let senderAccountID: AccountID
    /// Its device id.
    public let senderDeviceID: DeviceID
    /// The failed message's ratchet key.
    public let ratchetKey: X25519.PublicKey
    /// The failed message's number.
    public let messageNumber: UInt32
    /// When the report was made.
    public let time: UInt64
    /// The reporter device key's signature.
    public let signature: Ed25519.Signature

    /// Signs a report with the reporter's device key.
    public static func sign(
        reporterAccountID: AccountID, reporterDeviceID: DeviceID, senderAccountID: AccountID, senderDeviceID: DeviceID,
        ratchetKey: X25519.PublicKey, messageNumber: UInt32, time: UInt64, deviceKey: Ed25519.PrivateKey
    ) -> DecryptionErrorMessage {
        let payload = payload(reporterAccountID, reporterDeviceID, senderAccountID, senderDeviceID, ratchetKey, messageNumber, time)
        return DecryptionErrorMessage(
            reporterAccountID: reporterAccountID, reporterDeviceID: reporterDeviceID, senderAccountID: senderAccountID,
            senderDeviceID: senderDeviceID, ratchetKey: ratchetKey, messageNumber: messageNumber, time: time,
            signature: deviceKey.signature(for: payload.bytes, in: SignatureDomains.decryptionError))
    }

    /// A report from its parts, as received; check it with ``verify(deviceKey:)``.
    public init(
        reporterAccountID: AccountID, reporterDeviceID: DeviceID, senderAccountID: AccountID, senderDeviceID: DeviceID,
        ratchetKey: X25519.PublicKey, messageNumber: UInt32, time: UInt64, signature: Ed25519.Signature
    ) {
        self.reporterAccountID = reporterAccountID
        self.reporterDeviceID = reporterDeviceID
        self.senderAccountID = senderAccountID
        self.senderDeviceID = senderDeviceID
        self.ratchetKey = ratchetKey
        self.messageNumber = messageNumber
        self.time = time
        self.signature = signature
    }

    package static func payload(
        _ reporterAccountID: AccountID, _ reporterDeviceID: DeviceID, _ senderAccountID: AccountID, _ senderDeviceID: DeviceID,
        _ ratchetKey: X25519.PublicKey, _ messageNumber: UInt32, _ time: UInt64
    ) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(reporterAccountID.rawRepresentation)
        payload.field(reporterDeviceID.value)
        payload.field(senderAccountID.rawRepresentation)
        payload.field(senderDeviceID.value)
        payload.field(ratchetKey.rawRepresentation)
        payload.field(messageNumber)
        payload.field(time)
        return payload
    }

    /// Checks the reporter device key's signature.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(deviceKey: Ed25519.PublicKey) throws(WireError) {
        try deviceKey.check(
            signature,
            over: Self.payload(reporterAccountID, reporterDeviceID, senderAccountID, senderDeviceID, ratchetKey, messageNumber, time),
            in: SignatureDomains.decryptionError)
    }

    /// The 149-byte encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        writer.u8(Self.version)
        writer.raw(reporterAccountID.rawRepresentation)
        writer.u32(reporterDeviceID.value)
        writer.raw(senderAccountID.rawRepresentation)
        writer.u32(senderDeviceID.value)
        writer.raw(ratchetKey.rawRepresentation)
        writer.u32(messageNumber)
        writer.u64(time)
        writer.raw(signature.rawRepresentation)
        return writer.bytes
    }

    /// Parses the encoding strictly (the signature is checked by ``verify(deviceKey:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "decryption error")
        try reader.version(Self.version)
        reporterAccountID = try AccountID.read(from: &reader)
        reporterDeviceID = try DeviceID.read(from: &reader)
        senderAccountID = try AccountID.read(from: &reader)
        senderDeviceID = try DeviceID.read(from: &reader)
        let key = try reader.raw(X25519.keyByteCount)
        guard let ratchetKey = try? X25519.PublicKey(rawRepresentation: key) else { throw .invalidValue(field: "ratchet key", reason: "not 32 bytes") }
        self.ratchetKey = ratchetKey
        messageNumber = try reader.u32()
        time = try reader.u64()
        signature = try readSignature(&reader)
        try reader.finish()
    }
}
