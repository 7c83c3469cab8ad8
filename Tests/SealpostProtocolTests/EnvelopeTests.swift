import Testing
import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

@Suite("Sealed envelopes")
struct EnvelopeTests {
    @Test func aSealedMessageOpensOnlyAtItsDeviceWithAVerifiedSender() throws {
        var mail = Mail()
        let upload = try mail.aliceSends("hello Bob")
        #expect(upload.recipients.count == 1)
        let opened = try mail.bobOpens(mail.delivery(upload, to: 0), at: 0)
        #expect(String(decoding: opened.plaintext, as: UTF8.self) == "hello Bob")
        #expect(opened.sender == mail.alice.peer)
        #expect(opened.envelopeID == upload.envelopeID)
        #expect(opened.handshake != nil)
        // Later messages in the same session, both ways of the ratchet.
        let second = try mail.aliceSends("second")
        #expect(try mail.bobOpens(mail.delivery(second, to: 0), at: 0).plaintext == Array("second".utf8))
    }

    @Test func oneUploadReachesEveryDeviceWithTheSameContent() throws {
        var mail = Mail()
        let upload = try mail.aliceSends("to both of Bob's devices", to: [0, 1])
        let parsed = try EnvelopeUpload(serialized: upload.serialized())
        let envelopes = parsed.split()
        #expect(envelopes.count == 2)
        // Split envelopes look exactly like single-recipient ones: same layout, same sizes.
        let single = try mail.aliceSends("to one device", to: [0]).split()[0].envelope
        for (_, envelope) in envelopes {
            #expect(try SealedEnvelope(serialized: envelope.serialized()) == envelope)
            #expect(envelope.serialized().count == single.serialized().count + (envelope.sealedPart.count - single.sealedPart.count))
        }
        for index in 0..<2 {
            let opened = try mail.bobOpens(mail.delivery(upload, to: index), at: index)
            #expect(opened.plaintext == Array("to both of Bob's devices".utf8))
            #expect(opened.sender == mail.alice.peer)
        }
        // The content went into the upload once.
        let naive = try (0..<2).map { try mail.aliceSends("to both of Bob's devices", to: [$0]).serialized().count }.reduce(0, +)
        #expect(upload.serialized().count < naive)
    }

    @Test func theRelayViewCarriesNoPlaintextAndNoSender() throws {
        var mail = Mail()
        let text = "a secret nobody on the relay may read"
        let bytes = try mail.aliceSends(text).serialized()
        #expect(!contains(bytes, Array(text.utf8)))
        #expect(!contains(bytes, mail.alice.identity.accountID.rawRepresentation))
        #expect(!contains(bytes, mail.alice.identity.deviceKey.publicKey.rawRepresentation))
    }

    /// `Content.maximumBytes` is exactly what an envelope's content carries: the largest content
    /// seals into the largest bucket and opens back; one byte more is refused by both layers.
    @Test func theLargestContentFillsTheLargestEnvelope() throws {
        let header = 1 + 1 + MessageID.byteCount + 8 + 1 + 4 + 1 + 3  // … ‖ lp32 ‖ lp8("a/b")
        let largest = try Content(sentAt: 1, body: .binary(mediaType: "a/b", data: [UInt8](repeating: 7, count: Content.maximumBytes - header)))
        let bytes = largest.serialized()
        #expect(bytes.count == Content.maximumBytes)
        let envelopeID = EnvelopeID.random()
        let prepared = try PreparedContent(bytes, envelopeID: envelopeID)
        #expect(prepared.content.count == SealedEnvelope.maximumContentFieldBytes)
        let opened = try PreparedContent.open(prepared.content, envelopeID: envelopeID, contentKey: prepared.storedContentKey)
        #expect(try Content(serialized: opened) == largest)
        #expect(throws: EnvelopeError.self) { try PreparedContent(bytes + [0], envelopeID: .random()) }
        #expect(throws: WireError.self) { try Content(serialized: bytes + [0]) }
    }

    @Test func paddingHidesLengthsWithinABucket() throws {
        var mail = Mail()
        _ = try mail.bobOpens(mail.delivery(try mail.aliceSends("start"), to: 0), at: 0)
        let sizes = try ["", "ok", String(repeating: "x", count: 200)].map { try mail.aliceSends($0).serialized().count }
        #expect(Set(sizes).count == 1)
        // A ratchet part and a handshake part each have one size, whatever the handshake used.
        let prepared = try PreparedContent([], envelopeID: .random())
        let sent = try mail.aliceRecord(for: 0).encrypt(prepared, now: mail.now, randomness: &mail.random)
        let ratchetPart = try EnvelopePart(
            senderCertificate: mail.op.senderCertificate(for: mail.alice.identity), sessionMessage: SessionMessage.ratchet(sent.message.ratchetMessage).serialized()
        ).padded().count + ChaCha20Poly1305.tagByteCount
        var withOneTime = Mail()
        let initialPart = try withOneTime.aliceSends("hi").recipients[0].sealedPart.count
        var withoutOneTime = Mail()
        withoutOneTime.bob[0].device.prekeys = PrekeyStore()
        _ = withoutOneTime.bob[0].device.prekeys.maintain(
            now: withoutOneTime.now, identity: withoutOneTime.bob[0].identity, relayOneTimeCount: Limits.oneTimePrekeyReplenishThreshold,
            relayOneTimeKEMCount: Limits.oneTimePrekeyReplenishThreshold)
        #expect(withoutOneTime.bob[0].device.prekeys.oneTimePrekeyIDs.isEmpty)
        let lastResortPart = try withoutOneTime.aliceSends("hi").recipients[0].sealedPart.count
        #expect(initialPart == lastResortPart)
        #expect(ratchetPart < initialPart)
    }

    @Test func theWrongDeviceCannotOpen() throws {
        var mail = Mail()
        let delivery = try mail.delivery(try mail.aliceSends("for device 1 only"), to: 0)
        // Device 2 holds other envelope keys.
        #expect(throws: EnvelopeError.self) {
            try EnvelopeOpener.open(delivery, recipient: mail.bob[1].address, envelopeKeys: mail.bob[1].envelopeKeys, trust: mail.op.trust, now: mail.now)
        }
        // Even with device 1's key, HPKE's info binds the recipient address.
        #expect(throws: EnvelopeError.authenticationFailed) {
            try EnvelopeOpener.open(delivery, recipient: mail.bob[1].address, envelopeKeys: mail.bob[0].envelopeKeys, trust: mail.op.trust, now: mail.now)
        }
    }

    @Test func swappedContentAndTamperedBytesFailAuthentication() throws {
        var mail = Mail()
        let first = try mail.delivery(try mail.aliceSends("first"), to: 0).envelope
        let second = try mail.delivery(try mail.aliceSends("second"), to: 0).envelope
        let swapped = try SealedEnvelope(
            envelopeID: first.envelopeID, envelopeKeyID: first.envelopeKeyID, encapsulatedKey: first.encapsulatedKey, sealedPart: first.sealedPart,
            content: second.content)
        #expect(throws: EnvelopeError.authenticationFailed) { try mail.bobOpens(MailboxDelivery(sequence: 1, receivedAt: mail.now, envelope: swapped), at: 0) }
        let bytes = first.serialized()
        let idOffset = 1, partOffset = 1 + 16 + 4 + 32 + 2 + 10, contentOffset = bytes.count - 40
        for offset in [idOffset, partOffset, contentOffset, 1 + 16 + 4 + 3] {
            var tampered = bytes
            tampered[offset] ^= 0x20
            let envelope = try SealedEnvelope(serialized: tampered)
            #expect(throws: EnvelopeError.authenticationFailed) { try mail.bobOpens(MailboxDelivery(sequence: 1, receivedAt: mail.now, envelope: envelope), at: 0) }
        }
        #expect(try mail.bobOpens(MailboxDelivery(sequence: 1, receivedAt: mail.now, envelope: first), at: 0).plaintext == Array("first".utf8))
    }

    @Test func aCertificateForAnotherDeviceIsRejectedAfterTheInnerMessage() throws {
        var mail = Mail()
        let mallory = MailDevice(TestAccount().devices[0])
        // Mallory's certificate on Alice's session message: the session authenticates Alice.
        let upload = try mail.aliceSends("from Alice", certificate: mail.op.senderCertificate(for: mallory.identity))
        let unverified = try EnvelopeOpener.open(
            mail.delivery(upload, to: 0), recipient: mail.bob[0].address, envelopeKeys: mail.bob[0].envelopeKeys, trust: mail.op.trust, now: mail.now)
        #expect(unverified.claimedSender == mallory.address)
        // The caller looks up the claimed sender's record: there is none, and the initial message
        // is Alice's, whose handshake does not match Mallory's device list.
        #expect(throws: EnvelopeError.self) {
            try unverified.decrypt(
                record: SessionRecord(), identity: mail.bob[0].identity, prekeys: mail.bob[0].device.prekeys,
                initiatorDeviceList: TestAccount().deviceList, pinned: nil, alreadyProcessed: { _ in false }, now: mail.now, randomness: &mail.random)
        }
        // Even if a caller used the record of the device that really sent it, the mismatch with
        // the certificate is caught.
        #expect(throws: EnvelopeError.senderMismatch) {
            try unverified.decrypt(
                record: SessionRecord(), identity: mail.bob[0].identity, prekeys: mail.bob[0].device.prekeys,
                initiatorDeviceList: mail.aliceAccount.deviceList, pinned: nil, alreadyProcessed: { _ in false }, now: mail.now, randomness: &mail.random)
        }
        #expect(mail.bob[0].records.isEmpty)
    }

    @Test func aForgedPartWithAStolenCertificateChangesNoSession() throws {
        var mail = Mail()
        _ = try mail.bobOpens(mail.delivery(try mail.aliceSends("hello"), to: 0), at: 0)
        let before = mail.bob[0].records[mail.alice.address]!.serialized()
        // Mallory knows Bob's envelope key and Alice's certificate, and makes up a session message.
        var forger = Mail()
        forger.bob = mail.bob
        forger.bobAccount = mail.bobAccount
        forger.alice = MailDevice(TestAccount().devices[0])
        let forged = try forger.aliceSends("forged", certificate: mail.op.senderCertificate(for: mail.alice.identity))
        #expect(throws: EnvelopeError.self) { try mail.bobOpens(mail.delivery(forged, to: 0), at: 0) }
        #expect(mail.bob[0].records[mail.alice.address]!.serialized().constantTimeEquals(before))
        #expect(try mail.bobOpens(mail.delivery(try mail.aliceSends("still works"), to: 0), at: 0).plaintext == Array("still works".utf8))
    }

    @Test func reusingAnEnvelopeIDCannotSuppressAMessage() throws {
        var mail = Mail()
        let id = EnvelopeID.random()
        // Mallory, another contact of Bob, sends first under the id Alice will use.
        var mallory = Mail()
        mallory.bob = mail.bob
        mallory.bobAccount = mail.bobAccount
        mallory.op = mail.op
        let first = try mallory.bobOpens(mallory.delivery(try mallory.aliceSends("squat", envelopeID: id), to: 0), at: 0)
        #expect(!first.isRepeat)
        mail.bob[0].processed = mallory.bob[0].processed
        let real = try mail.bobOpens(mail.delivery(try mail.aliceSends("real", envelopeID: id), to: 0), at: 0)
        #expect(!real.isRepeat)
        #expect(real.plaintext == Array("real".utf8))
        #expect(mail.bob[0].processed.count == 2)
    }

    /// After a session reset a sender resends a logged message in a new ratchet message under the
    /// same envelope id: the receiver commits the session but does not show it twice.
    @Test func aResentMessageIsARepeatNotANewMessage() throws {
        var mail = Mail()
        let id = EnvelopeID.random()
        #expect(try mail.bobOpens(mail.delivery(try mail.aliceSends("logged", envelopeID: id), to: 0), at: 0).plaintext == Array("logged".utf8))
        let again = try mail.bobOpens(mail.delivery(try mail.aliceSends("logged", envelopeID: id), to: 0), at: 0)
        #expect(again.isRepeat && again.plaintext.isEmpty)
        #expect(try mail.bobOpens(mail.delivery(try mail.aliceSends("next"), to: 0), at: 0).plaintext == Array("next".utf8))
    }

    @Test func aResealedRetryIsADuplicateForTheRatchet() throws {
        var mail = Mail()
        let id = EnvelopeID.random()
        let prepared = try PreparedContent(Array("once".utf8), envelopeID: id)
        let sent = try mail.aliceRecord(for: 0).encrypt(prepared, now: mail.now, randomness: &mail.random)
        let recipient = try EnvelopeRecipient(peer: mail.bob[0].peer, envelopeKey: mail.bob[0].currentEnvelopeKey, fetchedAt: mail.now, access: .none, now: mail.now)
        // The first attempt's response was lost; the retry re-seals the stored message with a
        // fresh certificate under the same id.
        let attempt1 = try EnvelopeSealer.seal(prepared, messages: [(recipient, sent.message)], certificate: mail.op.senderCertificate(for: mail.alice.identity))
        let attempt2 = try EnvelopeSealer.seal(
            prepared, messages: [(recipient, sent.message)], certificate: mail.op.senderCertificate(for: mail.alice.identity, expires: mail.now + 3_600))
        #expect(attempt1.serialized() != attempt2.serialized())
        #expect(try mail.bobOpens(mail.delivery(attempt1, to: 0), at: 0).plaintext == Array("once".utf8))
        #expect(throws: EnvelopeError.session(.duplicate)) { try mail.bobOpens(mail.delivery(attempt2, to: 0), at: 0) }
    }

    @Test func badPaddingInsideTheAEADIsItsOwnError() throws {
        var mail = Mail()
        let prepared = try PreparedContent(Array("x".utf8), envelopeID: .random())
        let sent = try mail.aliceRecord(for: 0).encrypt(prepared, now: mail.now, randomness: &mail.random)
        let key = mail.bob[0].currentEnvelopeKey
        let part = try EnvelopePart(senderCertificate: mail.op.senderCertificate(for: mail.alice.identity), sessionMessage: sent.message.serialized())
        for badPadding in [Array(part.padded().dropLast()) + [0x01], part.padded() + [UInt8](repeating: 0, count: 128)] {
            var sender = try HPKE.Sender(recipientKey: key.key, info: EnvelopeSealer.info(mail.bob[0].address, keyID: key.id))
            let sealed = try sender.seal(badPadding, authenticating: EnvelopeSealer.associatedData(prepared.envelopeID, contentHash: prepared.contentHash))
            let envelope = try SealedEnvelope(
                envelopeID: prepared.envelopeID, envelopeKeyID: key.id, encapsulatedKey: sender.encapsulatedKey, sealedPart: sealed, content: prepared.content)
            #expect(throws: EnvelopeError.invalidPadding("part")) { try mail.bobOpens(MailboxDelivery(sequence: 1, receivedAt: mail.now, envelope: envelope), at: 0) }
        }
    }

    @Test func contentIsCommittedToItsKey() throws {
        let id = EnvelopeID.random()
        let prepared = try PreparedContent(Array("committed".utf8), envelopeID: id)
        #expect(try PreparedContent.open(prepared.content, envelopeID: id, contentKey: prepared.contentKey) == Array("committed".utf8))
        #expect(throws: EnvelopeError.authenticationFailed) { try PreparedContent.open(prepared.content, envelopeID: id, contentKey: .random(count: 32)) }
        #expect(throws: EnvelopeError.authenticationFailed) { try PreparedContent.open(prepared.content, envelopeID: .random(), contentKey: prepared.contentKey) }
        var flipped = prepared.content
        flipped[3] ^= 1
        #expect(throws: EnvelopeError.authenticationFailed) { try PreparedContent.open(flipped, envelopeID: id, contentKey: prepared.contentKey) }
        #expect(throws: EnvelopeError.self) { try PreparedContent([UInt8](repeating: 0, count: EnvelopePadding.maximumContentBytes + 1), envelopeID: id) }
        // An outbox restores the stored content without encrypting again; a wrong key is refused.
        let restored = try PreparedContent(restoring: id, content: prepared.content, contentKey: prepared.storedContentKey)
        #expect(restored.content == prepared.content && restored.contentHash == prepared.contentHash)
        #expect(throws: EnvelopeError.authenticationFailed) { try PreparedContent(restoring: id, content: prepared.content, contentKey: .random(count: 32)) }
        let largest = try PreparedContent([UInt8](repeating: 7, count: EnvelopePadding.maximumContentBytes), envelopeID: id)
        #expect(largest.content.count == SealedEnvelope.maximumContentFieldBytes)
    }

    @Test func accessKeysAreDerivedPerAccountAndCheckedAgainstAHash() throws {
        let secret = DeliveryAccessSecret.generate()
        let account = AccountID.random()
        let key = try secret.accessKey(for: account)
        let verifier = key.verifier
        #expect(verifier.admits(key))
        #expect(verifier.admits(try DeliveryAccessSecret(secret.rawRepresentation).accessKey(for: account)))
        #expect(try !verifier.admits(secret.accessKey(for: .random())))
        // Blocking someone: a new secret, a new verifier; the old key stops working.
        let rotated = DeliveryAccessSecret.generate()
        #expect(try !rotated.accessKey(for: account).verifier.admits(key))
        #expect("\(key)" == "DeliveryAccessKey(redacted)" && "\(secret)" == "DeliveryAccessSecret(redacted)")
        // Each entry of a multi-recipient upload carries its own proof.
        var mail = Mail()
        let upload = try EnvelopeUpload(serialized: try mail.aliceSends("x", to: [0, 1]).serialized())
        let stored = try mail.bobAccessSecret.accessKey(for: mail.bobAccount.accountID).verifier  // what the relay keeps for Bob
        for entry in upload.recipients {
            guard case .key(let shown) = entry.access else { Issue.record("no access key"); continue }
            #expect(stored.admits(shown))
            #expect(try !DeliveryAccessSecret.generate().accessKey(for: mail.bobAccount.accountID).verifier.admits(shown))
        }
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
}
