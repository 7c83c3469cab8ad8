/// The plaintext of a sealed part, before padding (`Spec/envelope.md`, "Part"):
///
/// `u8 version = 0x01 ‖ sender certificate (130) ‖ lp16 session message`
///
/// The session message is the serialized ``SessionMessage`` whose plaintext carries the content
/// key. Nothing here is authenticated as the sender's until that message decrypts in the session
/// of the certificate's device key.
public struct EnvelopePart: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The longest session message a part carries: what fits the largest part bucket.
    public static let maximumSessionMessageBytes = EnvelopePadding.maximumPartBucket - 1 - 1 - SenderCertificate.byteCount - 2

    /// The sender's certificate, as the sender claims it.
    public let senderCertificate: SenderCertificate
    /// The serialized session message.
    public let sessionMessage: [UInt8]

    /// A part from its fields.
    /// - Throws: ``WireError/lengthOutOfBounds(field:maximum:got:)`` for a session message over
    ///   ``maximumSessionMessageBytes``.
    public init(senderCertificate: SenderCertificate, sessionMessage: [UInt8]) throws(WireError) {
        guard sessionMessage.count <= Self.maximumSessionMessageBytes else {
            throw .lengthOutOfBounds(field: "session message", maximum: Self.maximumSessionMessageBytes, got: sessionMessage.count)
        }
        self.senderCertificate = senderCertificate
        self.sessionMessage = sessionMessage
    }

    /// The encoding, padded to its bucket.
    public func padded() -> [UInt8] {
        var writer = ByteWriter(capacity: EnvelopePadding.maximumPartBucket)
        writer.u8(Self.version)
        senderCertificate.write(to: &writer)
        writer.lp16(sessionMessage)
        let bytes = writer.bytes
        return EnvelopePadding.pad(bytes, to: EnvelopePadding.partBucket(forPaddedLength: bytes.count + 1))
    }

    /// Removes the padding and parses strictly.
    public init(padded bytes: [UInt8]) throws(WireError) {
        let unpadded = try EnvelopePadding.unpad(bytes, field: "part padding")
        guard bytes.count == EnvelopePadding.partBucket(forPaddedLength: unpadded.count + 1) else {
            throw .invalidValue(field: "part padding", reason: "not padded to the smallest bucket")
        }
        var reader = ByteReader(unpadded, structure: "envelope part")
        try reader.version(Self.version)
        senderCertificate = try SenderCertificate(reading: &reader)
        sessionMessage = try reader.lp16("session message", maximum: Self.maximumSessionMessageBytes)
        try reader.finish()
    }
}
