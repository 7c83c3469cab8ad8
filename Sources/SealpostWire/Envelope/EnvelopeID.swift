import SealpostCrypto

/// The sender-chosen random 16-byte id of an envelope (`Spec/envelope.md`, "Envelope ids").
///
/// It is in every layer's authenticated data, and a sender that re-seals a message after a failed
/// upload keeps it. Recipients de-duplicate on (authenticated sender device key, id), and only
/// after the inner message authenticated, so nobody can suppress a message by sending first
/// with its id.
public struct EnvelopeID: Sendable, Hashable, CustomStringConvertible {
    /// Bytes in an envelope id.
    public static let byteCount = 16

    /// The 16 bytes.
    public let rawRepresentation: [UInt8]

    /// Wraps 16 bytes.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for any other length.
    public init(rawRepresentation: [UInt8]) throws(WireError) {
        guard rawRepresentation.count == Self.byteCount else {
            throw .invalidValue(field: "envelope id", reason: "must be \(Self.byteCount) bytes, got \(rawRepresentation.count)")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// A fresh random id from the system generator.
    public static func random() -> EnvelopeID {
        EnvelopeID(unchecked: SecureRandom.bytes(count: byteCount))
    }

    init(unchecked bytes: [UInt8]) {
        rawRepresentation = bytes
    }

    static func read(from reader: inout ByteReader) throws(WireError) -> EnvelopeID {
        EnvelopeID(unchecked: try reader.raw(byteCount))
    }

    /// 32 lowercase hex digits.
    public var description: String { Hex.encode(rawRepresentation) }
}
