/// The padding of sealed envelopes (`Spec/envelope.md`, "Padding"): ISO/IEC 7816-4 (one 0x80
/// byte, then zeros) up to a bucket size, applied inside the AEAD, removed strictly.
///
/// - **Content** is padded to at least ``minimumContentBucket`` bytes and above that with Padmé
///   (Nikitin et al., PETS 2019), whose buckets cost at most 12 % and leak O(log log n) bits of
///   the length.
/// - **Per-recipient parts** are padded to a multiple of ``partGranularity``. A part is either a
///   ratchet message or a handshake's first message; the two land in different buckets, which
///   `Spec/envelope.md` discusses.
public enum EnvelopePadding {
    /// The smallest padded content: every short text, receipt and typing notice looks the same.
    public static let minimumContentBucket = 256
    /// The largest padded content (1 MiB); larger payloads travel as attachments.
    public static let maximumContentBucket = 1 << 20
    /// Parts are padded to a multiple of this.
    public static let partGranularity = 128
    /// The largest padded part: room for a handshake's first message.
    public static let maximumPartBucket = 4_096

    /// The padded size of content whose unpadded size (with the 0x80 marker) is `length`; a
    /// length above ``maximumContentBucket`` has no bucket and comes back unchanged (callers bound
    /// the content first; ``isContentBucket(_:)`` refuses it).
    public static func contentBucket(forPaddedLength length: Int) -> Int {
        if length <= minimumContentBucket { return minimumContentBucket }
        if length > maximumContentBucket { return length }
        return padme(length)
    }

    /// Padmé: keep the top `⌊log₂ E⌋ + 1` bits of the length (E = ⌊log₂ L⌋), round the rest up.
    static func padme(_ length: Int) -> Int {
        guard length >= 2 else { return length }
        let exponent = Int.bitWidth - 1 - length.leadingZeroBitCount
        let significantBits = Int.bitWidth - exponent.leadingZeroBitCount
        let mask = (1 << (exponent - significantBits)) - 1
        return (length + mask) & ~mask
    }

    /// Whether `count` is a size padded content can have.
    public static func isContentBucket(_ count: Int) -> Bool {
        count >= minimumContentBucket && count <= maximumContentBucket && contentBucket(forPaddedLength: count) == count
    }

    /// The padded size of a part whose unpadded size (with the marker) is `length`.
    public static func partBucket(forPaddedLength length: Int) -> Int {
        (length + partGranularity - 1) / partGranularity * partGranularity
    }

    /// Whether `count` is a size a padded part can have.
    public static func isPartBucket(_ count: Int) -> Bool {
        count >= partGranularity && count <= maximumPartBucket && count % partGranularity == 0
    }

    /// The largest content that fits the largest bucket.
    public static let maximumContentBytes = maximumContentBucket - 1

    /// `bytes ‖ 0x80 ‖ 00…` to the content bucket of its length.
    /// - Throws: ``WireError/lengthOutOfBounds(field:maximum:got:)`` above ``maximumContentBytes``.
    public static func padContent(_ bytes: [UInt8]) throws(WireError) -> [UInt8] {
        guard bytes.count <= maximumContentBytes else { throw .lengthOutOfBounds(field: "content", maximum: maximumContentBytes, got: bytes.count) }
        return pad(bytes, to: contentBucket(forPaddedLength: bytes.count + 1))
    }

    /// `bytes ‖ 0x80 ‖ 00…` to `bucket` bytes (callers pass a bucket larger than `bytes`).
    static func pad(_ bytes: [UInt8], to bucket: Int) -> [UInt8] {
        var out = bytes
        out.reserveCapacity(bucket)
        out.append(0x80)
        out.append(contentsOf: repeatElement(0, count: max(0, bucket - bytes.count - 1)))
        return out
    }

    /// Removes ISO/IEC 7816-4 padding: the last non-zero byte must be 0x80.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` naming `field` when it is not.
    public static func unpad(_ bytes: [UInt8], field: String) throws(WireError) -> [UInt8] {
        guard let marker = bytes.lastIndex(where: { $0 != 0 }), bytes[marker] == 0x80 else {
            throw .invalidValue(field: field, reason: "padding is not 0x80 followed by zeros")
        }
        return Array(bytes[..<marker])
    }
}
