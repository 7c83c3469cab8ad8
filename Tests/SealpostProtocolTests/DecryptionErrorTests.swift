import Testing
import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

@Suite("Decryption errors and session reset")
struct DecryptionErrorTests {
    /// Alice and Bob talk; Alice logs what she sends for resending.
    struct Scene {
        var c: Conversation
        var log = ResendLog()
        var resetGuard = ResetGuard()

        init() throws {
            c = try Conversation()
            #expect(try c.bobReceives(send("hello")) == "hello")
            #expect(try c.aliceReceives(c.bobSends("hi")) == "hi")
        }

        mutating func send(_ text: String) throws -> SessionMessage {
            let message = try c.aliceSends(text)
            log.record(message, plaintext: Array(text.utf8), sentAt: c.now)
            return message
        }

        var bobPeer: PeerIdentity { c.aliceRecord.current!.peer }
    }

    /// Bob loses his session; his report makes Alice start over and resend, and he reads everything.
    @Test func aLostSessionHeals() throws {
        var s = try Scene()
        let lost1 = try s.send("while you were gone 1")
        let lost2 = try s.send("while you were gone 2")
        s.c.bobRecord = SessionRecord()  // lost state (a new install, a restored backup)
        #expect(throws: SessionError.noSession) { try s.c.bobReceives(lost1) }
        let report = DecryptionErrors.report(
            failed: lost1.ratchetMessage, senderAccountID: s.c.alice.accountID, senderDeviceID: s.c.alice.devices[0].identity.deviceID,
            identity: s.c.bob.devices[0].identity, now: s.c.now)
        let parsed = try DecryptionErrorMessage(serialized: report.serialized())
        let reset = try DecryptionErrors.evaluate(
            parsed, identity: s.c.alice.devices[0].identity, peer: s.bobPeer, log: s.log, guard: s.resetGuard, now: s.c.now)
        #expect(reset.resend.map { String(decoding: $0.plaintext, as: UTF8.self) } == ["while you were gone 1", "while you were gone 2"])
        s.resetGuard = reset.guard
        _ = lost2

        // Alice starts a fresh session and resends under it: new keys, nothing reused.
        var handshakeRandomness = SystemHandshakeRandomness()
        let bundle = s.c.bob.devices[0].bundle()
        let initiated = try Handshake.initiate(
            identity: s.c.alice.devices[0].identity, accountID: s.c.bob.accountID, accountKey: s.c.bob.accountKey.publicKey,
            deviceList: s.c.bob.deviceList, bundle: bundle, pinned: nil, now: s.c.now, randomness: &handshakeRandomness)
        s.c.aliceRecord.promote(try SessionState(initiator: initiated, randomness: &s.c.random))
        for entry in reset.resend {
            let text = String(decoding: entry.plaintext, as: UTF8.self)
            #expect(try s.c.bobReceives(s.send(text)) == text)
        }
        #expect(try s.c.aliceReceives(s.c.bobSends("got them")) == "got them")

        // The same report again changes nothing.
        #expect(throws: DecryptionErrorRejection.alreadyHandled) {
            try DecryptionErrors.evaluate(parsed, identity: s.c.alice.devices[0].identity, peer: s.bobPeer, log: s.log, guard: s.resetGuard, now: s.c.now)
        }
    }

    @Test func forgedWrongDeviceStaleAndRateLimitedReportsChangeNothing() throws {
        var s = try Scene()
        let first = try s.send("one")
        let second = try s.send("two")
        let alice = s.c.alice.devices[0].identity
        let bob = s.c.bob.devices[0].identity
        func report(_ message: SessionMessage, key: Ed25519.PrivateKey = bob.deviceKey, to device: DeviceID = alice.deviceID, time: UInt64 = s.c.now) -> DecryptionErrorMessage {
            DecryptionErrorMessage.sign(
                reporterAccountID: bob.accountID, reporterDeviceID: bob.deviceID, senderAccountID: alice.accountID, senderDeviceID: device,
                ratchetKey: message.ratchetMessage.ratchetKey, messageNumber: message.ratchetMessage.messageNumber, time: time, deviceKey: key)
        }
        func evaluate(_ report: DecryptionErrorMessage, at time: UInt64? = nil) throws -> DecryptionErrors.Reset {
            try DecryptionErrors.evaluate(report, identity: alice, peer: s.bobPeer, log: s.log, guard: s.resetGuard, now: time ?? s.c.now)
        }
        #expect(throws: DecryptionErrorRejection.authenticationFailed) { try evaluate(report(first, key: .generate())) }
        #expect(throws: DecryptionErrorRejection.notForThisDevice) { try evaluate(report(first, to: try DeviceID(77))) }
        #expect(throws: DecryptionErrorRejection.stale) { try evaluate(report(first, time: s.c.now - Limits.resendLogLifetime - 1)) }
        #expect(throws: DecryptionErrorRejection.stale) { try evaluate(report(first, time: s.c.now + Limits.clockSkew + 1)) }
        let unknown = DecryptionErrorMessage.sign(
            reporterAccountID: bob.accountID, reporterDeviceID: bob.deviceID, senderAccountID: alice.accountID, senderDeviceID: alice.deviceID,
            ratchetKey: X25519.PrivateKey.generate().publicKey, messageNumber: 0, time: s.c.now, deviceKey: bob.deviceKey)
        #expect(throws: DecryptionErrorRejection.unknownMessage) { try evaluate(unknown) }
        // A report under another label (a device key's signature over the same fields, made as a
        // device-list signature would be) does not verify.
        let fields = DecryptionErrorMessage.payload(bob.accountID, bob.deviceID, alice.accountID, alice.deviceID,
                                                    first.ratchetMessage.ratchetKey, first.ratchetMessage.messageNumber, s.c.now)
        let relabelled = DecryptionErrorMessage(
            reporterAccountID: bob.accountID, reporterDeviceID: bob.deviceID, senderAccountID: alice.accountID, senderDeviceID: alice.deviceID,
            ratchetKey: first.ratchetMessage.ratchetKey, messageNumber: first.ratchetMessage.messageNumber, time: s.c.now,
            signature: bob.deviceKey.signature(for: fields.bytes, in: SignatureDomains.deviceList))
        #expect(throws: DecryptionErrorRejection.authenticationFailed) { try evaluate(relabelled) }

        s.resetGuard = try evaluate(report(first)).guard
        #expect(throws: DecryptionErrorRejection.rateLimited) { try evaluate(report(second)) }
        #expect(try evaluate(report(second), at: s.c.now + Limits.minimumResetInterval).resend.count == 1)
    }

    @Test func malformedReportsAreRefused() throws {
        let s = try Scene()
        var random = SystemRatchetRandomness()
        let bytes = DecryptionErrors.report(
            failed: try s.c.aliceRecord.encrypt([1], now: s.c.now, randomness: &random).message.ratchetMessage,
            senderAccountID: s.c.alice.accountID, senderDeviceID: s.c.alice.devices[0].identity.deviceID,
            identity: s.c.bob.devices[0].identity, now: s.c.now).serialized()
        #expect(bytes.count == DecryptionErrorMessage.byteCount)
        for length in 0..<bytes.count {
            #expect(throws: WireError.self) { try DecryptionErrorMessage(serialized: Array(bytes.prefix(length))) }
        }
        #expect(throws: WireError.self) { try DecryptionErrorMessage(serialized: bytes + [0]) }
    }
}
