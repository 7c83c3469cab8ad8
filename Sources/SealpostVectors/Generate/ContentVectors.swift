import SealpostCrypto
import SealpostWire

/// Generates `Vectors/content/content.json`: every content type with every field, and the
/// encodings a parser refuses.
enum ContentVectors {
    typealias Test = VectorFileBuilder.Test
    typealias Case = (String, String, [String], String?, Test)

    static let sentAt: UInt64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z in milliseconds

    static func messageID(_ label: String) throws -> MessageID {
        try MessageID(rawRepresentation: VectorSeeds.bytes("content/message-id/\(label)", MessageID.byteCount))
    }

    static var accessSecret: [UInt8] { VectorSeeds.bytes("content/access-secret") }

    static func recipient() throws -> AccountID {
        try AccountID(rawRepresentation: VectorSeeds.bytes("content/recipient-account", AccountID.byteCount))
    }

    /// A valid content's fields: its inputs, its body and its encoding. With `zeroFill` n, the
    /// content's last n bytes are zeros left out of `encoding`, `body`, `text` and `data`.
    static func fields(_ content: Content, zeroFill: Int = 0) -> Test {
        var test = Test()
        func trimmed(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.dropLast(zeroFill)) }
        test.int("contentType", content.body.typeByte)
        test.hex("messageID", content.messageID.rawRepresentation)
        test.int("sentAt", content.sentAt)
        if let secret = content.accessSecret { test.hex("accessSecret", secret) }
        switch content.body {
        case .text(let text): test.hex("text", trimmed(Array(text.utf8)))
        case .binary(let mediaType, let data):
            test.hex("mediaType", Array(mediaType.utf8))
            test.hex("data", trimmed(data))
        case .deliveryReceipt(let ids), .readReceipt(let ids): test.hexes("messageIDs", ids.map(\.rawRepresentation))
        case .syncTranscript(let transcript):
            test.hex("recipient", transcript.recipient.rawRepresentation)
            test.fields["transcriptContent"] = .object(fields(transcript.content).fields)
        case .disappearingTimer(let seconds): test.int("seconds", seconds)
        case .decryptionError(let report): test.hex("report", report.serialized())
        case .unknown: break
        }
        test.hex("body", trimmed(content.body.serializedBody()))
        test.hex("encoding", trimmed(content.serialized()))
        if zeroFill > 0 { test.int("zeroFill", zeroFill) }
        return test
    }

    /// An encoding to refuse: `version ‖ type ‖ id ‖ sent at ‖ flags ‖ secret ‖ u32(length) ‖ body`,
    /// each part given as is (the length defaults to the body's).
    static func encoding(
        version: UInt8 = 1, type: UInt8, flags: UInt8 = 0, secret: [UInt8] = [], body: [UInt8], bodyLength: Int? = nil, label: String = "refused"
    ) throws -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(version)
        writer.u8(type)
        writer.raw(try messageID(label).rawRepresentation)
        writer.u64(sentAt)
        writer.u8(flags)
        writer.raw(secret)
        writer.u32(UInt32(bodyLength ?? body.count))
        writer.raw(body)
        return writer.bytes
    }

    static func refused(_ bytes: [UInt8], zeroFill: Int = 0) -> Test {
        var test = Test()
        test.hex("encoding", bytes)
        if zeroFill > 0 { test.int("zeroFill", zeroFill) }
        return test
    }

    static func generate() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost message content v1", source: "Sealpost", reference: "Spec/content.md",
            notes: [
                "AccessSecret": "The content carries the sending account's delivery access secret (flags bit 0).",
                "Boundary": "A length or count at its bound (valid) or one past it (invalid).",
                "Transcript": "A sync transcript, with its inner content.",
                "UnknownType": "A type this version does not know: kept as bytes, never dropped.",
                "InvalidUTF8": "A text body that is not valid UTF-8.",
                "Structure": "A strict-parsing rule: version, flags, lengths, truncation, trailing bytes.",
                "ZeroFill": "The test's byte strings end with zeroFill zero bytes that the file leaves out.",
            ])
        let secret = SecretBytes(copying: accessSecret)
        let recipient = try recipient()
        func content(_ label: String, offset: UInt64 = 0, secret: SecretBytes? = nil, _ body: ContentBody) throws -> Content {
            try Content(messageID: try messageID(label), sentAt: sentAt + offset, accessSecret: secret, body: body)
        }

        // Valid contents, one or more of every type.
        let text = try content("text", .text("Hello, Sealpost!"))
        let textWithSecret = try content("text-secret", offset: 1, secret: secret, .text("Gr\u{FC}\u{DF}e aus Z\u{FC}rich \u{1F44B}"))
        let longestText = try content("text-longest", offset: 2, .text("a" + String(repeating: "\u{0}", count: ContentBody.maximumTextBytes - 1)))
        let png = try content("binary", offset: 3, .binary(mediaType: "image/png", data: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + VectorSeeds.bytes("content/png-data", 24)))
        let emptyBinary = try content("binary-empty", offset: 4, .binary(mediaType: "application/vnd.sealpost+json;v=1", data: []))
        let binaryHeader = Content.headerCount(hasAccessSecret: false) + 1 + 3
        let largest = try content("binary-largest", offset: 5, .binary(mediaType: "a/b", data: [UInt8](repeating: 0, count: Content.maximumBytes - binaryHeader)))
        let delivery = try content("delivery", offset: 6, .deliveryReceipt([try messageID("text")]))
        let read = try content("read", offset: 7, .readReceipt([try messageID("text"), try messageID("text-secret"), try messageID("binary")]))
        let longestReceipt = try content(
            "delivery-longest", offset: 8, .deliveryReceipt(try (0..<ContentBody.maximumReceiptCount).map { try messageID("receipted/\($0)") }))
        let timerOff = try content("timer-off", offset: 9, .disappearingTimer(seconds: 0))
        let timerWeek = try content("timer-week", offset: 10, secret: secret, .disappearingTimer(seconds: 604_800))
        let transcriptOfText = try content("transcript-text", offset: 11, .syncTranscript(try SyncTranscript(recipient: recipient, content: text)))
        let transcriptOfBinary = try content(
            "transcript-binary", offset: 12, secret: secret,
            .syncTranscript(try SyncTranscript(recipient: recipient, content: try content("transcript-binary-inner", offset: 12, secret: secret, png.body))))
        let transcriptOfTimer = try content("transcript-timer", offset: 13, .syncTranscript(try SyncTranscript(recipient: recipient, content: timerWeek)))
        let reporterKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("content/reporter-device-key")))
        let failedRatchetKey = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: VectorSeeds.bytes("content/failed-ratchet-key"))).publicKey
        let report = DecryptionErrorMessage.sign(
            reporterAccountID: try AccountID(rawRepresentation: VectorSeeds.bytes("content/reporter-account", 16)), reporterDeviceID: try DeviceID(2),
            senderAccountID: recipient, senderDeviceID: try DeviceID(1), ratchetKey: failedRatchetKey, messageNumber: 7, time: 1_795_000_000,
            deviceKey: reporterKey)
        let decryptionError = try content("decryption-error", offset: 16, .decryptionError(report))
        let unknownEmpty = try content("unknown-08", offset: 14, .unknown(type: 0x08, body: []))
        let unknownFF = try content("unknown-ff", offset: 15, secret: secret, .unknown(type: 0xFF, body: VectorSeeds.bytes("content/unknown-body", 20)))

        file.group("content", comment: "Valid contents: build from the fields, compare with encoding; parse encoding, compare with the fields", [
            ("text", "Spec/content.md, Text", [], nil, fields(text)),
            ("text with the sender's access secret (first contact), non-ASCII UTF-8", "Spec/content.md, Text", ["AccessSecret"], nil, fields(textWithSecret)),
            ("text of exactly 65 536 bytes ('a' then NULs, valid UTF-8)", "Spec/content.md, Text", ["Boundary", "ZeroFill"], nil,
             fields(longestText, zeroFill: ContentBody.maximumTextBytes - 1)),
            ("binary: image/png", "Spec/content.md, Binary", [], nil, fields(png)),
            ("binary with empty data; a media type using ';', '+', '=' and '.'", "Spec/content.md, Binary", [], nil, fields(emptyBinary)),
            ("binary whose encoding is exactly maximumBytes (1 048 575)", "Spec/content.md, Bounds", ["Boundary", "ZeroFill"], nil,
             fields(largest, zeroFill: Content.maximumBytes - binaryHeader)),
            ("delivery receipt of one message", "Spec/content.md, Receipts", [], nil, fields(delivery)),
            ("read receipt of three messages", "Spec/content.md, Receipts", [], nil, fields(read)),
            ("delivery receipt of 1 000 messages", "Spec/content.md, Receipts", ["Boundary"], nil, fields(longestReceipt)),
            ("disappearing timer off (0 s)", "Spec/content.md, Disappearing timer", [], nil, fields(timerOff)),
            ("disappearing timer of one week, with an access secret", "Spec/content.md, Disappearing timer", ["AccessSecret"], nil, fields(timerWeek)),
            ("sync transcript of a text (the first test's content)", "Spec/content.md, Sync transcripts", ["Transcript"], nil, fields(transcriptOfText)),
            ("sync transcript of a binary; both contents carry an access secret", "Spec/content.md, Sync transcripts", ["Transcript", "AccessSecret"], nil,
             fields(transcriptOfBinary)),
            ("sync transcript of a disappearing timer", "Spec/content.md, Sync transcripts", ["Transcript"], nil, fields(transcriptOfTimer)),
            ("decryption-error report (the 149-byte signed report of Spec/ratchet.md)", "Spec/content.md, Decryption errors", [], nil, fields(decryptionError)),
            ("unknown type 0x08 with an empty body", "Spec/content.md, Unknown types", ["UnknownType"], nil, fields(unknownEmpty)),
            ("unknown type 0xff with a body and an access secret", "Spec/content.md, Unknown types", ["UnknownType", "AccessSecret"], nil, fields(unknownFF)),
        ])

        let hello = Array("hello".utf8)
        let textBytes = text.serialized()
        func replaced(_ bytes: [UInt8], at index: Int, with value: UInt8) -> [UInt8] {
            var out = bytes
            out[index] = value
            return out
        }
        let structure: [Case] = [
            ("version 2", "Spec/content.md, Parsing", ["Structure"], "unsupportedVersion", refused(replaced(textBytes, at: 0, with: 0x02))),
            ("version 0", "Spec/content.md, Parsing", ["Structure"], "unsupportedVersion", refused(replaced(textBytes, at: 0, with: 0x00))),
            ("type 0x00", "Spec/content.md, Parsing", ["Structure"], "unknownType", refused(replaced(textBytes, at: 1, with: 0x00))),
            ("flags bit 1 set", "Spec/content.md, Parsing", ["Structure"], "invalidValue", refused(try encoding(type: 0x01, flags: 0x02, body: hello))),
            ("flags bit 7 set beside bit 0", "Spec/content.md, Parsing", ["Structure"], "invalidValue",
             refused(try encoding(type: 0x01, flags: 0x81, secret: accessSecret, body: hello))),
            ("a trailing byte after the body", "Spec/content.md, Parsing", ["Structure"], "trailingBytes", refused(textBytes + [0x00])),
            ("the body's lp32 length is one more than the bytes present", "Spec/content.md, Parsing", ["Structure"], "truncated",
             refused(try encoding(type: 0x01, body: hello, bodyLength: hello.count + 1))),
            ("the body's lp32 length cut in the middle", "Spec/content.md, Parsing", ["Structure"], "truncated",
             refused(Array(try encoding(type: 0x01, body: hello).prefix(29)))),
            ("the input ends inside the message id", "Spec/content.md, Parsing", ["Structure"], "truncated", refused(Array(textBytes.prefix(10)))),
            ("empty input", "Spec/content.md, Parsing", ["Structure"], "truncated", refused([])),
            ("flags bit 0 set but the access secret is cut short", "Spec/content.md, Parsing", ["Structure", "AccessSecret"], "truncated",
             refused(try encoding(type: 0x01, flags: 0x01, body: hello))),
            ("the body's lp32 length exceeds maximumBytes", "Spec/content.md, Bounds", ["Structure", "Boundary"], "lengthOutOfBounds",
             refused(try encoding(type: 0x02, body: [], bodyLength: Content.maximumBytes + 1))),
            ("a well-formed binary one byte over maximumBytes", "Spec/content.md, Bounds", ["Boundary", "ZeroFill"], "lengthOutOfBounds",
             refused(try encoding(type: 0x02, body: [3] + Array("a/b".utf8), bodyLength: Content.maximumBytes + 1 - binaryHeader + 4),
                     zeroFill: Content.maximumBytes + 1 - binaryHeader)),
        ]
        file.group("content", comment: "Encodings refused by the strict parser", structure)

        let types: [Case] = [
            ("empty text", "Spec/content.md, Text", [], "invalidValue", refused(try encoding(type: 0x01, body: []))),
            ("decryption-error report one byte short", "Spec/content.md, Decryption errors", [], "truncated",
             refused(try encoding(type: 0x07, body: Array(report.serialized().dropLast())))),
            ("decryption-error report with a trailing byte", "Spec/content.md, Decryption errors", [], "trailingBytes",
             refused(try encoding(type: 0x07, body: report.serialized() + [0]))),
            ("text of 65 537 bytes", "Spec/content.md, Text", ["Boundary", "ZeroFill"], "lengthOutOfBounds",
             refused(try encoding(type: 0x01, body: [0x61], bodyLength: ContentBody.maximumTextBytes + 1), zeroFill: ContentBody.maximumTextBytes)),
            ("invalid UTF-8: a lone continuation byte", "Spec/content.md, Text", ["InvalidUTF8"], "invalidValue", refused(try encoding(type: 0x01, body: [0x68, 0x80]))),
            ("invalid UTF-8: overlong encoding of '/'", "Spec/content.md, Text", ["InvalidUTF8"], "invalidValue", refused(try encoding(type: 0x01, body: [0xC0, 0xAF]))),
            ("invalid UTF-8: an encoded surrogate (U+D800)", "Spec/content.md, Text", ["InvalidUTF8"], "invalidValue",
             refused(try encoding(type: 0x01, body: [0xED, 0xA0, 0x80]))),
            ("invalid UTF-8: above U+10FFFF", "Spec/content.md, Text", ["InvalidUTF8"], "invalidValue", refused(try encoding(type: 0x01, body: [0xF4, 0x90, 0x80, 0x80]))),
            ("invalid UTF-8: a sequence cut at the end", "Spec/content.md, Text", ["InvalidUTF8"], "invalidValue", refused(try encoding(type: 0x01, body: [0x61, 0xE2, 0x82]))),
            ("media type with a space", "Spec/content.md, Binary", [], "invalidValue", refused(try encoding(type: 0x02, body: [9] + Array("image png".utf8) + [1, 2]))),
            ("empty media type", "Spec/content.md, Binary", [], "invalidValue", refused(try encoding(type: 0x02, body: [0, 1, 2]))),
            ("media type with a DEL byte (0x7f)", "Spec/content.md, Binary", [], "invalidValue", refused(try encoding(type: 0x02, body: [3, 0x61, 0x2F, 0x7F]))),
            ("media type with a non-ASCII byte", "Spec/content.md, Binary", [], "invalidValue",
             refused(try encoding(type: 0x02, body: [6, 0x61, 0x2F, 0x62, 0xC3, 0xA9, 0x65]))),
            ("media type of 128 bytes", "Spec/content.md, Binary", ["Boundary"], "lengthOutOfBounds",
             refused(try encoding(type: 0x02, body: [128] + [UInt8](repeating: 0x61, count: 128)))),
            ("media type length beyond the body", "Spec/content.md, Binary", ["Structure"], "truncated", refused(try encoding(type: 0x02, body: [10] + Array("image/png".utf8)))),
            ("empty binary body", "Spec/content.md, Binary", ["Structure"], "truncated", refused(try encoding(type: 0x02, body: []))),
            ("delivery receipt with n = 0", "Spec/content.md, Receipts", ["Boundary"], "invalidValue", refused(try encoding(type: 0x03, body: [0, 0]))),
            ("read receipt with n = 0", "Spec/content.md, Receipts", ["Boundary"], "invalidValue", refused(try encoding(type: 0x04, body: [0, 0]))),
            ("delivery receipt with n = 1 001 (all-zero ids)", "Spec/content.md, Receipts", ["Boundary", "ZeroFill"], "countOutOfBounds",
             refused(try encoding(type: 0x03, body: [0x03, 0xE9], bodyLength: 2 + 1_001 * 16), zeroFill: 1_001 * 16)),
            ("read receipt with a byte after its ids", "Spec/content.md, Receipts", ["Structure"], "trailingBytes",
             refused(try encoding(type: 0x04, body: [0, 1] + (try messageID("text")).rawRepresentation + [0]))),
            ("delivery receipt with n = 2 and one id", "Spec/content.md, Receipts", ["Structure"], "truncated",
             refused(try encoding(type: 0x03, body: [0, 2] + (try messageID("text")).rawRepresentation))),
            ("disappearing timer body of 3 bytes", "Spec/content.md, Disappearing timer", ["Structure"], "truncated", refused(try encoding(type: 0x06, body: [0, 0, 0x0E]))),
            ("disappearing timer body of 5 bytes", "Spec/content.md, Disappearing timer", ["Structure"], "trailingBytes",
             refused(try encoding(type: 0x06, body: [0, 0, 0x0E, 0x10, 0]))),
        ]
        file.group("content", comment: "Bodies refused by their type's rules", types)

        func transcript(of inner: [UInt8], after: [UInt8] = []) throws -> Test {
            var body = ByteWriter()
            body.raw(recipient.rawRepresentation)
            body.lp32(inner)
            body.raw(after)
            return refused(try encoding(type: 0x05, body: body.bytes))
        }
        let transcriptBytes = transcriptOfText.serialized()
        let transcripts: [Case] = [
            ("transcript of a delivery receipt", "Spec/content.md, Sync transcripts", ["Transcript"], "unknownType", try transcript(of: delivery.serialized())),
            ("transcript of a read receipt", "Spec/content.md, Sync transcripts", ["Transcript"], "unknownType", try transcript(of: read.serialized())),
            ("transcript of a transcript", "Spec/content.md, Sync transcripts", ["Transcript"], "unknownType", try transcript(of: transcriptBytes)),
            ("transcript of an unknown type", "Spec/content.md, Sync transcripts", ["Transcript", "UnknownType"], "unknownType",
             try transcript(of: unknownEmpty.serialized())),
            ("a byte after the inner content", "Spec/content.md, Sync transcripts", ["Transcript", "Structure"], "trailingBytes",
             try transcript(of: textBytes, after: [0])),
            ("the inner content has a trailing byte", "Spec/content.md, Sync transcripts", ["Transcript", "Structure"], "trailingBytes",
             try transcript(of: textBytes + [0])),
            ("the inner content is version 2", "Spec/content.md, Sync transcripts", ["Transcript", "Structure"], "unsupportedVersion",
             try transcript(of: replaced(textBytes, at: 0, with: 0x02))),
            ("the inner content is empty text", "Spec/content.md, Sync transcripts", ["Transcript"], "invalidValue",
             try transcript(of: try encoding(type: 0x01, body: []))),
            ("a transcript body of only the recipient", "Spec/content.md, Sync transcripts", ["Transcript", "Structure"], "truncated",
             refused(try encoding(type: 0x05, body: recipient.rawRepresentation))),
        ]
        file.group("content", comment: "Sync transcripts refused", transcripts)
        return file.json
    }
}
