import CSodiumDirect
import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Sealed envelopes, each side beside its floor (``EnvelopeFloor``): a 1 KiB message to one device
/// in an established session, sealed into a serialized upload, and opened from the bytes the
/// relay delivers.
public enum EnvelopeWorkloads {
    static let now = HandshakeWorkloads.now

    /// An operator root, one server key certified by it, and a device's trust in both.
    struct Operator {
        let root = SealpostCrypto.Ed25519.PrivateKey.generate()
        let serverKey = SealpostCrypto.Ed25519.PrivateKey.generate()
        let serverKeyID: UInt32 = 7
        let trust: OperatorTrust

        init() {
            let certificate = try! ServerCertificate.issue(
                rootKey: root, keyID: serverKeyID, serverKey: serverKey.publicKey, notBefore: now - 10 * Limits.day, notAfter: now + 90 * Limits.day)
            var trust = OperatorTrust(rootKey: root.publicKey)
            try! trust.add(certificate)
            self.trust = trust
        }

        func senderCertificate(for identity: DeviceIdentity) -> SenderCertificate {
            SenderCertificate.issue(
                serverKey: serverKey, serverKeyID: serverKeyID, accountID: identity.accountID, deviceID: identity.deviceID,
                deviceKey: identity.deviceKey.publicKey, expires: now + Limits.senderCertificateLifetime)
        }
    }

    /// A one-device account with a published envelope key and an access secret.
    struct MailDevice {
        var party = HandshakeWorkloads.Party()
        var envelopeKeys = EnvelopeKeyStore()
        let accessSecret = DeliveryAccessSecret.generate()

        init() {
            let maintenance = envelopeKeys.maintain(now: now, identity: party.identity)
            envelopeKeys.confirmPublished(id: maintenance.publish!.id, now: now)
        }

        var identity: DeviceIdentity { party.identity }
        var address: DeviceAddress { DeviceAddress(accountID: party.accountID, deviceID: party.identity.deviceID) }
        var envelopeKey: SignedEnvelopeKey { envelopeKeys.record(id: envelopeKeys.currentID!)!.published }

        /// This device as a sender in a session with it (`peer`, from the sender's session) seals to it.
        func recipient(peer: PeerIdentity) -> EnvelopeRecipient {
            try! EnvelopeRecipient(peer: peer, envelopeKey: envelopeKey, fetchedAt: now, access: .key(accessSecret.accessKey(for: party.accountID)), now: now)
        }
    }

    /// Alice and one correspondent after a conversation through sealed envelopes: Alice's first
    /// message (with the handshake), a reply, and a message that opens Alice's new chain. Both are
    /// now mid-chain: Alice's next message is a plain `.ratchet` one, and receiving it costs no DH
    /// step.
    struct Conversation {
        var aliceRecord: SessionRecord
        var peerRecord: SessionRecord
        /// The upload of Alice's first message (an initial part), for sizes.
        let firstUpload: EnvelopeUpload

        init(alice: inout MailDevice, peer: inout MailDevice, op: Operator) {
            var handshakeRandom = SystemHandshakeRandomness()
            var random = SystemRatchetRandomness()
            let initiated = try! Handshake.initiate(
                identity: alice.identity, accountID: peer.party.accountID, accountKey: peer.party.accountKey.publicKey,
                deviceList: peer.party.list, bundle: peer.party.bundle, pinned: nil, now: now, randomness: &handshakeRandom)
            var aliceRecord = SessionRecord()
            aliceRecord.promote(try! SessionState(initiator: initiated, randomness: &random))
            let aliceCertificate = op.senderCertificate(for: alice.identity)
            let peerCertificate = op.senderCertificate(for: peer.identity)
            let toPeer = peer.recipient(peer: initiated.peer)

            let first = Self.send([1], record: &aliceRecord, to: toPeer, certificate: aliceCertificate)
            var peerRecord = SessionRecord()
            let opened = Self.open(first, at: peer, record: &peerRecord, senderList: alice.party.list, op: op)
            peer.party.prekeys.apply(opened.handshake!.consumption)
            let toAlice = alice.recipient(peer: peerRecord.current!.peer)
            let reply = Self.send([2], record: &peerRecord, to: toAlice, certificate: peerCertificate)
            _ = Self.open(reply, at: alice, record: &aliceRecord, senderList: peer.party.list, op: op)
            let next = Self.send([3], record: &aliceRecord, to: toPeer, certificate: aliceCertificate)
            _ = Self.open(next, at: peer, record: &peerRecord, senderList: alice.party.list, op: op)
            self.aliceRecord = aliceRecord
            self.peerRecord = peerRecord
            firstUpload = first
        }

        /// Seals `plaintext` in `record`'s session, committing the record.
        static func send(_ plaintext: [UInt8], record: inout SessionRecord, to recipient: EnvelopeRecipient, certificate: SenderCertificate) -> EnvelopeUpload {
            var random = SystemRatchetRandomness()
            let prepared = try! PreparedContent(plaintext, envelopeID: .random())
            let sent = try! record.encrypt(prepared, now: now, randomness: &random)
            record = sent.record
            return try! EnvelopeSealer.seal(prepared, messages: [(recipient: recipient, message: sent.message)], certificate: certificate)
        }

        /// Step 1 of opening the single-recipient `upload` at `device`, from the bytes the relay delivers.
        static func unverified(_ upload: EnvelopeUpload, at device: MailDevice, op: Operator) -> UnverifiedEnvelope {
            let envelope = upload.split()[0].envelope
            let delivery = try! MailboxDelivery(serialized: MailboxDelivery(sequence: 1, receivedAt: now, envelope: envelope).serialized())
            return try! EnvelopeOpener.open(delivery, recipient: device.address, envelopeKeys: device.envelopeKeys, trust: op.trust, now: now)
        }

        /// Opens the single-recipient `upload` at `device`, committing the record.
        static func open(_ upload: EnvelopeUpload, at device: MailDevice, record: inout SessionRecord, senderList: DeviceList, op: Operator) -> OpenedMessage {
            var random = SystemRatchetRandomness()
            let unverified = unverified(upload, at: device, op: op)
            let opened = try! unverified.decrypt(
                record: record, identity: device.identity, prekeys: device.party.prekeys, initiatorDeviceList: senderList, pinned: nil,
                alreadyProcessed: { _ in false }, now: now, randomness: &random)
            record = opened.record
            return opened
        }
    }

    static func all() -> [Workload] {
        let op = Operator()
        var alice = MailDevice()
        var bob = MailDevice()
        let conversation = Conversation(alice: &alice, peer: &bob, op: op)
        let aliceRecord = conversation.aliceRecord
        let bobRecord = conversation.peerRecord
        let certificate = op.senderCertificate(for: alice.identity)
        // Senders cache a verified envelope key (`Limits.envelopeKeyCacheLifetime`): its Ed25519
        // verification is not part of each message.
        let recipient = bob.recipient(peer: aliceRecord.current!.peer)
        let plaintext = [UInt8](repeating: 0x61, count: 1024)
        let paddedBytes = EnvelopePadding.contentBucket(forPaddedLength: plaintext.count + 1)

        // The measured message, sealed once, checked to be a plain `.ratchet` one that opens.
        var sample = aliceRecord
        let upload = Conversation.send(plaintext, record: &sample, to: recipient, certificate: certificate)
        guard case .ratchet = Conversation.unverified(upload, at: bob, op: op).sessionMessage else {
            preconditionFailure("the measured message must be a plain ratchet message")
        }
        var probeRecord = bobRecord
        precondition(Conversation.open(upload, at: bob, record: &probeRecord, senderList: alice.party.list, op: op).plaintext == plaintext)
        let deliveryBytes = MailboxDelivery(sequence: 1, receivedAt: now, envelope: upload.split()[0].envelope).serialized()

        let floor = EnvelopeFloor()
        let floorMessage = EnvelopeFloorMessage(floor: floor, plaintextBytes: plaintext.count, paddedBytes: paddedBytes)
        precondition(floorMessage.open() == 0 && floorMessage.seal(plaintext, paddedBytes: paddedBytes) == 0, "the floor's calls must succeed")

        let bobAddress = bob.address
        let bobKeys = bob.envelopeKeys
        let bobIdentity = bob.identity
        let bobPrekeys = bob.party.prekeys
        let aliceList = alice.party.list
        let trust = op.trust
        return [
            Workload(
                name: "envelope-seal-1KiB",
                wrapper: {
                    var random = SystemRatchetRandomness()
                    guard let prepared = try? PreparedContent(plaintext, envelopeID: .random()),
                        let sent = try? aliceRecord.encrypt(prepared, now: now, randomness: &random),
                        let upload = try? EnvelopeSealer.seal(prepared, messages: [(recipient: recipient, message: sent.message)], certificate: certificate)
                    else { preconditionFailure("sealing failed") }
                    consume(upload.serialized())
                },
                direct: { consume(floorMessage.seal(plaintext, paddedBytes: paddedBytes)) }),
            Workload(
                name: "envelope-open-1KiB",
                wrapper: {
                    // From the same record each time: the ratchet would refuse a duplicate. The
                    // caller's processed-envelope lookup (its store) is left out.
                    var random = SystemRatchetRandomness()
                    guard let delivery = try? MailboxDelivery(serialized: deliveryBytes),
                        let unverified = try? EnvelopeOpener.open(delivery, recipient: bobAddress, envelopeKeys: bobKeys, trust: trust, now: now),
                        let opened = try? unverified.decrypt(
                            record: bobRecord, identity: bobIdentity, prekeys: bobPrekeys, initiatorDeviceList: aliceList, pinned: nil,
                            alreadyProcessed: { _ in false }, now: now, randomness: &random)
                    else { preconditionFailure("opening failed") }
                    consume(opened)
                },
                direct: { consume(floorMessage.open()) }),
        ]
    }
}
