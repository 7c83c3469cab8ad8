import Testing
import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

@Suite("Envelope keys")
struct EnvelopeKeyStoreTests {
    /// The timeline: an envelope sealed on day 0, delivered 29 days later after the device
    /// rotated its envelope key several times, still opens; once the key's retention has passed it
    /// is deleted and the envelope no longer opens.
    @Test func aTwentyNineDayOldEnvelopeOpensAfterRotations() throws {
        var mail = Mail()
        let day = Limits.day
        let upload = try mail.aliceSends("sealed on day 0")
        let sealedTo = upload.recipients[0].envelopeKeyID
        var rotations = 0
        for dayNumber in 1...29 {
            let now = mail.now + UInt64(dayNumber) * day
            let maintenance = mail.bob[0].envelopeKeys.maintain(now: now, identity: mail.bob[0].identity)
            if let key = maintenance.publish {
                mail.bob[0].envelopeKeys.confirmPublished(id: key.id, now: now)
                rotations += 1
            }
            #expect(maintenance.deletedIDs.isEmpty)
        }
        #expect(rotations >= 2)
        #expect(mail.bob[0].envelopeKeys.currentID != sealedTo)
        let readAt = mail.now + 29 * day
        let opened = try mail.bobOpens(mail.delivery(upload, to: 0, receivedAt: mail.now + 60), at: 0, now: readAt)
        #expect(opened.plaintext == Array("sealed on day 0".utf8))
        // Retired on day 7; kept for the cache lifetime, the relay's retention and the skew.
        let retiredAt = mail.now + 7 * day
        var keys = mail.bob[0].envelopeKeys
        #expect(keys.maintain(now: retiredAt + Limits.envelopeKeyRetention - 1, identity: mail.bob[0].identity).deletedIDs.isEmpty)
        #expect(keys.maintain(now: retiredAt + Limits.envelopeKeyRetention, identity: mail.bob[0].identity).deletedIDs.contains(sealedTo))
        #expect(keys.record(id: sealedTo) == nil)
        #expect(throws: EnvelopeError.unknownEnvelopeKey(sealedTo)) {
            try EnvelopeOpener.open(mail.delivery(upload, to: 0), recipient: mail.bob[0].address, envelopeKeys: keys, trust: mail.op.trust, now: mail.now)
        }
    }

    @Test func anUnconfirmedKeyIsOfferedAgainAndStillOpens() throws {
        let device = TestAccount().devices[0].identity
        var store = EnvelopeKeyStore(firstID: .max)
        let first = try #require(store.maintain(now: 100, identity: device).publish)
        #expect(store.maintain(now: 200, identity: device).publish == first)
        #expect(store.currentID == nil && store.pendingID == first.id)
        #expect(store.record(id: first.id) != nil)
        store.confirmPublished(id: first.id, now: 300)
        #expect(store.currentID == first.id && store.pendingID == nil)
        #expect(store.maintain(now: 400, identity: device).publish == nil)
        let second = try #require(store.maintain(now: 100 + Limits.envelopeKeyRotationInterval, identity: device).publish)
        #expect(second.id == 1)  // ids wrap past 2^32 − 1, skipping 0
        try second.verify(certificate: device.certificate)
        store.confirmPublished(id: second.id, now: 100 + Limits.envelopeKeyRotationInterval)
        #expect(store.record(id: first.id)?.retiredAt == 100 + Limits.envelopeKeyRotationInterval)
    }

    @Test func aKeyDatedInTheFutureIsReplaced() throws {
        let device = TestAccount().devices[0].identity
        var store = EnvelopeKeyStore()
        let future = TestAccount.now + 10 * Limits.day
        store.confirmPublished(id: store.maintain(now: future, identity: device).publish!.id, now: future)
        // The clock was wrong and is now corrected, ten days back.
        let replacement = try #require(store.maintain(now: TestAccount.now, identity: device).publish)
        #expect(replacement.createdAt == TestAccount.now)
    }

    @Test func theStoreRoundTripsAndRejectsDamage() throws {
        let device = TestAccount().devices[0].identity
        var store = EnvelopeKeyStore()
        for step: UInt64 in 0..<3 {
            let now = 1_000 + step * Limits.envelopeKeyRotationInterval
            store.confirmPublished(id: store.maintain(now: now, identity: device).publish!.id, now: now)
        }
        _ = store.maintain(now: 1_000 + 3 * Limits.envelopeKeyRotationInterval, identity: device)
        let bytes = store.serialized()
        let restored = try EnvelopeKeyStore(serialized: bytes)
        #expect(restored.ids == store.ids && restored.currentID == store.currentID && restored.pendingID == store.pendingID)
        #expect(restored.serialized().constantTimeEquals(bytes))
        let raw = bytes.withUnsafeBytes { Array($0) }
        for length in [0, 1, 10, raw.count - 1] {
            #expect(throws: EnvelopeError.self) { try EnvelopeKeyStore(serialized: SecretBytes(copying: Array(raw.prefix(length)))) }
        }
        #expect(throws: EnvelopeError.self) { try EnvelopeKeyStore(serialized: SecretBytes(copying: raw + [0])) }
        var swapped = raw
        swapped[15 + SignedEnvelopeKey.byteCount + 1] ^= 0x10  // a private key no longer matching its public key
        #expect(throws: EnvelopeError.self) { try EnvelopeKeyStore(serialized: SecretBytes(copying: swapped)) }
    }

    @Test func sendersRefuseStaleOrForeignEnvelopeKeys() throws {
        let mail = Mail()
        let key = mail.bob[0].currentEnvelopeKey
        let late = mail.now + Limits.maximumEnvelopeKeyAge
        _ = try EnvelopeRecipient(peer: mail.bob[0].peer, envelopeKey: key, fetchedAt: late, access: .none, now: late)
        #expect(throws: EnvelopeError.staleEnvelopeKey(key.id)) {
            try EnvelopeRecipient(peer: mail.bob[0].peer, envelopeKey: key, fetchedAt: late + 1, access: .none, now: late + 1)
        }
        // A key fetched more than the cache lifetime ago must be fetched again.
        _ = try EnvelopeRecipient(peer: mail.bob[0].peer, envelopeKey: key, fetchedAt: mail.now, access: .none, now: mail.now + Limits.envelopeKeyCacheLifetime)
        #expect(throws: EnvelopeError.staleEnvelopeKey(key.id)) {
            try EnvelopeRecipient(peer: mail.bob[0].peer, envelopeKey: key, fetchedAt: mail.now, access: .none, now: mail.now + Limits.envelopeKeyCacheLifetime + 1)
        }
        // Bob's device 1 key presented as device 2's: the signature covers the device.
        #expect(throws: EnvelopeError.authenticationFailed) {
            try EnvelopeRecipient(peer: mail.bob[1].peer, envelopeKey: key, fetchedAt: mail.now, access: .none, now: mail.now)
        }
    }
}
