import Testing
import SealpostCrypto
import SealpostWire

@Suite("Message content")
struct ContentTests {
    let secretBytes = [UInt8](repeating: 0xA7, count: 32)
    var secret: SecretBytes { SecretBytes(copying: secretBytes) }
    let sentAt: UInt64 = 1_767_225_600_000

    func id(_ byte: UInt8) -> MessageID {
        // 16 bytes: cannot fail.
        (try? MessageID(rawRepresentation: [UInt8](repeating: byte, count: 16))) ?? .random()
    }

    /// Serializes, parses, re-serializes: same bytes, equal value.
    @discardableResult
    func roundTrip(_ content: Content, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let bytes = content.serialized()
        #expect(bytes.count == content.encodedCount, sourceLocation: sourceLocation)
        let parsed = try Content(serialized: bytes)
        #expect(parsed == content, sourceLocation: sourceLocation)
        #expect(parsed.hashValue == content.hashValue, sourceLocation: sourceLocation)
        #expect(parsed.serialized() == bytes, sourceLocation: sourceLocation)
        return bytes
    }

    func expectRejected(_ bytes: [UInt8], _ code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: WireError.self, sourceLocation: sourceLocation) { try Content(serialized: bytes) }
        #expect(error?.code == code, "\(error.map { "\($0)" } ?? "accepted")", sourceLocation: sourceLocation)
    }

    /// `version ‖ type ‖ id ‖ sent at ‖ flags ‖ [secret] ‖ lp32(body)` assembled by hand.
    func encode(
        version: UInt8 = 1, type: UInt8, id: MessageID? = nil, sentAt: UInt64? = nil, flags: UInt8 = 0, secret: [UInt8] = [], body: [UInt8], bodyLength: UInt32? = nil
    ) -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(version)
        writer.u8(type)
        writer.raw((id ?? self.id(1)).rawRepresentation)
        writer.u64(sentAt ?? self.sentAt)
        writer.u8(flags)
        writer.raw(secret)
        writer.u32(bodyLength ?? UInt32(body.count))
        writer.raw(body)
        return writer.bytes
    }

    @Test func messageIDsAreSixteenBytesAndPrintAsHex() throws {
        #expect(throws: WireError.self) { try MessageID(rawRepresentation: [1, 2, 3]) }
        #expect(throws: WireError.self) { try MessageID(rawRepresentation: [UInt8](repeating: 0, count: 17)) }
        let id = try MessageID(rawRepresentation: Array(0..<16))
        #expect(id.description == "000102030405060708090a0b0c0d0e0f")
        #expect(id < self.id(0xFF))
        #expect(MessageID.random() != MessageID.random())
    }

    @Test func everyTypeRoundTrips() throws {
        let recipient = try AccountID(rawRepresentation: [UInt8](repeating: 0x42, count: 16))
        let inner = try Content(messageID: id(9), sentAt: sentAt - 5, accessSecret: secret, body: .text("sent from my laptop"))
        let bodies: [ContentBody] = [
            .text("hi"),
            .text("Grüße 👋 — \u{0}\r\n"),
            .text(String(repeating: "x", count: ContentBody.maximumTextBytes)),
            .binary(mediaType: "image/png", data: [0x89, 0x50, 0x4E, 0x47]),
            .binary(mediaType: "application/octet-stream", data: []),
            .binary(mediaType: String(repeating: "a", count: ContentBody.maximumMediaTypeBytes), data: [1]),
            .deliveryReceipt([id(1)]),
            .readReceipt([id(1), id(2), id(3)]),
            .deliveryReceipt((0..<1_000).map { _ in MessageID.random() }),
            .syncTranscript(try SyncTranscript(recipient: recipient, content: inner)),
            .syncTranscript(try SyncTranscript(recipient: recipient, content: try Content(sentAt: 1, body: .binary(mediaType: "audio/ogg", data: [7])))),
            .syncTranscript(try SyncTranscript(recipient: recipient, content: try Content(sentAt: 1, body: .disappearingTimer(seconds: 60)))),
            .disappearingTimer(seconds: 0),
            .disappearingTimer(seconds: .max),
            .unknown(type: 0x08, body: []),
            .unknown(type: 0xFF, body: [1, 2, 3]),
        ]
        for body in bodies {
            try roundTrip(try Content(messageID: id(3), sentAt: sentAt, body: body))
            try roundTrip(try Content(sentAt: .max, accessSecret: secret, body: body))
        }
    }

    @Test func theEncodingIsTheSpecifiedLayout() throws {
        let content = try Content(messageID: id(0x11), sentAt: 0x0102_0304_0506_0708, accessSecret: secret, body: .disappearingTimer(seconds: 604_800))
        let expected: [UInt8] = [0x01, 0x06] + [UInt8](repeating: 0x11, count: 16) + [1, 2, 3, 4, 5, 6, 7, 8] + [0x01] + secretBytes
            + [0, 0, 0, 4] + [0x00, 0x09, 0x3A, 0x80]
        #expect(content.serialized() == expected)
        let receipt = try Content(messageID: id(0x11), sentAt: 0, body: .readReceipt([id(0x22), id(0x33)]))
        #expect(receipt.serialized() == encode(type: 0x04, id: id(0x11), sentAt: 0, body: [0, 2] + id(0x22).rawRepresentation + id(0x33).rawRepresentation))
        let binary = try Content(messageID: id(0x11), sentAt: sentAt, body: .binary(mediaType: "a/b", data: [9, 9]))
        #expect(binary.serialized() == encode(type: 0x02, id: id(0x11), body: [3, 0x61, 0x2F, 0x62, 9, 9]))
        let recipient = try AccountID(rawRepresentation: [UInt8](repeating: 0x42, count: 16))
        let inner = try Content(messageID: id(0x55), sentAt: sentAt, body: .text("a"))
        let transcript = try Content(messageID: id(0x11), sentAt: sentAt, body: .syncTranscript(try SyncTranscript(recipient: recipient, content: inner)))
        let innerBytes = inner.serialized()
        #expect(transcript.serialized() == encode(type: 0x05, id: id(0x11), body: recipient.rawRepresentation + [0, 0, 0, UInt8(innerBytes.count)] + innerBytes))
    }

    @Test func contentIsBoundedByWhatAnEnvelopeCarries() throws {
        #expect(Content.maximumBytes == EnvelopePadding.maximumContentBytes)
        #expect(Content.maximumBytes == 1_048_575)
        // A binary content of exactly the maximum, and one byte more.
        let header = 1 + 1 + 16 + 8 + 1 + 4 + 1 + 3  // … ‖ lp8("a/b")
        let fits = try Content(messageID: id(1), sentAt: sentAt, body: .binary(mediaType: "a/b", data: [UInt8](repeating: 0, count: Content.maximumBytes - header)))
        #expect(try roundTrip(fits).count == Content.maximumBytes)
        let error = #expect(throws: WireError.self) {
            try Content(sentAt: sentAt, body: .binary(mediaType: "a/b", data: [UInt8](repeating: 0, count: Content.maximumBytes - header + 1)))
        }
        #expect(error == .lengthOutOfBounds(field: "content", maximum: Content.maximumBytes, got: Content.maximumBytes + 1))
        var over = fits.serialized()
        over.append(0)
        expectRejected(over, "lengthOutOfBounds")
        // With an access secret, 32 bytes less fit.
        #expect(throws: WireError.self) { try Content(sentAt: sentAt, accessSecret: secret, body: fits.body) }
        // A transcript adds its own header to the inner content's.
        let inner = try Content(sentAt: sentAt, body: .binary(mediaType: "a/b", data: [UInt8](repeating: 0, count: Content.maximumBytes - header - 40)))
        let transcript = try SyncTranscript(recipient: .random(), content: inner)
        #expect(throws: WireError.self) { try Content(sentAt: sentAt, body: .syncTranscript(transcript)) }
    }

    @Test func constructionEnforcesTheParserRules() throws {
        func rejected(_ body: ContentBody, _ code: String, accessSecret: SecretBytes? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: WireError.self, sourceLocation: sourceLocation) { try Content(sentAt: 1, accessSecret: accessSecret, body: body) }
            #expect(error?.code == code, sourceLocation: sourceLocation)
        }
        rejected(.text(""), "invalidValue")
        rejected(.text(String(repeating: "x", count: ContentBody.maximumTextBytes + 1)), "lengthOutOfBounds")
        rejected(.binary(mediaType: "", data: [1]), "invalidValue")
        rejected(.binary(mediaType: "image/png; q=1", data: []), "invalidValue")
        rejected(.binary(mediaType: "bild/größe", data: []), "invalidValue")
        rejected(.binary(mediaType: String(repeating: "a", count: 128), data: []), "lengthOutOfBounds")
        rejected(.deliveryReceipt([]), "invalidValue")
        rejected(.readReceipt((0...1_000).map { _ in MessageID.random() }), "countOutOfBounds")
        rejected(.unknown(type: 0, body: []), "unknownType")
        for type: UInt8 in 1...6 { rejected(.unknown(type: type, body: []), "invalidValue") }
        rejected(.text("hi"), "invalidValue", accessSecret: SecretBytes(copying: [1, 2, 3]))
        let receipt = try Content(sentAt: 1, body: .deliveryReceipt([id(1)]))
        let transcriptError = #expect(throws: WireError.self) { try SyncTranscript(recipient: .random(), content: receipt) }
        #expect(transcriptError == .unknownType(field: "transcript content type", type: 0x03))
        let text = try Content(sentAt: 1, body: .text("a"))
        let transcript = try Content(sentAt: 1, body: .syncTranscript(try SyncTranscript(recipient: .random(), content: text)))
        #expect(throws: WireError.unknownType(field: "transcript content type", type: 0x05)) { try SyncTranscript(recipient: .random(), content: transcript) }
        let unknown = try Content(sentAt: 1, body: .unknown(type: 0x40, body: [1]))
        #expect(throws: WireError.unknownType(field: "transcript content type", type: 0x40)) { try SyncTranscript(recipient: .random(), content: unknown) }
    }

    @Test func malformedEncodingsAreRejectedWithTheirCodes() throws {
        let text = encode(type: 0x01, body: Array("hello".utf8))
        #expect(try Content(serialized: text).body == .text("hello"))
        var version = text
        version[0] = 0x02
        expectRejected(version, "unsupportedVersion")
        var typeZero = text
        typeZero[1] = 0x00
        expectRejected(typeZero, "unknownType")
        for bit in 1..<8 {
            expectRejected(encode(type: 0x01, flags: UInt8(1) << bit, body: Array("hello".utf8)), "invalidValue")
        }
        expectRejected(text + [0], "trailingBytes")
        expectRejected(encode(type: 0x01, body: Array("hello".utf8), bodyLength: 6), "truncated")
        expectRejected(encode(type: 0x01, body: [], bodyLength: UInt32(Content.maximumBytes + 1)), "lengthOutOfBounds")
        expectRejected(encode(type: 0x01, flags: 1, secret: Array(secretBytes.prefix(31)), body: []).prefix(27 + 31).map { $0 }, "truncated")
        for length in 0..<text.count { expectRejected(Array(text.prefix(length)), "truncated") }
        // Text.
        expectRejected(encode(type: 0x01, body: []), "invalidValue")
        for invalid: [UInt8] in [[0xC3, 0x28], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x61, 0xE2, 0x82]] {
            expectRejected(encode(type: 0x01, body: invalid), "invalidValue")
        }
        expectRejected(encode(type: 0x01, body: [UInt8](repeating: 0x61, count: ContentBody.maximumTextBytes + 1)), "lengthOutOfBounds")
        // Binary.
        expectRejected(encode(type: 0x02, body: [9] + Array("image png".utf8)), "invalidValue")
        expectRejected(encode(type: 0x02, body: [0, 1, 2]), "invalidValue")
        expectRejected(encode(type: 0x02, body: [0x80] + [UInt8](repeating: 0x61, count: 128)), "lengthOutOfBounds")
        expectRejected(encode(type: 0x02, body: [10] + Array("image/png".utf8)), "truncated")
        expectRejected(encode(type: 0x02, body: []), "truncated")
        // Receipts.
        for type: UInt8 in [0x03, 0x04] {
            expectRejected(encode(type: type, body: [0, 0]), "invalidValue")
            expectRejected(encode(type: type, body: [0x03, 0xE9] + [UInt8](repeating: 0, count: 1_001 * 16)), "countOutOfBounds")
            expectRejected(encode(type: type, body: [0, 1] + id(1).rawRepresentation + [0]), "trailingBytes")
            expectRejected(encode(type: type, body: [0, 2] + id(1).rawRepresentation), "truncated")
            expectRejected(encode(type: type, body: [0]), "truncated")
        }
        // Timer.
        expectRejected(encode(type: 0x06, body: [0, 0, 1]), "truncated")
        expectRejected(encode(type: 0x06, body: [0, 0, 0, 1, 0]), "trailingBytes")
    }

    @Test func transcriptsCarryOnlyWhatAUserWrites() throws {
        let recipient = AccountID.random()
        func transcript(of inner: [UInt8], trailing: [UInt8] = []) -> [UInt8] {
            var body = ByteWriter()
            body.raw(recipient.rawRepresentation)
            body.lp32(inner)
            body.raw(trailing)
            return encode(type: 0x05, body: body.bytes)
        }
        let text = encode(type: 0x01, body: Array("hi".utf8))
        guard case .syncTranscript(let parsed) = try Content(serialized: transcript(of: text)).body else {
            Issue.record("not a transcript")
            return
        }
        #expect(parsed.recipient == recipient)
        #expect(parsed.content.serialized() == text)
        expectRejected(transcript(of: encode(type: 0x03, body: [0, 1] + id(1).rawRepresentation)), "unknownType")
        expectRejected(transcript(of: encode(type: 0x04, body: [0, 1] + id(1).rawRepresentation)), "unknownType")
        expectRejected(transcript(of: transcript(of: text)), "unknownType")
        expectRejected(transcript(of: encode(type: 0x09, body: [1])), "unknownType")
        expectRejected(transcript(of: text, trailing: [0]), "trailingBytes")
        expectRejected(transcript(of: text + [0]), "trailingBytes")
        expectRejected(transcript(of: encode(version: 2, type: 0x01, body: Array("hi".utf8))), "unsupportedVersion")
        expectRejected(encode(type: 0x05, body: recipient.rawRepresentation), "truncated")
        // A deep nest is refused at its first inner type byte, without recursing.
        var nested = text
        for _ in 0..<1_000 { nested = transcript(of: nested) }
        expectRejected(nested, "unknownType")
    }

    @Test func unknownTypesAreKept() throws {
        for type: UInt8 in [0x08, 0x2A, 0xFF] {
            let bytes = encode(type: type, flags: 1, secret: secretBytes, body: [0xDE, 0xAD])
            let content = try Content(serialized: bytes)
            #expect(content.body == .unknown(type: type, body: [0xDE, 0xAD]))
            #expect(content.body.typeByte == type)
            #expect(content.accessSecret?.constantTimeEquals(secretBytes) == true)
            #expect(content.serialized() == bytes)
        }
    }

    @Test func equalityFollowsTheEncoding() throws {
        let a = try Content(messageID: id(1), sentAt: 5, accessSecret: secret, body: .text("caf\u{E9}"))
        #expect(a == (try Content(messageID: id(1), sentAt: 5, accessSecret: SecretBytes(copying: secretBytes), body: .text("caf\u{E9}"))))
        #expect(a != (try Content(messageID: id(1), sentAt: 5, accessSecret: nil, body: .text("caf\u{E9}"))))
        #expect(a != (try Content(messageID: id(1), sentAt: 5, accessSecret: SecretBytes(copying: [UInt8](repeating: 1, count: 32)), body: .text("caf\u{E9}"))))
        #expect(a != (try Content(messageID: id(2), sentAt: 5, accessSecret: secret, body: .text("caf\u{E9}"))))
        #expect(a != (try Content(messageID: id(1), sentAt: 6, accessSecret: secret, body: .text("caf\u{E9}"))))
        // Canonically equivalent Swift strings with different bytes are different texts.
        let decomposed = try Content(messageID: id(1), sentAt: 5, accessSecret: secret, body: .text("cafe\u{301}"))
        #expect(a != decomposed)
        #expect(a.serialized() != decomposed.serialized())
        #expect(ContentBody.text("caf\u{E9}") != .text("cafe\u{301}"))
        #expect(Set([a, decomposed]).count == 2)
        #expect(ContentBody.deliveryReceipt([id(1)]) != .readReceipt([id(1)]))
    }

    @Test func descriptionsNeverShowTheAccessSecretOrTheText() throws {
        let hex = Hex.encode(secretBytes)
        let inner = try Content(messageID: id(2), sentAt: 1, accessSecret: secret, body: .text("the secret plan"))
        let contents = [
            inner,
            try Content(sentAt: 1, accessSecret: secret, body: .syncTranscript(try SyncTranscript(recipient: .random(), content: inner))),
            try Content(sentAt: 1, accessSecret: secret, body: .binary(mediaType: "text/plain", data: Array("the secret plan".utf8))),
            try Content(sentAt: 1, accessSecret: secret, body: .unknown(type: 0x30, body: secretBytes)),
        ]
        for content in contents {
            var dumped = ""
            dump(content, to: &dumped)
            for text in [content.description, content.debugDescription, String(describing: content), String(reflecting: content), "\(content)", dumped, "\(content.body)", String(reflecting: content.body)] {
                #expect(!text.contains(hex))
                #expect(!text.contains("a7a7a7a7"))
                #expect(!text.lowercased().contains("secret plan"))
                #expect(!text.contains("167, 167"))
            }
            #expect(content.description.contains("access secret attached"))
        }
    }
}
