import SealpostCrypto
import SealpostWire

/// Checkers for `Vectors/content/` (`Spec/vectors.md`, "Content vectors").
enum ContentChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "content": content
        default: nil
        }
    }

    /// Valid: the content built from the fields encodes to `encoding` (its body to `body`), and
    /// `encoding` parses back to an equal content that re-encodes to the same bytes. Invalid:
    /// parsing `encoding` fails with `error`. `zeroFill` zero bytes are appended to `encoding`,
    /// `body`, `text` and `data` first.
    static func content(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let zeroFill = fields.has("zeroFill") ? try fields.int("zeroFill") : 0
            guard zeroFill >= 0 else { throw CheckFailure("zeroFill is negative") }
            let fill = [UInt8](repeating: 0, count: zeroFill)
            let encoding = try fields.hex("encoding") + fill
            if test.result == .valid {
                let built = try build(fields, fill: fill)
                try expectEqual(built.serialized(), encoding, "encoding")
                let parsed = try Content(serialized: encoding)
                guard parsed == built else { throw CheckFailure("encoding parses to \(parsed), expected \(built)") }
                try expectEqual(parsed.serialized(), encoding, "re-encoding")
            } else {
                _ = try Content(serialized: encoding)
            }
        }
    }

    /// The content the fields describe (`transcriptContent` recursively), checking its `encoding`
    /// and `body` on the way.
    static func build(_ fields: JSONFields, fill: [UInt8] = []) throws -> Content {
        let type = try fields.int("contentType")
        guard (1...255).contains(type) else { throw CheckFailure("contentType \(type) is not a content type") }
        let body: ContentBody
        switch type {
        case 0x01:
            guard let text = String(validating: try fields.hex("text") + fill, as: UTF8.self) else { throw CheckFailure("text is not UTF-8") }
            body = .text(text)
        case 0x02:
            body = .binary(mediaType: String(decoding: try fields.hex("mediaType"), as: UTF8.self), data: try fields.hex("data") + fill)
        case 0x03, 0x04:
            let ids = try fields.hexes("messageIDs").map { bytes throws(WireError) in try MessageID(rawRepresentation: bytes) }
            body = type == 0x03 ? .deliveryReceipt(ids) : .readReceipt(ids)
        case 0x05:
            guard case .object(let inner)? = fields.values["transcriptContent"] else { throw CheckFailure("transcriptContent is not an object") }
            let content = try build(JSONFields(inner, location: fields.location + ", transcriptContent"))
            body = .syncTranscript(try SyncTranscript(recipient: try AccountID(rawRepresentation: try fields.hex("recipient")), content: content))
        case 0x06:
            guard let seconds = UInt32(exactly: try fields.int("seconds")) else { throw CheckFailure("seconds is not a u32") }
            body = .disappearingTimer(seconds: seconds)
        case 0x07:
            body = .decryptionError(try DecryptionErrorMessage(serialized: try fields.hex("report")))
        default:
            body = .unknown(type: UInt8(type), body: try fields.hex("body") + fill)
        }
        guard let sentAt = UInt64(exactly: try fields.int("sentAt")) else { throw CheckFailure("sentAt is negative") }
        let content = try Content(
            messageID: try MessageID(rawRepresentation: try fields.hex("messageID")), sentAt: sentAt,
            accessSecret: try fields.optionalHex("accessSecret").map { SecretBytes(copying: $0) }, body: body)
        try expectEqual(content.body.serializedBody(), try fields.hex("body") + fill, "body")
        try expectEqual(content.serialized(), try fields.hex("encoding") + fill, "encoding")
        return content
    }
}
