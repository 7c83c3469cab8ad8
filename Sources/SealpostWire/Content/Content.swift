import SealpostCrypto

/// One message as its sender wrote it: what a sealed envelope's content carries
/// (`Spec/content.md`).
///
/// ```
/// content = u8 version = 0x01 ‖ u8 type ‖ message id (16) ‖ u64 sent at (ms)
///           ‖ u8 flags ‖ [access secret (32) if flags bit 0] ‖ lp32(body)
/// ```
/// The body depends on the type (``ContentBody``). Flags other than bit 0 are refused. The whole
/// encoding is at most ``maximumBytes``, the largest plaintext an envelope's content carries.
///
/// Two contents are equal when their encodings are: the access secret is compared in constant
/// time and is never hashed, printed or reflected.
public struct Content: Sendable, Hashable {
    /// The format version, first byte of every content.
    public static let version: UInt8 = 1
    /// The largest encoding: the largest plaintext an envelope's content takes
    /// (``EnvelopePadding/maximumContentBytes``, 1 048 575 bytes: the 1 MiB bucket less the
    /// padding's 0x80 marker). Larger payloads travel as attachments.
    public static let maximumBytes = EnvelopePadding.maximumContentBytes
    /// Bytes in an account's delivery access secret (`Spec/envelope.md`, "Delivery access keys").
    public static let accessSecretByteCount = 32

    /// Flags bit 0: an access secret follows.
    static let accessSecretFlag: UInt8 = 0x01

    /// The sender's id for this message; receipts name it.
    public let messageID: MessageID
    /// The sender's clock when it sent, in milliseconds since the Unix epoch: the sender's claim,
    /// shown to the user, never used to order messages (the relay's stamp orders them).
    public let sentAt: UInt64
    /// The sender account's 32-byte delivery access secret, when attached.
    public let accessSecret: SecretBytes?
    /// What the message says.
    public let body: ContentBody

    /// A content, checked as a parser checks it.
    /// - Parameters:
    ///   - messageID: The message's id; a fresh random one by default. A resend keeps it.
    ///   - sentAt: The sender's clock, in milliseconds since the Unix epoch.
    ///   - accessSecret: The sending account's access secret, to let the recipient write back
    ///     sealed; `nil` when not attached.
    ///   - body: The message.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for an access secret that is not 32
    ///   bytes, an empty text or media type, a media type outside printable ASCII, a receipt of no
    ///   id, or an `unknown` body with a known type; ``WireError/unknownType(field:type:)`` for an
    ///   `unknown` body of type 0; ``WireError/lengthOutOfBounds(field:maximum:got:)`` for a text
    ///   or media type over its bound or an encoding over ``maximumBytes``;
    ///   ``WireError/countOutOfBounds(field:maximum:got:)`` for a receipt of too many ids.
    public init(messageID: MessageID = .random(), sentAt: UInt64, accessSecret: SecretBytes? = nil, body: ContentBody) throws(WireError) {
        if let accessSecret, accessSecret.count != Self.accessSecretByteCount {
            throw .invalidValue(field: "access secret", reason: "must be \(Self.accessSecretByteCount) bytes, got \(accessSecret.count)")
        }
        try body.validate()
        let count = Self.headerCount(hasAccessSecret: accessSecret != nil) + body.encodedBodyCount
        guard count <= Self.maximumBytes else { throw .lengthOutOfBounds(field: "content", maximum: Self.maximumBytes, got: count) }
        self.messageID = messageID
        self.sentAt = sentAt
        self.accessSecret = accessSecret
        self.body = body
    }

    /// Bytes before the body: version, type, id, time, flags, the secret if any, the body's length.
    package static func headerCount(hasAccessSecret: Bool) -> Int {
        1 + 1 + MessageID.byteCount + 8 + 1 + (hasAccessSecret ? accessSecretByteCount : 0) + 4
    }

    /// Bytes in ``serialized()``.
    public var encodedCount: Int { Self.headerCount(hasAccessSecret: accessSecret != nil) + body.encodedBodyCount }

    /// The encoding. It holds the access secret when one is attached: it is the plaintext of an
    /// envelope's content, to be encrypted, not stored or logged in the clear.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: encodedCount)
        writer.u8(Self.version)
        writer.u8(body.typeByte)
        writer.raw(messageID.rawRepresentation)
        writer.u64(sentAt)
        writer.u8(accessSecret == nil ? 0 : Self.accessSecretFlag)
        accessSecret?.withUnsafeBytes { writer.raw($0) }
        writer.u32(UInt32(body.encodedBodyCount))
        body.write(to: &writer)
        return writer.takeBytes()
    }

    /// Parses a content strictly, in the order of `Spec/content.md`, "Parsing".
    /// - Throws: ``WireError`` naming the first problem: `lengthOutOfBounds` (over
    ///   ``maximumBytes``, or a field over its bound), `unsupportedVersion`, `unknownType` (type 0,
    ///   or a transcript of a type it may not carry), `truncated`, `invalidValue` (flags, text,
    ///   media type, an empty receipt), `countOutOfBounds`, `trailingBytes`.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        try self.init(parsing: bytes, nested: false)
    }

    /// Parses a content; `nested` for the content inside a sync transcript, whose type is checked
    /// as soon as it is read, so parsing never recurses more than one level.
    init(parsing bytes: [UInt8], nested: Bool) throws(WireError) {
        let field = nested ? "transcript content" : "content"
        guard bytes.count <= Self.maximumBytes else { throw .lengthOutOfBounds(field: field, maximum: Self.maximumBytes, got: bytes.count) }
        var reader = ByteReader(bytes, structure: field)
        try reader.version(Self.version)
        let type = try reader.u8()
        guard type != 0 else { throw .unknownType(field: "content type", type: type) }
        if nested, !SyncTranscript.transcribedTypes.contains(type) { throw .unknownType(field: "transcript content type", type: type) }
        let messageID = try MessageID.read(from: &reader)
        let sentAt = try reader.u64()
        let flags = try reader.u8()
        guard flags & ~Self.accessSecretFlag == 0 else {
            throw .invalidValue(field: "content flags", reason: "unknown flag bits \(hexByte(flags & ~Self.accessSecretFlag))")
        }
        var accessSecret: SecretBytes?
        if flags & Self.accessSecretFlag != 0 {
            var secret = try reader.raw(Self.accessSecretByteCount)
            accessSecret = SecretBytes(wiping: &secret)
        }
        let body = try reader.lp32("content body", maximum: Self.maximumBytes)
        try reader.finish()
        self.messageID = messageID
        self.sentAt = sentAt
        self.accessSecret = accessSecret
        self.body = try ContentBody.parse(type: type, body: body)
    }
}

extension Content {
    /// Equal when the encodings are equal; the access secrets are compared in constant time.
    public static func == (lhs: Content, rhs: Content) -> Bool {
        guard lhs.messageID == rhs.messageID, lhs.sentAt == rhs.sentAt, lhs.body == rhs.body else { return false }
        switch (lhs.accessSecret, rhs.accessSecret) {
        case (nil, nil): return true
        case (let left?, let right?): return left.constantTimeEquals(right)
        default: return false
        }
    }

    /// Hashes everything ``==`` compares except the secret's bytes (only whether there is one).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(messageID)
        hasher.combine(sentAt)
        hasher.combine(accessSecret != nil)
        hasher.combine(body)
    }
}

extension Content: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The id, the time, whether an access secret is attached, and the body's type and size:
    /// never the secret, the text or the data.
    public var description: String {
        "Content(\(messageID), sent at \(sentAt) ms, access secret \(accessSecret == nil ? "none" : "attached"), \(body))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// The id, the time, whether a secret is attached, and the body (whose mirror is its summary).
    public var customMirror: Mirror {
        Mirror(self, children: ["messageID": messageID, "sentAt": sentAt, "hasAccessSecret": accessSecret != nil, "body": body], displayStyle: .struct)
    }
}
