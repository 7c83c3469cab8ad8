import SealpostCrypto

/// One device's sealed envelope: what the relay stores in a mailbox and delivers
/// (`Spec/envelope.md`, "Sealed envelope").
///
/// ```
/// u8 version = 0x01
/// envelope id (16) ‖ u32 envelope key id ‖ enc (32)
/// lp16 sealed part        HPKE ciphertext of the padded part: a part bucket + 16 bytes
/// lp32 content            commitment (32) ‖ ChaCha20-Poly1305 ciphertext of the padded content
/// ```
/// Every envelope has this layout, whether it was uploaded for one device or split by the relay
/// out of a multi-recipient upload. The relay sees the envelope id, the envelope key id and the
/// two padded lengths; everything else is encrypted.
public struct SealedEnvelope: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes of the content commitment at the start of ``content``.
    public static let commitmentByteCount = 32
    /// Bytes an AEAD tag adds.
    static let tagByteCount = ChaCha20Poly1305.tagByteCount

    /// The sender-chosen id, bound into every layer's authenticated data.
    public let envelopeID: EnvelopeID
    /// The id of the recipient's envelope key it was sealed to.
    public let envelopeKeyID: UInt32
    /// HPKE's encapsulated key.
    public let encapsulatedKey: [UInt8]
    /// The HPKE ciphertext of the padded per-recipient part.
    public let sealedPart: [UInt8]
    /// The content: commitment ‖ ciphertext ‖ tag.
    public let content: [UInt8]

    /// An envelope from its parts, with every length checked as parsing would.
    public init(envelopeID: EnvelopeID, envelopeKeyID: UInt32, encapsulatedKey: [UInt8], sealedPart: [UInt8], content: [UInt8]) throws(WireError) {
        guard encapsulatedKey.count == HPKE.encapsulatedKeyByteCount else {
            throw .invalidValue(field: "encapsulated key", reason: "must be \(HPKE.encapsulatedKeyByteCount) bytes")
        }
        try Self.checkPart(sealedPart.count)
        try Self.checkContent(content.count)
        self.init(checked: envelopeID, envelopeKeyID: envelopeKeyID, encapsulatedKey: encapsulatedKey, sealedPart: sealedPart, content: content)
    }

    /// From parts whose lengths were already checked (an upload's).
    init(checked envelopeID: EnvelopeID, envelopeKeyID: UInt32, encapsulatedKey: [UInt8], sealedPart: [UInt8], content: [UInt8]) {
        self.envelopeID = envelopeID
        self.envelopeKeyID = envelopeKeyID
        self.encapsulatedKey = encapsulatedKey
        self.sealedPart = sealedPart
        self.content = content
    }

    /// The largest sealed part.
    public static let maximumSealedPartBytes = EnvelopePadding.maximumPartBucket + tagByteCount
    /// The largest content field.
    public static let maximumContentFieldBytes = commitmentByteCount + EnvelopePadding.maximumContentBucket + tagByteCount

    static func checkPart(_ count: Int) throws(WireError) {
        guard count <= maximumSealedPartBytes else { throw .lengthOutOfBounds(field: "sealed part", maximum: maximumSealedPartBytes, got: count) }
        guard count >= tagByteCount, EnvelopePadding.isPartBucket(count - tagByteCount) else {
            throw .invalidValue(field: "sealed part", reason: "\(count) bytes is not a padded part size")
        }
    }

    static func checkContent(_ count: Int) throws(WireError) {
        guard count <= maximumContentFieldBytes else { throw .lengthOutOfBounds(field: "content", maximum: maximumContentFieldBytes, got: count) }
        guard count >= commitmentByteCount + tagByteCount, EnvelopePadding.isContentBucket(count - commitmentByteCount - tagByteCount) else {
            throw .invalidValue(field: "content", reason: "\(count) bytes is not a padded content size")
        }
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + EnvelopeID.byteCount + 4 + 32 + 2 + sealedPart.count + 4 + content.count)
        writer.u8(Self.version)
        writer.raw(envelopeID.rawRepresentation)
        writer.u32(envelopeKeyID)
        writer.raw(encapsulatedKey)
        writer.lp16(sealedPart)
        writer.lp32(content)
        return writer.bytes
    }

    /// Parses the encoding strictly, including the padded sizes.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "sealed envelope")
        try reader.version(Self.version)
        let id = try EnvelopeID.read(from: &reader)
        let keyID = try reader.u32()
        let enc = try reader.raw(HPKE.encapsulatedKeyByteCount)
        let part = try reader.lp16("sealed part", maximum: Self.maximumSealedPartBytes)
        let content = try reader.lp32("content", maximum: Self.maximumContentFieldBytes)
        try reader.finish()
        try self.init(envelopeID: id, envelopeKeyID: keyID, encapsulatedKey: enc, sealedPart: part, content: content)
    }
}

/// What the relay delivers from a mailbox: the envelope, the relay's own sequence number for
/// acknowledging it, and the time the relay received it (`Spec/envelope.md`, "Delivery").
///
/// `u8 version = 0x01 ‖ u64 sequence ‖ u64 received at ‖ lp32 sealed envelope`
///
/// Sender certificates are checked against `receivedAt`, not against the reader's clock, so a
/// device offline for weeks still accepts mail that was valid when it was sent.
public struct MailboxDelivery: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1

    /// The relay's per-mailbox sequence number: acknowledgements name it.
    public let sequence: UInt64
    /// When the relay accepted the upload (seconds since the Unix epoch, the relay's clock).
    public let receivedAt: UInt64
    /// The envelope.
    public let envelope: SealedEnvelope

    /// A delivery from its parts.
    public init(sequence: UInt64, receivedAt: UInt64, envelope: SealedEnvelope) {
        self.sequence = sequence
        self.receivedAt = receivedAt
        self.envelope = envelope
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        let inner = envelope.serialized()
        var writer = ByteWriter(capacity: 1 + 8 + 8 + 4 + inner.count)
        writer.u8(Self.version)
        writer.u64(sequence)
        writer.u64(receivedAt)
        writer.lp32(inner)
        return writer.bytes
    }

    /// The largest envelope encoding.
    public static let maximumEnvelopeBytes = 1 + EnvelopeID.byteCount + 4 + 32 + 2 + SealedEnvelope.maximumSealedPartBytes + 4 + SealedEnvelope.maximumContentFieldBytes

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "mailbox delivery")
        try reader.version(Self.version)
        sequence = try reader.u64()
        receivedAt = try reader.u64()
        envelope = try SealedEnvelope(serialized: try reader.lp32("sealed envelope", maximum: Self.maximumEnvelopeBytes))
        try reader.finish()
    }
}
