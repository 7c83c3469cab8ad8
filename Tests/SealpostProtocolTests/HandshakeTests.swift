import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire

@Suite("PQXDH handshake")
struct HandshakeTests {
    let now = TestAccount.now

    /// Alice starts a session with Bob's device; returns both results.
    func handshake(
        alice: TestAccount, bob: inout TestAccount, oneTime: Bool = true, oneTimeKEM: Bool = true
    ) throws -> (Handshake.InitiatorResult, Handshake.ResponderResult) {
        var randomness = SystemHandshakeRandomness()
        let initiated = try Handshake.initiate(
            identity: alice.devices[0].identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey,
            deviceList: bob.deviceList, bundle: bob.devices[0].bundle(oneTime: oneTime, oneTimeKEM: oneTimeKEM), pinned: nil, now: now,
            randomness: &randomness)
        let message = try InitialMessage(serialized: initiated.message.serialized())
        let responded = try Handshake.respond(
            to: message, identity: bob.devices[0].identity, initiatorDeviceList: alice.deviceList, pinned: nil,
            prekeys: bob.devices[0].prekeys, now: now)
        return (initiated, responded)
    }

    @Test(arguments: [(true, true), (true, false), (false, true), (false, false)])
    func bothSidesDeriveTheSameSecret(oneTime: Bool, oneTimeKEM: Bool) throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, responded) = try handshake(alice: alice, bob: &bob, oneTime: oneTime, oneTimeKEM: oneTimeKEM)
        #expect(initiated.secret.constantTimeEquals(responded.secret))
        #expect(initiated.secret.associatedData.count == 172)
        #expect(initiated.message.serialized().count == (oneTime ? 1826 : 1822))
        // Each side verified the other's account end to end.
        #expect(initiated.peer.accountID == bob.accountID && initiated.peer.accountKey == bob.accountKey.publicKey)
        #expect(responded.peer.accountID == alice.accountID && responded.peer.deviceKey == alice.devices[0].identity.deviceKey.publicKey)
        #expect(initiated.trust.decision == .firstUse && responded.trust.decision == .firstUse)
        #expect((responded.consumption.oneTimePrekeyID != nil) == oneTime)
        #expect((responded.consumption.oneTimeKEMPrekeyID != nil) == oneTimeKEM)
        #expect((responded.consumption.lastResortUse != nil) == !oneTimeKEM)
    }

    @Test func twoHandshakesNeverShareKeys() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (first, _) = try handshake(alice: alice, bob: &bob)
        let (second, _) = try handshake(alice: alice, bob: &bob)
        #expect(!first.secret.rootKey.constantTimeEquals(second.secret.rootKey))
    }

    @Test func committedOneTimeKeysCannotBeUsedAgain() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, responded) = try handshake(alice: alice, bob: &bob)
        bob.devices[0].prekeys.apply(responded.consumption)
        let error = #expect(throws: HandshakeError.self) {
            try Handshake.respond(
                to: initiated.message, identity: bob.devices[0].identity, initiatorDeviceList: alice.deviceList, pinned: nil,
                prekeys: bob.devices[0].prekeys, now: now)
        }
        #expect(error?.code == "unknownPrekey")
    }

    /// With only the last-resort KEM key and no one-time prekey, a replayed initial message is
    /// caught by the remembered base key.
    @Test func aReplayedLastResortMessageIsRejected() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, responded) = try handshake(alice: alice, bob: &bob, oneTime: false, oneTimeKEM: false)
        bob.devices[0].prekeys.apply(responded.consumption)
        #expect(throws: HandshakeError.replayedInitialMessage) {
            try Handshake.respond(
                to: initiated.message, identity: bob.devices[0].identity, initiatorDeviceList: alice.deviceList, pinned: nil,
                prekeys: bob.devices[0].prekeys, now: now)
        }
    }

    @Test func aTamperedKEMCiphertextFailsAuthentication() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        var bytes = initiated.message.serialized()
        bytes[bytes.count - 32 - 100] ^= 0x01  // inside the KEM ciphertext
        #expect(throws: HandshakeError.authenticationFailed) {
            try Handshake.respond(
                to: InitialMessage(serialized: bytes), identity: bob.devices[0].identity, initiatorDeviceList: alice.deviceList,
                pinned: nil, prekeys: bob.devices[0].prekeys, now: now)
        }
    }

    /// Every bit flipped anywhere in the initial message is rejected: each field is either
    /// structural, signed, looked up, or bound into the transcript.
    @Test func everyFieldIsAuthenticated() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        let bytes = initiated.message.serialized()
        var outcomes: [String: Int] = [:]
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= UInt8(1) << (index % 8)
            do {
                let message = try InitialMessage(serialized: tampered)
                _ = try Handshake.respond(
                    to: message, identity: bob.devices[0].identity, initiatorDeviceList: alice.deviceList, pinned: nil,
                    prekeys: bob.devices[0].prekeys, now: now)
                Issue.record("a flip at byte \(index) was accepted")
            } catch let error as HandshakeError {
                outcomes[error.code, default: 0] += 1
            } catch let error as WireError {
                outcomes["wire: \(error)".prefix(20).description, default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == bytes.count)
        #expect(outcomes["authenticationFailed", default: 0] > 1568)
    }

    @Test func truncatedAndExtendedMessagesAreMalformed() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        let bytes = initiated.message.serialized()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: WireError.self) { try InitialMessage(serialized: Array(bytes.prefix(length))) }
        }
        let trailing = #expect(throws: WireError.self) { try InitialMessage(serialized: bytes + [0]) }
        #expect(trailing == .trailingBytes(structure: "initial message", count: 1))
        var version = bytes
        version[0] = 2
        #expect(throws: WireError.unsupportedVersion(structure: "initial message", version: 2)) { try InitialMessage(serialized: version) }
    }

    @Test func aMessageForAnotherDeviceIsRefused() throws {
        let alice = TestAccount()
        var bob = TestAccount(deviceCount: 2)
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        #expect(throws: HandshakeError.notForThisDevice) {
            try Handshake.respond(
                to: initiated.message, identity: bob.devices[1].identity, initiatorDeviceList: alice.deviceList, pinned: nil,
                prekeys: bob.devices[1].prekeys, now: now)
        }
    }

    @Test func theResponderChecksTheInitiatorsDeviceList() throws {
        let alice = TestAccount(deviceCount: 2)
        var bob = TestAccount()
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        let withoutDevice = alice.list(version: 2, devices: [alice.devices[1]], revoked: [alice.devices[0].identity.deviceID])
        #expect(throws: HandshakeError.deviceNotInList(alice.devices[0].identity.deviceID)) {
            try Handshake.respond(
                to: initiated.message, identity: bob.devices[0].identity, initiatorDeviceList: withoutDevice, pinned: nil,
                prekeys: bob.devices[0].prekeys, now: now)
        }
        let otherAccount = TestAccount()
        #expect(throws: HandshakeError.accountMismatch) {
            try Handshake.respond(
                to: initiated.message, identity: bob.devices[0].identity, initiatorDeviceList: otherAccount.deviceList, pinned: nil,
                prekeys: bob.devices[0].prekeys, now: now)
        }
    }

    @Test func aChangedAccountKeyIsSurfaced() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        let impostorPin = AccountPin(
            accountID: bob.accountID, accountKey: Ed25519.PrivateKey.generate().publicKey, deviceListVersion: 1, deviceListDigest: [])
        var randomness = SystemHandshakeRandomness()
        let again = try Handshake.initiate(
            identity: alice.devices[0].identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.deviceList,
            bundle: bob.devices[0].bundle(), pinned: impostorPin, now: now, randomness: &randomness)
        #expect(again.trust.decision == .changed(previous: impostorPin.accountKey))
        #expect(initiated.trust.pin.accountKey == bob.accountKey.publicKey)
        let repeated = try Handshake.initiate(
            identity: alice.devices[0].identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.deviceList,
            bundle: bob.devices[0].bundle(), pinned: initiated.trust.pin, now: now, randomness: &randomness)
        #expect(repeated.trust.decision == .unchanged)
    }

    @Test func theSecretPrintsNothing() throws {
        let alice = TestAccount()
        var bob = TestAccount()
        let (initiated, _) = try handshake(alice: alice, bob: &bob)
        #expect(String(describing: initiated.secret) == "HandshakeSecret(redacted)")
        var dumped = ""
        dump(initiated.secret, to: &dumped)
        let root = initiated.secret.rootKey.withUnsafeBytes { Hex.encode($0) }
        #expect(!dumped.contains(String(root.prefix(12))))
    }
}
