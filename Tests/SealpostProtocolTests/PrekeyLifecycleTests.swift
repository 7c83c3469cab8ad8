import Testing
import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

@Suite("Prekey lifecycle")
struct PrekeyLifecycleTests {
    @Test func aNewStorePublishesEverything() {
        let account = TestAccount()
        var store = PrekeyStore()
        let uploads = store.maintain(now: TestAccount.now, identity: account.devices[0].identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        #expect(uploads.signedPrekey != nil && uploads.lastResortKEMPrekey != nil)
        #expect(uploads.oneTimePrekeys.count == Limits.oneTimePrekeyBatchSize)
        #expect(uploads.oneTimeKEMPrekeys.count == Limits.oneTimePrekeyBatchSize)
        #expect(uploads.lastResortKEMPrekey?.kind == .lastResort)
        #expect(uploads.oneTimeKEMPrekeys.allSatisfy { $0.kind == .oneTime })
        let ids = [uploads.signedPrekey!.id, uploads.lastResortKEMPrekey!.id] + uploads.oneTimePrekeys.map(\.id) + uploads.oneTimeKEMPrekeys.map(\.id)
        #expect(Set(ids).count == ids.count, "prekey ids must be unique")
    }

    @Test func replenishOnlyBelowTheThreshold() {
        var device = TestAccount().devices[0]
        let start = TestAccount.now
        let enough = device.prekeys.maintain(now: start + 1, identity: device.identity, relayOneTimeCount: 10, relayOneTimeKEMCount: 10)
        #expect(enough.oneTimePrekeys.isEmpty && enough.oneTimeKEMPrekeys.isEmpty && enough.signedPrekey == nil)
        let low = device.prekeys.maintain(now: start + 2, identity: device.identity, relayOneTimeCount: 9, relayOneTimeKEMCount: 10)
        #expect(low.oneTimePrekeys.count == Limits.oneTimePrekeyBatchSize && low.oneTimeKEMPrekeys.isEmpty)
    }

    /// The governing constraint, walked through in time: a sender accepts a signed prekey until it
    /// is `maximumPrekeyAge` old; its mail may wait `relayRetention`, with `clockSkew` on top. The
    /// private key must still be there when that mail arrives, and gone after.
    @Test func noPrivateKeyIsDeletedWhileMailForItCanWait() {
        var device = TestAccount().devices[0]
        let created = TestAccount.now
        let firstID = device.prekeys.currentSignedPrekeyID!
        let lastSend = created + Limits.maximumPrekeyAge
        let lastDelivery = lastSend + Limits.relayRetention + Limits.clockSkew
        var time = created
        while time < lastDelivery {
            time += Limits.prekeyRotationInterval / 2
            _ = device.prekeys.maintain(now: min(time, lastDelivery - 1), identity: device.identity, relayOneTimeCount: 100, relayOneTimeKEMCount: 100)
            #expect(device.prekeys.signedPrekey(id: firstID) != nil, "deleted at \(time - created) s, before the last delivery")
        }
        #expect(device.prekeys.currentSignedPrekeyID != firstID, "it rotated")
        let after = device.prekeys.maintain(now: lastDelivery, identity: device.identity, relayOneTimeCount: 100, relayOneTimeKEMCount: 100)
        #expect(device.prekeys.signedPrekey(id: firstID) == nil)
        #expect(after.deletedPrekeyIDs.contains(firstID))
        #expect(Limits.prekeyPrivateKeyLifetime >= Limits.maximumPrekeyAge + Limits.relayRetention + Limits.clockSkew)
    }

    @Test func theCurrentKeysAreNeverDeleted() {
        var device = TestAccount().devices[0]
        let current = device.prekeys.currentSignedPrekeyID!
        // A device that was off for 100 days: the first maintenance rotates, then deletes the old.
        let uploads = device.prekeys.maintain(now: TestAccount.now + 100 * Limits.day, identity: device.identity, relayOneTimeCount: 50, relayOneTimeKEMCount: 50)
        #expect(uploads.signedPrekey != nil)
        #expect(device.prekeys.signedPrekey(id: current) == nil)
        #expect(device.prekeys.signedPrekey(id: device.prekeys.currentSignedPrekeyID!) != nil)
        #expect(device.prekeys.kemPrekey(id: device.prekeys.currentLastResortKEMPrekeyID!) != nil)
    }

    @Test func lastResortBaseKeysAreRememberedUntilTheKeyGoes() throws {
        var device = TestAccount().devices[0]
        let lastResort = device.prekeys.currentLastResortKEMPrekeyID!
        let baseKey = X25519.PrivateKey.generate().publicKey
        device.prekeys.apply(PrekeyConsumptionFixture.lastResort(lastResort, baseKey))
        #expect(device.prekeys.hasSeen(baseKey: baseKey, lastResortKEMPrekey: lastResort))
        _ = device.prekeys.maintain(now: TestAccount.now + 100 * Limits.day, identity: device.identity, relayOneTimeCount: 50, relayOneTimeKEMCount: 50)
        #expect(!device.prekeys.hasSeen(baseKey: baseKey, lastResortKEMPrekey: lastResort))
        #expect(device.prekeys.kemPrekey(id: lastResort) == nil)
    }
}

/// A consumption as a committed last-resort handshake produces it.
enum PrekeyConsumptionFixture {
    static func lastResort(_ id: UInt32, _ baseKey: X25519.PublicKey) -> PrekeyConsumption {
        PrekeyConsumption(oneTimePrekeyID: nil, oneTimeKEMPrekeyID: nil, lastResortUse: .init(kemPrekeyID: id, baseKey: baseKey))
    }
}

extension PrekeyLifecycleTests {
    /// The store and the identity hold private keys; printing or dumping them shows none.
    @Test func storesAndIdentitiesPrintNoPrivateKeys() throws {
        let device = TestAccount().devices[0]
        let signed = device.prekeys.signedPrekey(id: device.prekeys.currentSignedPrekeyID!)!
        let kem = device.prekeys.kemPrekey(id: device.prekeys.currentLastResortKEMPrekeyID!)!
        let secrets = [
            signed.privateKey.rawRepresentation, kem.privateKey.seed, device.identity.deviceKey.seed,
        ].map { secret in secret.withUnsafeBytes { String(Hex.encode($0).prefix(16)) } }
        for value in [device.prekeys as Any, device.identity, signed, kem] {
            var dumped = ""
            dump(value, to: &dumped)
            for text in [dumped, String(describing: value), String(reflecting: value)] {
                for secret in secrets { #expect(!text.contains(secret)) }
            }
        }
    }
}

extension PrekeyLifecycleTests {
    /// Bundles fetched and never used (abandoned, or a client draining the relay) must not fill
    /// the store for good: once the relay has handed a key out, its private key goes after the
    /// retention window, and replenishing resumes.
    @Test func drainedOneTimeKeysDoNotBlockReplenishing() {
        var device = TestAccount().devices[0]
        var time = TestAccount.now
        // The relay keeps reporting 0 left: every upload is drained at once.
        for _ in 0..<12 {
            time += Limits.day
            _ = device.prekeys.maintain(now: time, identity: device.identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        }
        #expect(device.prekeys.oneTimePrekeyIDs.count <= Limits.maximumStoredOneTimePrekeys)
        time += Limits.relayRetention + Limits.clockSkew
        let uploads = device.prekeys.maintain(now: time, identity: device.identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        #expect(!uploads.deletedPrekeyIDs.isEmpty)
        #expect(uploads.oneTimePrekeys.count == Limits.oneTimePrekeyBatchSize, "replenishing resumed")
        #expect(uploads.oneTimeKEMPrekeys.count == Limits.oneTimePrekeyBatchSize)
    }

    /// Keys the relay still holds are never deleted, however old.
    @Test func keysStillAtTheRelayAreKept() {
        var device = TestAccount().devices[0]
        let ids = device.prekeys.oneTimePrekeyIDs
        let later = TestAccount.now + 200 * Limits.day
        _ = device.prekeys.maintain(now: later, identity: device.identity, relayOneTimeCount: ids.count, relayOneTimeKEMCount: 100)
        _ = device.prekeys.maintain(now: later + 100 * Limits.day, identity: device.identity, relayOneTimeCount: ids.count, relayOneTimeKEMCount: 100)
        #expect(ids.allSatisfy { device.prekeys.oneTimePrekey(id: $0) != nil })
    }
}

@Suite("Prekey store encoding")
struct PrekeyStoreEncodingTests {
    @Test func theStoreRoundTripsAndStillAnswersHandshakes() throws {
        var bob = TestAccount()
        let alice = TestAccount()
        // Some history: a handshake that used a one-time key, a rotation, a sweep.
        var randomness = SystemHandshakeRandomness()
        let initiated = try Handshake.initiate(
            identity: alice.devices[0].identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.deviceList,
            bundle: bob.devices[0].bundle(), pinned: nil, now: TestAccount.now, randomness: &randomness)
        _ = initiated
        _ = bob.devices[0].prekeys.maintain(now: TestAccount.now + Limits.prekeyRotationInterval, identity: bob.devices[0].identity, relayOneTimeCount: 50, relayOneTimeKEMCount: 50)
        let bytes = bob.devices[0].prekeys.serialized()
        let restored = try PrekeyStore(serialized: bytes)
        #expect(restored.serialized().constantTimeEquals(bytes))
        #expect(restored.oneTimePrekeyIDs == bob.devices[0].prekeys.oneTimePrekeyIDs)
        #expect(restored.currentSignedPrekeyID == bob.devices[0].prekeys.currentSignedPrekeyID)
        // The restored store answers a handshake made from a bundle of the original.
        let bundle = bob.devices[0].bundle()
        bob.devices[0].prekeys = restored
        let second = try Handshake.initiate(
            identity: alice.devices[0].identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.deviceList,
            bundle: bundle, pinned: nil, now: TestAccount.now + Limits.prekeyRotationInterval, randomness: &randomness)
        _ = try Handshake.respond(
            to: second.message, identity: bob.devices[0].identity, initiatorDeviceList: alice.deviceList, pinned: nil, prekeys: restored,
            now: TestAccount.now + Limits.prekeyRotationInterval)
        // Damage is a typed error.
        let raw = bytes.withUnsafeBytes { Array($0) }
        for broken in [Array(raw.prefix(5)), Array(raw.dropLast()), raw + [0]] {
            #expect(throws: HandshakeError.self) { try PrekeyStore(serialized: SecretBytes(copying: broken)) }
        }
        var mismatched = raw
        mismatched[13 + SignedPrekey.byteCount + 5] ^= 0x10  // the first signed prekey's private key
        #expect(throws: HandshakeError.self) { try PrekeyStore(serialized: SecretBytes(copying: mismatched)) }
    }
}
