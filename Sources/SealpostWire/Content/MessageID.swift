import SealpostCrypto

/// A sender-chosen random 16-byte message id (`Spec/content.md`, "Message ids").
///
/// Every content carries one. Receipts name the messages they acknowledge by it, and a sync
/// transcript keeps the id the message was sent with, so all of the user's devices refer to a
/// message by the same id. It is unrelated to the envelope id, which the envelope layer draws per
/// upload: one message sent to several accounts has one message id.
public struct MessageID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Bytes in a message id.
    public static let byteCount = 16

    /// The 16 bytes.
    public let rawRepresentation: [UInt8]

    /// Wraps 16 bytes.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for any other length.
    public init(rawRepresentation: [UInt8]) throws(WireError) {
        guard rawRepresentation.count == Self.byteCount else {
            throw .invalidValue(field: "message id", reason: "must be \(Self.byteCount) bytes, got \(rawRepresentation.count)")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// A fresh random id from the system generator.
    public static func random() -> MessageID {
        // 16 bytes from the system generator: the length is right by construction.
        MessageID(unchecked: SecureRandom.bytes(count: byteCount))
    }

    init(unchecked bytes: [UInt8]) {
        rawRepresentation = bytes
    }

    /// Reads 16 bytes.
    static func read(from reader: inout ByteReader) throws(WireError) -> MessageID {
        MessageID(unchecked: try reader.raw(byteCount))
    }

    /// 32 lowercase hex digits.
    public var description: String { Hex.encode(rawRepresentation) }

    /// Byte-wise order.
    public static func < (lhs: MessageID, rhs: MessageID) -> Bool {
        lhs.rawRepresentation.lexicographicallyPrecedes(rhs.rawRepresentation)
    }
}
