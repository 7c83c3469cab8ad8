/// What a content says (`Spec/content.md`, "Types"): one case per type byte.
///
/// A case is checked when it goes into a ``Content`` (``Content/init(messageID:sentAt:accessSecret:body:)``
/// throws for an empty text, a bad media type, a receipt of 0 or more than
/// ``maximumReceiptCount`` ids, an `unknown` case with a known type byte), and when it is parsed.
///
/// Two bodies are equal when they encode to the same bytes: texts compare by their UTF-8 bytes,
/// not by Swift's canonical equivalence (`"é"` precomposed and `"e\u{301}"` are different texts
/// here, as they are on the wire). `description` gives the type and sizes, never the text or data.
public indirect enum ContentBody: Sendable, Hashable {
    /// Type 0x01: UTF-8 text, 1 … ``maximumTextBytes`` bytes.
    case text(String)
    /// Type 0x02: bytes of a media type (`image/png`: 1 … ``maximumMediaTypeBytes`` bytes of
    /// printable ASCII 0x21 … 0x7E); the data may be empty.
    case binary(mediaType: String, data: [UInt8])
    /// Type 0x03: the sender's device received these messages (1 … ``maximumReceiptCount`` ids).
    case deliveryReceipt([MessageID])
    /// Type 0x04: the sender's user read these messages (1 … ``maximumReceiptCount`` ids).
    case readReceipt([MessageID])
    /// Type 0x05: what this user sent from another of its devices, for its own devices.
    case syncTranscript(SyncTranscript)
    /// Type 0x06: the conversation's disappearing-messages timer, in seconds; 0 turns it off.
    case disappearingTimer(seconds: UInt32)
    /// Type 0x07: this device could not decrypt a message of the recipient device; the signed
    /// report lets that device reset the session and resend (`Spec/ratchet.md`, "Decryption
    /// errors").
    case decryptionError(DecryptionErrorMessage)
    /// A type from a newer version (0x08 … 0xFF): kept and reported ("unsupported message"),
    /// never dropped.
    case unknown(type: UInt8, body: [UInt8])

    /// The most bytes of UTF-8 in a text (64 KiB): a long message, still a fraction of the
    /// largest content; longer texts travel as `binary` (`text/plain`).
    public static let maximumTextBytes = 65_536
    /// The most bytes in a media type; RFC 6838 bounds each of its two names at 127 characters,
    /// and real types are far shorter.
    public static let maximumMediaTypeBytes = 127
    /// The most message ids in a receipt: 16 000 bytes of ids, enough to acknowledge a long
    /// backlog in one message while staying far below the content bound.
    public static let maximumReceiptCount = 1_000
    /// The first type byte this version does not know; `unknown` cases start here.
    public static let firstUnknownType: UInt8 = 0x08

    /// The type byte on the wire.
    public var typeByte: UInt8 {
        switch self {
        case .text: 0x01
        case .binary: 0x02
        case .deliveryReceipt: 0x03
        case .readReceipt: 0x04
        case .syncTranscript: 0x05
        case .disappearingTimer: 0x06
        case .decryptionError: 0x07
        case .unknown(let type, _): type
        }
    }

    /// Checks the rules a parser enforces, for a body built in memory.
    func validate() throws(WireError) {
        switch self {
        case .text(let text): try Self.checkText(count: text.utf8.count)
        case .binary(let mediaType, _): try Self.checkMediaType(Array(mediaType.utf8))
        case .deliveryReceipt(let ids): try Self.checkReceiptCount(ids.count, field: "delivery receipt")
        case .readReceipt(let ids): try Self.checkReceiptCount(ids.count, field: "read receipt")
        case .syncTranscript, .disappearingTimer, .decryptionError: break  // a transcript was checked when it was made
        case .unknown(let type, _):
            guard type != 0 else { throw .unknownType(field: "content type", type: type) }
            guard type >= Self.firstUnknownType else {
                throw .invalidValue(field: "content type", reason: "\(hexByte(type)) is a known type: use its case")
            }
        }
    }

    static func checkText(count: Int) throws(WireError) {
        guard count > 0 else { throw .invalidValue(field: "text", reason: "must not be empty") }
        guard count <= maximumTextBytes else { throw .lengthOutOfBounds(field: "text", maximum: maximumTextBytes, got: count) }
    }

    static func checkMediaType(_ bytes: [UInt8]) throws(WireError) {
        guard !bytes.isEmpty else { throw .invalidValue(field: "media type", reason: "must not be empty") }
        guard bytes.count <= maximumMediaTypeBytes else {
            throw .lengthOutOfBounds(field: "media type", maximum: maximumMediaTypeBytes, got: bytes.count)
        }
        if let index = bytes.firstIndex(where: { !(0x21...0x7E).contains($0) }) {
            throw .invalidValue(field: "media type", reason: "byte \(index) is \(hexByte(bytes[index])), not printable ASCII 0x21…0x7E")
        }
    }

    static func checkReceiptCount(_ count: Int, field: String) throws(WireError) {
        guard count > 0 else { throw .invalidValue(field: field, reason: "names at least one message") }
        guard count <= maximumReceiptCount else { throw .countOutOfBounds(field: field, maximum: maximumReceiptCount, got: count) }
    }

    /// Bytes of the encoded body (the `lp32` payload, without its length).
    var encodedBodyCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let mediaType, let data): 1 + mediaType.utf8.count + data.count
        case .deliveryReceipt(let ids), .readReceipt(let ids): 2 + ids.count * MessageID.byteCount
        case .syncTranscript(let transcript): AccountID.byteCount + 4 + transcript.content.encodedCount
        case .disappearingTimer: 4
        case .decryptionError: DecryptionErrorMessage.byteCount
        case .unknown(_, let body): body.count
        }
    }

    /// The encoded body, for vectors (the `lp32` payload of a content, without its length).
    package func serializedBody() -> [UInt8] {
        var writer = ByteWriter(capacity: encodedBodyCount)
        write(to: &writer)
        return writer.takeBytes()
    }

    /// Writes the body (a validated one: the counts fit their prefixes).
    func write(to writer: inout ByteWriter) {
        switch self {
        case .text(let text): writer.raw(Array(text.utf8))
        case .binary(let mediaType, let data):
            writer.lp8(Array(mediaType.utf8))
            writer.raw(data)
        case .deliveryReceipt(let ids), .readReceipt(let ids):
            writer.u16(UInt16(ids.count))
            for id in ids { writer.raw(id.rawRepresentation) }
        case .syncTranscript(let transcript):
            writer.raw(transcript.recipient.rawRepresentation)
            writer.lp32(transcript.content.serialized())
        case .disappearingTimer(let seconds): writer.u32(seconds)
        case .decryptionError(let report): writer.raw(report.serialized())
        case .unknown(_, let body): writer.raw(body)
        }
    }

    /// Parses the body of a content of type `type` (not 0x00, which the caller refused).
    static func parse(type: UInt8, body: [UInt8]) throws(WireError) -> ContentBody {
        switch type {
        case 0x01:
            try checkText(count: body.count)
            guard let text = String(validating: body, as: UTF8.self) else { throw .invalidValue(field: "text", reason: "not valid UTF-8") }
            return .text(text)
        case 0x02:
            var reader = ByteReader(body, structure: "binary content")
            let mediaType = try reader.lp8("media type", maximum: maximumMediaTypeBytes)
            try checkMediaType(mediaType)
            return .binary(mediaType: String(decoding: mediaType, as: UTF8.self), data: try reader.raw(reader.remaining))
        case 0x03, 0x04:
            let field = type == 0x03 ? "delivery receipt" : "read receipt"
            var reader = ByteReader(body, structure: field)
            let count = Int(try reader.u16())
            try checkReceiptCount(count, field: field)
            var ids: [MessageID] = []
            ids.reserveCapacity(count)
            for _ in 0..<count { ids.append(try MessageID.read(from: &reader)) }
            try reader.finish()
            return type == 0x03 ? .deliveryReceipt(ids) : .readReceipt(ids)
        case 0x05:
            var reader = ByteReader(body, structure: "sync transcript")
            let recipient = try AccountID.read(from: &reader)
            let inner = try reader.lp32("transcript content", maximum: Content.maximumBytes)
            try reader.finish()
            return .syncTranscript(try SyncTranscript(recipient: recipient, content: try Content(parsing: inner, nested: true)))
        case 0x06:
            var reader = ByteReader(body, structure: "disappearing timer")
            let seconds = try reader.u32()
            try reader.finish()
            return .disappearingTimer(seconds: seconds)
        case 0x07:
            return .decryptionError(try DecryptionErrorMessage(serialized: body))
        case 0x00:
            throw .unknownType(field: "content type", type: type)
        default:
            return .unknown(type: type, body: body)
        }
    }
}

extension ContentBody {
    /// Equal when the encodings are equal (texts by their UTF-8 bytes).
    public static func == (lhs: ContentBody, rhs: ContentBody) -> Bool {
        switch (lhs, rhs) {
        case (.text(let left), .text(let right)): left.utf8.elementsEqual(right.utf8)
        case (.binary(let leftType, let leftData), .binary(let rightType, let rightData)):
            leftType.utf8.elementsEqual(rightType.utf8) && leftData == rightData
        case (.deliveryReceipt(let left), .deliveryReceipt(let right)): left == right
        case (.readReceipt(let left), .readReceipt(let right)): left == right
        case (.syncTranscript(let left), .syncTranscript(let right)): left == right
        case (.disappearingTimer(let left), .disappearingTimer(let right)): left == right
        case (.decryptionError(let left), .decryptionError(let right)): left == right
        case (.unknown(let leftType, let leftBody), .unknown(let rightType, let rightBody)): leftType == rightType && leftBody == rightBody
        default: false
        }
    }

    /// Hashes what ``==`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(typeByte)
        switch self {
        case .text(let text): hasher.combine(Array(text.utf8))
        case .binary(let mediaType, let data):
            hasher.combine(Array(mediaType.utf8))
            hasher.combine(data)
        case .deliveryReceipt(let ids), .readReceipt(let ids): hasher.combine(ids)
        case .syncTranscript(let transcript): hasher.combine(transcript)
        case .disappearingTimer(let seconds): hasher.combine(seconds)
        case .decryptionError(let report): hasher.combine(report)
        case .unknown(_, let body): hasher.combine(body)
        }
    }
}

extension ContentBody: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The type and sizes: never the text, the data or an access secret.
    public var description: String {
        switch self {
        case .text(let text): "text(\(text.utf8.count) bytes)"
        case .binary(let mediaType, let data): "binary(\(mediaType), \(data.count) bytes)"
        case .deliveryReceipt(let ids): "deliveryReceipt(\(ids.count) ids)"
        case .readReceipt(let ids): "readReceipt(\(ids.count) ids)"
        case .syncTranscript(let transcript): "syncTranscript(\(transcript))"
        case .disappearingTimer(let seconds): "disappearingTimer(\(seconds) s)"
        case .decryptionError: "decryptionError"
        case .unknown(let type, let body): "unknown(type \(hexByte(type)), \(body.count) bytes)"
        }
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// No children, so `dump` shows only ``description``.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }
}

/// `0x` and two lowercase hex digits.
func hexByte(_ value: UInt8) -> String {
    let digits = String(value, radix: 16)
    return "0x" + (digits.count == 1 ? "0" + digits : digits)
}
