import Testing
import SealpostCrypto
import SealpostWire

@Suite("Envelope formats")
struct EnvelopeFormatTests {
    let root = Ed25519.PrivateKey.generate()
    let server = Ed25519.PrivateKey.generate()
    let device = Ed25519.PrivateKey.generate()
    let accountID = AccountID.random()

    func senderCertificate() throws -> SenderCertificate {
        SenderCertificate.issue(serverKey: server, serverKeyID: 5, accountID: accountID, deviceID: try DeviceID(2), deviceKey: device.publicKey, expires: 1_800_000_000)
    }

    func envelope(contentBytes: Int = 1_024) throws -> SealedEnvelope {
        let content = [UInt8](repeating: 0xC3, count: 32 + EnvelopePadding.contentBucket(forPaddedLength: contentBytes + 1) + 16)
        return try SealedEnvelope(
            envelopeID: .random(), envelopeKeyID: 9, encapsulatedKey: [UInt8](repeating: 9, count: 32),
            sealedPart: [UInt8](repeating: 1, count: 384 + 16), content: content)
    }

    /// Every prefix fails as truncated, every extra byte as trailing, and the version is checked.
    func expectStrict(_ bytes: [UInt8], stride step: Int = 1, parse: ([UInt8]) throws -> Void) {
        for length in Swift.stride(from: 0, to: bytes.count, by: step) {
            #expect(throws: WireError.self) { try parse(Array(bytes.prefix(length))) }
        }
        #expect(throws: WireError.self) { try parse(bytes + [0]) }
        var version = bytes
        version[0] = 2
        let error = #expect(throws: WireError.self) { try parse(version) }
        #expect(error?.code == "unsupportedVersion")
    }

    @Test func certificatesRoundTripVerifyAndRejectMalformedInput() throws {
        let serverCertificate = try ServerCertificate.issue(rootKey: root, keyID: 5, serverKey: server.publicKey, notBefore: 10, notAfter: 20)
        #expect(serverCertificate.serialized().count == ServerCertificate.byteCount)
        let parsedServer = try ServerCertificate(serialized: serverCertificate.serialized())
        #expect(parsedServer == serverCertificate)
        try parsedServer.verify(rootKey: root.publicKey)
        #expect(throws: WireError.authenticationFailed) { try parsedServer.verify(rootKey: server.publicKey) }
        #expect(throws: WireError.self) { try ServerCertificate.issue(rootKey: root, keyID: 5, serverKey: server.publicKey, notBefore: 21, notAfter: 20) }
        expectStrict(serverCertificate.serialized()) { _ = try ServerCertificate(serialized: $0) }

        let sender = try senderCertificate()
        #expect(sender.serialized().count == SenderCertificate.byteCount)
        let parsed = try SenderCertificate(serialized: sender.serialized())
        #expect(parsed == sender)
        try parsed.verify(serverKey: server.publicKey)
        expectStrict(sender.serialized()) { _ = try SenderCertificate(serialized: $0) }
        // Every bit of a sender certificate is covered by its signature or its parser.
        let bytes = sender.serialized()
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x04
            do {
                try SenderCertificate(serialized: tampered).verify(serverKey: server.publicKey)
                Issue.record("flip at \(index) accepted")
            } catch {}
        }
    }

    @Test func signaturesAreDomainSeparated() throws {
        // A server certificate's signature does not verify as a sender certificate's, and the
        // envelope key's signature binds its device.
        let key = SignedEnvelopeKey.sign(id: 1, createdAt: 2, key: X25519.PrivateKey.generate().publicKey, accountID: accountID, deviceID: try DeviceID(1), deviceKey: device)
        try key.verify(accountID: accountID, deviceID: try DeviceID(1), deviceKey: device.publicKey)
        #expect(throws: WireError.authenticationFailed) { try key.verify(accountID: accountID, deviceID: try DeviceID(2), deviceKey: device.publicKey) }
        #expect(throws: WireError.authenticationFailed) { try key.verify(accountID: .random(), deviceID: try DeviceID(1), deviceKey: device.publicKey) }
        #expect(try SignedEnvelopeKey(serialized: key.serialized()) == key)
        #expect(key.serialized().count == SignedEnvelopeKey.byteCount)
        expectStrict(key.serialized()) { _ = try SignedEnvelopeKey(serialized: $0) }
    }

    @Test func revocationListsAreCanonical() throws {
        let list = try ServerKeyRevocationList.sign(rootKey: root, sequence: 4, issuedAt: 99, revokedKeyIDs: [9, 2, 5])
        #expect(list.revokes(5) && !list.revokes(4))
        let parsed = try ServerKeyRevocationList(serialized: list.serialized())
        #expect(parsed == list)
        try parsed.verify(rootKey: root.publicKey)
        expectStrict(list.serialized()) { _ = try ServerKeyRevocationList(serialized: $0) }
        // Ids out of order, or repeated, have no encoding.
        var unordered = list.serialized()
        let first = 1 + 8 + 8 + 2
        unordered.swapAt(first + 3, first + 7)
        #expect(throws: WireError.self) { try ServerKeyRevocationList(serialized: unordered) }
        var tooMany = [UInt8(1)] + [UInt8](repeating: 0, count: 16)
        tooMany += [0xFF, 0xFF]
        #expect(throws: WireError.countOutOfBounds(field: "revoked server keys", maximum: ServerKeyRevocationList.maximumRevokedKeys, got: 65_535)) {
            try ServerKeyRevocationList(serialized: tooMany)
        }
    }

    @Test func envelopesAndDeliveriesAreStrict() throws {
        let envelope = try envelope()
        #expect(try SealedEnvelope(serialized: envelope.serialized()) == envelope)
        expectStrict(envelope.serialized(), stride: 7) { _ = try SealedEnvelope(serialized: $0) }
        let delivery = MailboxDelivery(sequence: 12, receivedAt: 34, envelope: envelope)
        #expect(try MailboxDelivery(serialized: delivery.serialized()) == delivery)
        expectStrict(delivery.serialized(), stride: 11) { _ = try MailboxDelivery(serialized: $0) }
        // Sizes that are not padded sizes are refused before anything is decrypted.
        for partBytes in [0, 15, 16, 100 + 16, 384 + 15, EnvelopePadding.maximumPartBucket + 128 + 16] {
            #expect(throws: WireError.self) {
                try SealedEnvelope(
                    envelopeID: envelope.envelopeID, envelopeKeyID: 1, encapsulatedKey: envelope.encapsulatedKey,
                    sealedPart: [UInt8](repeating: 0, count: partBytes), content: envelope.content)
            }
        }
        for contentBytes in [0, 47, 48 + 255, 48 + 257, 48 + 1_025] {
            #expect(throws: WireError.self) {
                try SealedEnvelope(
                    envelopeID: envelope.envelopeID, envelopeKeyID: 1, encapsulatedKey: envelope.encapsulatedKey, sealedPart: envelope.sealedPart,
                    content: [UInt8](repeating: 0, count: contentBytes))
            }
        }
        // A length prefix past the bound is refused before reading.
        var huge = envelope.serialized()
        let contentLengthOffset = 1 + 16 + 4 + 32 + 2 + envelope.sealedPart.count
        huge.replaceSubrange(contentLengthOffset..<(contentLengthOffset + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.lengthOutOfBounds(field: "content", maximum: SealedEnvelope.maximumContentFieldBytes, got: Int(UInt32.max))) {
            try SealedEnvelope(serialized: huge)
        }
    }

    @Test func uploadsSplitIntoSingleRecipientEnvelopes() throws {
        let envelope = try envelope()
        let secret = SecretBytes.random(count: 16)
        let recipients = try (1...3).map { index in
            try EnvelopeUpload.Recipient(
                accountID: accountID, deviceID: try DeviceID(UInt32(index)), access: index == 2 ? .none : .key(try DeliveryAccessKey(secret)),
                envelopeKeyID: UInt32(index), encapsulatedKey: [UInt8](repeating: UInt8(index), count: 32), sealedPart: envelope.sealedPart)
        }
        let upload = try EnvelopeUpload(envelopeID: envelope.envelopeID, content: envelope.content, recipients: recipients)
        let parsed = try EnvelopeUpload(serialized: upload.serialized())
        #expect(parsed.serialized() == upload.serialized())
        let split = parsed.split()
        #expect(split.map(\.recipient.deviceID.value) == [1, 2, 3])
        for (recipient, single) in split {
            #expect(single.content == envelope.content && single.envelopeKeyID == recipient.envelopeKeyID)
            #expect(try SealedEnvelope(serialized: single.serialized()) == single)
        }
        expectStrict(upload.serialized(), stride: 13) { _ = try EnvelopeUpload(serialized: $0) }
        #expect(throws: WireError.self) { try EnvelopeUpload(envelopeID: envelope.envelopeID, content: envelope.content, recipients: []) }
        #expect(throws: WireError.self) { try EnvelopeUpload(envelopeID: envelope.envelopeID, content: envelope.content, recipients: [recipients[0], recipients[0]]) }
        var badAccess = upload.serialized()
        badAccess[1 + 16 + 4 + envelope.content.count + 2 + 16 + 4] = 7
        #expect(throws: WireError.unknownType(field: "delivery access", type: 7)) { try EnvelopeUpload(serialized: badAccess) }
    }

    @Test func paddingBucketsAndStrictUnpadding() throws {
        #expect(EnvelopePadding.contentBucket(forPaddedLength: 1) == 256)
        #expect(EnvelopePadding.contentBucket(forPaddedLength: 256) == 256)
        #expect(EnvelopePadding.contentBucket(forPaddedLength: 257) == 272)
        #expect(EnvelopePadding.contentBucket(forPaddedLength: 1_025) == 1_088)
        #expect(EnvelopePadding.contentBucket(forPaddedLength: 65_537) == 67_584)
        #expect(EnvelopePadding.contentBucket(forPaddedLength: EnvelopePadding.maximumContentBucket) == EnvelopePadding.maximumContentBucket)
        // Padmé's bound: never more than 12 % above the length; buckets are fixed points.
        for length in Swift.stride(from: 257, through: EnvelopePadding.maximumContentBucket, by: 997) {
            let bucket = EnvelopePadding.contentBucket(forPaddedLength: length)
            #expect(bucket >= length && Double(bucket) <= Double(length) * 1.12)
            #expect(EnvelopePadding.isContentBucket(bucket))
        }
        #expect(EnvelopePadding.partBucket(forPaddedLength: 297) == 384)
        #expect(try EnvelopePadding.unpad([1, 2, 0x80, 0, 0], field: "x") == [1, 2])
        #expect(try EnvelopePadding.unpad([0x80], field: "x") == [])
        for bad: [UInt8] in [[], [0, 0], [1, 2, 0x81, 0], [1, 2, 3]] {
            #expect(throws: WireError.self) { try EnvelopePadding.unpad(bad, field: "x") }
        }
    }

    @Test func accessVerifiersCompareByHash() throws {
        let key = try DeliveryAccessKey(.random(count: 16))
        let verifier = try DeliveryAccessVerifier(rawRepresentation: key.verifier.rawRepresentation)
        #expect(verifier.admits(key))
        #expect(!verifier.admits(try DeliveryAccessKey(.random(count: 16))))
        #expect(throws: WireError.self) { try DeliveryAccessKey(.random(count: 15)) }
        #expect(throws: WireError.self) { try DeliveryAccessVerifier(rawRepresentation: [1]) }
        #expect("\(key)" == "DeliveryAccessKey(redacted)")
    }
}
