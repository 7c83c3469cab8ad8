import Testing
import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

/// Two devices with a session: Alice initiated, Bob's record is empty until her first message.
struct Conversation {
    var alice: TestAccount
    var bob: TestAccount
    var aliceRecord = SessionRecord()
    var bobRecord = SessionRecord()
    var random = SystemRatchetRandomness()
    let now = TestAccount.now

    init() throws {
        alice = TestAccount()
        bob = TestAccount()
        var handshakeRandomness = SystemHandshakeRandomness()
        let bundle = bob.devices[0].bundle()
        let initiated = try Handshake.initiate(
            identity: alice.devices[0].identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.deviceList,
            bundle: bundle, pinned: nil, now: now, randomness: &handshakeRandomness)
        aliceRecord.promote(try SessionState(initiator: initiated, randomness: &random))
    }

    mutating func aliceSends(_ text: String) throws -> SessionMessage {
        let sent = try aliceRecord.encrypt(Array(text.utf8), now: now, randomness: &random)
        aliceRecord = sent.record
        return try SessionMessage(serialized: sent.message.serialized())
    }

    mutating func bobSends(_ text: String) throws -> SessionMessage {
        let sent = try bobRecord.encrypt(Array(text.utf8), now: now, randomness: &random)
        bobRecord = sent.record
        return try SessionMessage(serialized: sent.message.serialized())
    }

    mutating func bobReceives(_ message: SessionMessage) throws -> String {
        let received = try bobRecord.receive(
            message, identity: bob.devices[0].identity, prekeys: bob.devices[0].prekeys, initiatorDeviceList: alice.deviceList, pinned: nil,
            now: now, randomness: &random)
        bobRecord = received.record
        if let handshake = received.handshake { bob.devices[0].prekeys.apply(handshake.consumption) }
        return String(decoding: received.plaintext, as: UTF8.self)
    }

    mutating func aliceReceives(_ message: SessionMessage) throws -> String {
        let received = try aliceRecord.receive(
            message, identity: alice.devices[0].identity, prekeys: alice.devices[0].prekeys, initiatorDeviceList: bob.deviceList, pinned: nil,
            now: now, randomness: &random)
        aliceRecord = received.record
        return String(decoding: received.plaintext, as: UTF8.self)
    }
}

@Suite("Double Ratchet")
struct RatchetTests {
    @Test func aConversationInBothDirections() throws {
        var c = try Conversation()
        let first = try c.aliceSends("hello")
        guard case .initial = first else { Issue.record("the first message must carry the handshake"); return }
        #expect(try c.bobReceives(first) == "hello")
        #expect(try c.bobReceives(c.aliceSends("second, still with the header")) == "second, still with the header")
        #expect(try c.aliceReceives(c.bobSends("hi")) == "hi")
        let afterReply = try c.aliceSends("no header now")
        guard case .ratchet = afterReply else { Issue.record("after a reply the header must stop"); return }
        #expect(try c.bobReceives(afterReply) == "no header now")
        for round in 0..<5 {
            #expect(try c.aliceReceives(c.bobSends("b\(round)")) == "b\(round)")
            #expect(try c.bobReceives(c.aliceSends("a\(round)")) == "a\(round)")
        }
    }

    /// Until Alice hears from Bob, any one of her messages can start the session.
    @Test func theFirstMessageMayBeLost() throws {
        var c = try Conversation()
        _ = try c.aliceSends("lost")
        _ = try c.aliceSends("lost too")
        #expect(try c.bobReceives(c.aliceSends("third")) == "third")
    }

    @Test func outOfOrderDeliveryAndDuplicates() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        #expect(try c.aliceReceives(c.bobSends("r")) == "r")
        let messages = try (1...6).map { try c.aliceSends("\($0)") }
        for index in [4, 0, 5, 2, 1, 3] {
            #expect(try c.bobReceives(messages[index]) == "\(index + 1)")
        }
        let state = c.bobRecord
        #expect(throws: SessionError.duplicate) { try c.bobReceives(messages[2]) }
        #expect(throws: SessionError.duplicate) { try c.bobReceives(messages[5]) }
        // A refused message changes nothing.
        c.bobRecord = state
        #expect(try c.aliceReceives(c.bobSends("still fine")) == "still fine")
    }

    @Test func messagesFromAnOlderChainAfterADHStep() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        let late = try c.bobSends("late")
        #expect(try c.aliceReceives(c.bobSends("b1")) == "b1")
        #expect(try c.bobReceives(c.aliceSends("a1")) == "a1")
        #expect(try c.aliceReceives(c.bobSends("b2")) == "b2")
        #expect(try c.aliceReceives(late) == "late")
    }

    @Test func aJumpBeyondTheWindowFailsCleanly() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        #expect(try c.aliceReceives(c.bobSends("r")) == "r")
        var messages: [SessionMessage] = []
        for index in 0...(Limits.maximumForwardJump + 1) { messages.append(try c.aliceSends("\(index)")) }
        let before = c.bobRecord
        let error = #expect(throws: SessionError.self) { try c.bobReceives(messages.last!) }
        #expect(error?.code == "tooFarAhead")
        c.bobRecord = before
        #expect(try c.bobReceives(messages[Limits.maximumForwardJump]) == "\(Limits.maximumForwardJump)")
    }

    @Test func tamperingIsAnAuthenticationFailure() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        #expect(try c.aliceReceives(c.bobSends("r")) == "r")
        let message = try c.aliceSends("tamper with me").ratchetMessage
        let bytes = SessionMessage.ratchet(message).serialized()
        // Flip the message number's low bit, a ciphertext bit, a nonce bit, a PN bit.
        for offset in [2 + 32 + 7, bytes.count - 20, 2 + 40 + 3, 2 + 32 + 2] {
            var tampered = bytes
            tampered[offset] ^= 0x01
            #expect(throws: SessionError.self) { try c.bobReceives(SessionMessage(serialized: tampered)) }
        }
        #expect(try c.bobReceives(.ratchet(message)) == "tamper with me")
    }

    @Test func malformedSessionMessages() throws {
        var c = try Conversation()
        let bytes = try c.aliceSends("x").serialized()
        for length in stride(from: 0, to: bytes.count, by: 97) {
            #expect(throws: WireError.self) { try SessionMessage(serialized: Array(bytes.prefix(length))) }
        }
        #expect(throws: WireError.unknownType(field: "session message", type: 9)) { try SessionMessage(serialized: [9] + bytes.dropFirst()) }
    }

    /// Both devices start a session with each other before either receives: they converge.
    @Test func simultaneousInitiationConverges() throws {
        var c = try Conversation()
        // Bob starts his own session with Alice at the same time.
        var handshakeRandomness = SystemHandshakeRandomness()
        let aliceBundle = c.alice.devices[0].bundle()
        let initiated = try Handshake.initiate(
            identity: c.bob.devices[0].identity, accountID: c.alice.accountID, accountKey: c.alice.accountKey.publicKey,
            deviceList: c.alice.deviceList, bundle: aliceBundle, pinned: nil, now: c.now, randomness: &handshakeRandomness)
        c.bobRecord.promote(try SessionState(initiator: initiated, randomness: &c.random))
        let fromAlice = try c.aliceSends("A1")
        let fromBob = try c.bobSends("B1")
        #expect(try c.bobReceives(fromAlice) == "A1")
        #expect(try c.aliceReceives(fromBob) == "B1")
        for round in 0..<4 {
            #expect(try c.bobReceives(c.aliceSends("a\(round)")) == "a\(round)")
            #expect(try c.aliceReceives(c.bobSends("b\(round)")) == "b\(round)")
        }
        #expect(c.aliceRecord.current?.baseKey == c.bobRecord.current?.baseKey, "both sides ended on the same session")
    }
}

@Suite("Session records")
struct SessionRecordTests {
    @Test func aRecordSurvivesEncodingMidConversation() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        let skippedOver = try c.aliceSends("skipped")
        #expect(try c.bobReceives(c.aliceSends("2")) == "2")
        #expect(try c.aliceReceives(c.bobSends("r")) == "r")
        let bytes = c.bobRecord.serialized()
        #expect(bytes.count == c.bobRecord.current!.encodedByteCount + 3)
        c.bobRecord = try SessionRecord(serialized: bytes)
        #expect(try SessionRecord(serialized: bytes).serialized().constantTimeEquals(bytes))
        // The restored record still has the skipped key and both chains.
        #expect(try c.bobReceives(skippedOver) == "skipped")
        #expect(try c.aliceReceives(c.bobSends("after restore")) == "after restore")
        #expect(try c.bobReceives(c.aliceSends("and back")) == "and back")
        // Alice's record, with its pending handshake header cleared by the reply, round-trips too.
        let alice = c.aliceRecord.serialized()
        #expect(try SessionRecord(serialized: alice).serialized().constantTimeEquals(alice))
    }

    @Test func malformedRecordsAreRefused() throws {
        var c = try Conversation()
        _ = try c.aliceSends("pending header kept")
        let bytes = c.aliceRecord.serialized().withUnsafeBytes { Array($0) }
        for length in stride(from: 0, to: bytes.count, by: 53) {
            #expect(throws: SessionError.self) { try SessionRecord(serialized: SecretBytes(copying: Array(bytes.prefix(length)))) }
        }
        #expect(throws: SessionError.self) { try SessionRecord(serialized: SecretBytes(copying: bytes + [0])) }
        var version = bytes
        version[0] = 9
        #expect(throws: SessionError.malformed(.unsupportedVersion(structure: "session record", version: 9))) {
            try SessionRecord(serialized: SecretBytes(copying: version))
        }
        #expect(String(describing: c.aliceRecord.serialized()).contains("redacted"))
    }
}

extension RatchetTests {
    /// A forged header with a new ratchet key and a number beyond the window is refused before
    /// any DH or key derivation.
    @Test func aForgedFarHeaderIsRefusedCheaply() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        let forged = try RatchetMessage(
            ratchetKey: X25519.PrivateKey.generate().publicKey, previousChainLength: 0,
            messageNumber: UInt32(Limits.maximumForwardJump) + 1, nonce: .random(), ciphertext: [UInt8](repeating: 0, count: 16))
        let error = #expect(throws: SessionError.self) { try c.bobReceives(.ratchet(forged)) }
        #expect(error?.code == "tooFarAhead")
    }

    /// Skipped keys older than their lifetime are gone: the late message is refused, not opened.
    @Test func skippedKeysExpire() throws {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("0")) == "0")
        let late = try c.aliceSends("late")
        #expect(try c.bobReceives(c.aliceSends("2")) == "2")
        var random = SystemRatchetRandomness()
        let muchLater = c.now + Limits.skippedKeyLifetime + 1
        #expect(throws: SessionError.duplicate) {
            try c.bobRecord.decrypt(late, now: muchLater, randomness: &random)
        }
        #expect(try c.bobRecord.decrypt(late, now: c.now, randomness: &random).plaintext == Array("late".utf8))
    }
}
