import SealpostCrypto

/// One Double Ratchet message (`Spec/ratchet.md`, "Ratchet message").
///
/// ```
/// u8 version = 0x01
/// header:  ratchet public key (32) ‖ u32 PN ‖ u32 N          40 bytes
/// nonce (24)
/// ciphertext ‖ tag (16 to 16 + maximumPlaintextBytes)
/// ```
/// The AEAD's associated data is `AD ‖ u8 version ‖ header`, so the header is authenticated.
public struct RatchetMessage: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the encoded header.
    public static let headerByteCount = 40
    /// The largest plaintext one message carries: 1 MiB, above any padded envelope content.
    public static let maximumPlaintextBytes = 1 << 20

    /// The sender's current ratchet public key.
    public let ratchetKey: X25519.PublicKey
    /// The number of messages in the sender's previous sending chain.
    public let previousChainLength: UInt32
    /// This message's number in its sending chain.
    public let messageNumber: UInt32
    /// The XChaCha20-Poly1305 nonce, random per message.
    public let nonce: XChaCha20Poly1305.Nonce
    /// `ciphertext ‖ tag`.
    public let ciphertext: [UInt8]

    /// A message from its parts.
    /// - Throws: ``WireError`` if the ciphertext is shorter than a tag or longer than the bound.
    public init(
        ratchetKey: X25519.PublicKey, previousChainLength: UInt32, messageNumber: UInt32, nonce: XChaCha20Poly1305.Nonce, ciphertext: [UInt8]
    ) throws(WireError) {
        let maximum = Self.maximumPlaintextBytes + XChaCha20Poly1305.tagByteCount
        guard ciphertext.count >= XChaCha20Poly1305.tagByteCount else {
            throw .invalidValue(field: "ratchet ciphertext", reason: "shorter than the 16-byte tag")
        }
        guard ciphertext.count <= maximum else { throw .lengthOutOfBounds(field: "ratchet ciphertext", maximum: maximum, got: ciphertext.count) }
        self.ratchetKey = ratchetKey
        self.previousChainLength = previousChainLength
        self.messageNumber = messageNumber
        self.nonce = nonce
        self.ciphertext = ciphertext
    }

    /// `ratchet key ‖ u32 PN ‖ u32 N`.
    public static func header(ratchetKey: X25519.PublicKey, previousChainLength: UInt32, messageNumber: UInt32) -> [UInt8] {
        var writer = ByteWriter(capacity: headerByteCount)
        writer.raw(ratchetKey.rawRepresentation)
        writer.u32(previousChainLength)
        writer.u32(messageNumber)
        return writer.bytes
    }

    /// This message's encoded header.
    public var header: [UInt8] {
        Self.header(ratchetKey: ratchetKey, previousChainLength: previousChainLength, messageNumber: messageNumber)
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + Self.headerByteCount + XChaCha20Poly1305.nonceByteCount + ciphertext.count)
        writer.u8(Self.version)
        writer.raw(header)
        writer.raw(nonce.rawRepresentation)
        writer.raw(ciphertext)
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "ratchet message")
        try reader.version(Self.version)
        let keyBytes = try reader.raw(X25519.keyByteCount)
        guard let key = try? X25519.PublicKey(rawRepresentation: keyBytes) else { throw .invalidValue(field: "ratchet key", reason: "not 32 bytes") }
        let previous = try reader.u32()
        let number = try reader.u32()
        let nonceBytes = try reader.raw(XChaCha20Poly1305.nonceByteCount)
        guard let nonce = try? XChaCha20Poly1305.Nonce(rawRepresentation: nonceBytes) else { throw .invalidValue(field: "nonce", reason: "not 24 bytes") }
        let maximum = Self.maximumPlaintextBytes + XChaCha20Poly1305.tagByteCount
        guard reader.remaining <= maximum else { throw .lengthOutOfBounds(field: "ratchet ciphertext", maximum: maximum, got: reader.remaining) }
        let ciphertext = try reader.raw(reader.remaining)
        try self.init(ratchetKey: key, previousChainLength: previous, messageNumber: number, nonce: nonce, ciphertext: ciphertext)
    }
}

/// What a session sends: a ratchet message, preceded by the handshake header until the responder
/// has replied (`Spec/ratchet.md`, "Session message").
///
/// ```
/// u8 type = 0x01 (initial) ‖ u16 length ‖ initial message ‖ ratchet message
/// u8 type = 0x02 (ratchet) ‖ ratchet message
/// ```
public enum SessionMessage: Sendable, Hashable {
    /// The handshake header and the first ratchet messages of a session.
    case initial(InitialMessage, RatchetMessage)
    /// Any later message.
    case ratchet(RatchetMessage)

    /// The ratchet message carried.
    public var ratchetMessage: RatchetMessage {
        switch self {
        case .initial(_, let message), .ratchet(let message): message
        }
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .initial(let header, let message):
            writer.u8(1)
            writer.lp16(header.serialized())
            writer.raw(message.serialized())
        case .ratchet(let message):
            writer.u8(2)
            writer.raw(message.serialized())
        }
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "session message")
        switch try reader.u8() {
        case 1:
            let header = try InitialMessage(serialized: try reader.lp16("initial message", maximum: 4096))
            self = .initial(header, try RatchetMessage(serialized: try Self.rest(&reader)))
        case 2:
            self = .ratchet(try RatchetMessage(serialized: try Self.rest(&reader)))
        case let type:
            throw .unknownType(field: "session message", type: type)
        }
    }

    /// The rest of the input, refused before copying if no ratchet message can be that long.
    private static func rest(_ reader: inout ByteReader) throws(WireError) -> [UInt8] {
        let maximum = 1 + RatchetMessage.headerByteCount + XChaCha20Poly1305.nonceByteCount + RatchetMessage.maximumPlaintextBytes + XChaCha20Poly1305.tagByteCount
        guard reader.remaining <= maximum else { throw .lengthOutOfBounds(field: "ratchet message", maximum: maximum, got: reader.remaining) }
        return try reader.raw(reader.remaining)
    }
}
