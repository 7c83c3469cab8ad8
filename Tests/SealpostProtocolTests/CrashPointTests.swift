import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// A crash between every pair of steps of sending and of receiving, one at a time, with what the
/// device does when it restarts. Sending is: encrypt → commit state and outbox record → send →
/// mark sent. Receiving is: decrypt → commit state and message → acknowledge.
@Suite("Crash points")
struct CrashPointTests {
    /// Alice has a session Bob already answered, so each message is a plain ratchet message.
    func conversation() throws -> Conversation {
        var c = try Conversation()
        #expect(try c.bobReceives(c.aliceSends("open")) == "open")
        #expect(try c.aliceReceives(c.bobSends("ack")) == "ack")
        return c
    }

    @Test func crashAfterEncryptBeforeCommit() throws {
        var c = try conversation()
        let persisted = c.aliceRecord
        _ = try c.aliceSends("never left the device")
        c.aliceRecord = persisted  // restart: the state and the outbox record were not committed
        let retry = try c.aliceSends("typed again")
        #expect(try c.bobReceives(retry) == "typed again")
    }

    @Test func crashAfterCommitBeforeSend() throws {
        var c = try conversation()
        let outbox = try c.aliceSends("in the outbox").serialized()  // committed with the state
        // Restart: the outbox record is sent as it is, not re-encrypted.
        #expect(try c.bobReceives(SessionMessage(serialized: outbox)) == "in the outbox")
        #expect(try c.bobReceives(c.aliceSends("next")) == "next")
    }

    @Test func crashAfterSendBeforeMarkingSent() throws {
        var c = try conversation()
        let outbox = try c.aliceSends("sent twice").serialized()
        #expect(try c.bobReceives(SessionMessage(serialized: outbox)) == "sent twice")
        // Restart: the record was not marked sent, so it goes again; Bob refuses it as a duplicate
        // (and acknowledges it), and shows nothing twice.
        #expect(throws: SessionError.duplicate) { try c.bobReceives(SessionMessage(serialized: outbox)) }
    }

    @Test func crashAfterDecryptBeforeCommit() throws {
        var c = try conversation()
        let message = try c.aliceSends("read once")
        let persisted = c.bobRecord
        #expect(try c.bobReceives(message) == "read once")
        c.bobRecord = persisted  // restart: neither the state nor the message was committed
        #expect(try c.bobReceives(message) == "read once")  // the relay delivers it again
        #expect(throws: SessionError.duplicate) { try c.bobReceives(message) }
    }

    @Test func crashAfterCommitBeforeAcknowledge() throws {
        var c = try conversation()
        let message = try c.aliceSends("acknowledged late")
        #expect(try c.bobReceives(message) == "acknowledged late")  // committed
        // Restart: not acknowledged, so the relay delivers it again: a duplicate, acknowledged
        // without being shown again.
        #expect(throws: SessionError.duplicate) { try c.bobReceives(message) }
    }

    /// The same for the very first message, which also commits the handshake's prekey deletions.
    @Test func crashDuringTheFirstReceive() throws {
        var c = try Conversation()
        let first = try c.aliceSends("first")
        let persistedRecord = c.bobRecord
        let persistedPrekeys = c.bob.devices[0].prekeys
        #expect(try c.bobReceives(first) == "first")
        c.bobRecord = persistedRecord
        c.bob.devices[0].prekeys = persistedPrekeys  // restart before the commit: prekeys still there
        #expect(try c.bobReceives(first) == "first")
        #expect(throws: SessionError.duplicate) { try c.bobReceives(first) }
    }
}
