import SealpostCrypto

/// The handshake header an initiator puts before its first messages (`Spec/handshake.md`,
/// "Initial message").
///
/// Wire form, 1 822 bytes without a one-time prekey and 1 826 with one:
/// ```
/// u8 version = 0x01
/// Encode(initiator account key) (33) ‖ initiator device certificate (126)
/// responder account id (16) ‖ u32 responder device id
/// EncodeEC(EK_A) (33) ‖ u32 signed prekey id ‖ u32 KEM prekey id
/// u8 has one-time prekey (0 or 1) ‖ [u32 one-time prekey id]
/// ML-KEM-1024 ciphertext (1 568) ‖ key confirmation (32)
/// ```
/// The initiator's account id, device id and device identity key are those of its certificate.
public struct InitialMessage: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the key confirmation tag.
    public static let confirmationByteCount = 32

    /// The initiator's account key (Ed25519).
    public let initiatorAccountKey: Ed25519.PublicKey
    /// The initiator's device certificate, signed by that account key.
    public let initiatorCertificate: DeviceCertificate
    /// The account the message is for.
    public let responderAccountID: AccountID
    /// The device the message is for.
    public let responderDeviceID: DeviceID
    /// The initiator's ephemeral key `EK_A` (the "base key").
    public let baseKey: X25519.PublicKey
    /// Which signed prekey of the responder was used.
    public let signedPrekeyID: UInt32
    /// Which ML-KEM prekey of the responder was used.
    public let kemPrekeyID: UInt32
    /// Which one-time prekey was used, if any.
    public let oneTimePrekeyID: UInt32?
    /// The ML-KEM-1024 ciphertext.
    public let kemCiphertext: [UInt8]
    /// `HMAC-SHA-256(confirmation key, transcript hash)`: lets the responder reject a handshake
    /// whose keys disagree before it creates any state.
    public let confirmation: [UInt8]

    /// A message from its fields.
    /// - Throws: ``WireError`` if the ciphertext or confirmation has the wrong length.
    public init(
        initiatorAccountKey: Ed25519.PublicKey, initiatorCertificate: DeviceCertificate, responderAccountID: AccountID,
        responderDeviceID: DeviceID, baseKey: X25519.PublicKey, signedPrekeyID: UInt32, kemPrekeyID: UInt32,
        oneTimePrekeyID: UInt32?, kemCiphertext: [UInt8], confirmation: [UInt8]
    ) throws(WireError) {
        guard kemCiphertext.count == MLKEMParameterSet.mlkem1024.ciphertextByteCount else {
            throw .invalidValue(field: "KEM ciphertext", reason: "must be 1568 bytes, got \(kemCiphertext.count)")
        }
        guard confirmation.count == Self.confirmationByteCount else {
            throw .invalidValue(field: "key confirmation", reason: "must be 32 bytes, got \(confirmation.count)")
        }
        self.initiatorAccountKey = initiatorAccountKey
        self.initiatorCertificate = initiatorCertificate
        self.responderAccountID = responderAccountID
        self.responderDeviceID = responderDeviceID
        self.baseKey = baseKey
        self.signedPrekeyID = signedPrekeyID
        self.kemPrekeyID = kemPrekeyID
        self.oneTimePrekeyID = oneTimePrekeyID
        self.kemCiphertext = kemCiphertext
        self.confirmation = confirmation
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 2000)
        writer.u8(Self.version)
        writer.raw(KeyEncoding.encode(initiatorAccountKey))
        initiatorCertificate.write(to: &writer)
        writer.raw(responderAccountID.rawRepresentation)
        writer.u32(responderDeviceID.value)
        writer.raw(KeyEncoding.encode(baseKey))
        writer.u32(signedPrekeyID)
        writer.u32(kemPrekeyID)
        if let oneTimePrekeyID {
            writer.u8(1)
            writer.u32(oneTimePrekeyID)
        } else {
            writer.u8(0)
        }
        writer.raw(kemCiphertext)
        writer.raw(confirmation)
        return writer.bytes
    }

    /// Parses the encoding strictly. Nothing is verified here: the responder's handshake checks
    /// the certificate, the device list and the key confirmation.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "initial message")
        try reader.version(Self.version)
        initiatorAccountKey = try KeyEncoding.readIdentityKey(&reader, field: "initiator account key")
        initiatorCertificate = try DeviceCertificate(reading: &reader)
        responderAccountID = try AccountID.read(from: &reader)
        responderDeviceID = try DeviceID.read(from: &reader)
        baseKey = try KeyEncoding.readX25519Key(&reader, field: "base key")
        signedPrekeyID = try reader.u32()
        kemPrekeyID = try reader.u32()
        switch try reader.u8() {
        case 0: oneTimePrekeyID = nil
        case 1: oneTimePrekeyID = try reader.u32()
        case let flag: throw .invalidValue(field: "one-time prekey flag", reason: "must be 0 or 1, got \(flag)")
        }
        kemCiphertext = try reader.raw(MLKEMParameterSet.mlkem1024.ciphertextByteCount)
        confirmation = try reader.raw(Self.confirmationByteCount)
        try reader.finish()
    }
}
