import SealpostCrypto
@testable import SealpostProtocol
import SealpostWire

/// An operator: an offline root, one server key certified by it, and a client's trust in both.
struct TestOperator {
    let root = Ed25519.PrivateKey.generate()
    let serverKey = Ed25519.PrivateKey.generate()
    let serverKeyID: UInt32 = 7
    let serverCertificate: ServerCertificate
    var trust: OperatorTrust

    init(now: UInt64 = TestAccount.now) {
        serverCertificate = try! ServerCertificate.issue(
            rootKey: root, keyID: serverKeyID, serverKey: serverKey.publicKey, notBefore: now - 10 * Limits.day, notAfter: now + 90 * Limits.day)
        trust = OperatorTrust(rootKey: root.publicKey)
        try! trust.add(serverCertificate)
    }

    func senderCertificate(for identity: DeviceIdentity, expires: UInt64 = TestAccount.now + Limits.senderCertificateLifetime) -> SenderCertificate {
        SenderCertificate.issue(
            serverKey: serverKey, serverKeyID: serverKeyID, accountID: identity.accountID, deviceID: identity.deviceID,
            deviceKey: identity.deviceKey.publicKey, expires: expires)
    }
}

/// A device with an envelope key and a record per peer device.
struct MailDevice {
    var device: TestDevice
    var envelopeKeys = EnvelopeKeyStore()
    var records: [DeviceAddress: SessionRecord] = [:]
    /// The processed-envelope set the vault would keep.
    var processed = Set<EnvelopeDeduplicationKey>()

    init(_ device: TestDevice, now: UInt64 = TestAccount.now) {
        self.device = device
        let maintenance = envelopeKeys.maintain(now: now, identity: device.identity)
        envelopeKeys.confirmPublished(id: maintenance.publish!.id, now: now)
    }

    var identity: DeviceIdentity { device.identity }
    var address: DeviceAddress { DeviceAddress(accountID: identity.accountID, deviceID: identity.deviceID) }
    var peer: PeerIdentity {
        PeerIdentity(accountID: identity.accountID, accountKey: identity.accountKey, deviceID: identity.deviceID, deviceKey: identity.deviceKey.publicKey)
    }
    var currentEnvelopeKey: SignedEnvelopeKey { envelopeKeys.record(id: envelopeKeys.currentID!)!.published }
}

/// Alice (one device) writing to Bob (two devices), through an operator.
struct Mail {
    var op = TestOperator()
    var aliceAccount = TestAccount()
    var bobAccount = TestAccount(deviceCount: 2)
    var alice: MailDevice
    var bob: [MailDevice]
    var random = SystemRatchetRandomness()
    let now = TestAccount.now
    /// Bob's account's access secret, which Alice, a contact, holds; the relay holds its verifier.
    var bobAccessSecret = DeliveryAccessSecret.generate()

    init() {
        alice = MailDevice(aliceAccount.devices[0])
        bob = bobAccount.devices.map { MailDevice($0) }
    }

    /// Alice's record for Bob's device `index`, starting a session from its bundle if needed.
    mutating func aliceRecord(for index: Int) throws -> SessionRecord {
        if let record = alice.records[bob[index].address] { return record }
        var handshakeRandomness = SystemHandshakeRandomness()
        let initiated = try Handshake.initiate(
            identity: alice.identity, accountID: bobAccount.accountID, accountKey: bobAccount.accountKey.publicKey,
            deviceList: bobAccount.deviceList, bundle: bob[index].device.bundle(), pinned: nil, now: now, randomness: &handshakeRandomness)
        var record = SessionRecord()
        record.promote(try SessionState(initiator: initiated, randomness: &random))
        return record
    }

    /// Alice seals `text` to the given devices of Bob: one upload.
    mutating func aliceSends(_ text: String, to indices: [Int] = [0], envelopeID: EnvelopeID = .random(), certificate: SenderCertificate? = nil) throws -> EnvelopeUpload {
        let prepared = try PreparedContent(Array(text.utf8), envelopeID: envelopeID)
        var messages: [(recipient: EnvelopeRecipient, message: SessionMessage)] = []
        for index in indices {
            let sent = try aliceRecord(for: index).encrypt(prepared, now: now, randomness: &random)
            alice.records[bob[index].address] = sent.record
            let recipient = try EnvelopeRecipient(
                peer: bob[index].peer, envelopeKey: bob[index].currentEnvelopeKey, fetchedAt: now,
                access: .key(try bobAccessSecret.accessKey(for: bobAccount.accountID)), now: now)
            messages.append((recipient, sent.message))
        }
        return try EnvelopeSealer.seal(prepared, messages: messages, certificate: certificate ?? op.senderCertificate(for: alice.identity))
    }

    /// The envelope the relay would deliver to Bob's device `index` from `upload`.
    func delivery(_ upload: EnvelopeUpload, to index: Int, receivedAt: UInt64? = nil, sequence: UInt64 = 1) throws -> MailboxDelivery {
        let envelope = upload.split().first { $0.recipient.address == bob[index].address }!.envelope
        // Through bytes, as the relay stores and delivers it.
        let delivery = MailboxDelivery(sequence: sequence, receivedAt: receivedAt ?? now, envelope: envelope)
        return try MailboxDelivery(serialized: delivery.serialized())
    }

    /// Bob's device `index` opens, authenticates and commits a delivery.
    mutating func bobOpens(_ delivery: MailboxDelivery, at index: Int, now readerNow: UInt64? = nil) throws -> OpenedMessage {
        let readNow = readerNow ?? now
        let unverified = try EnvelopeOpener.open(delivery, recipient: bob[index].address, envelopeKeys: bob[index].envelopeKeys, trust: op.trust, now: readNow)
        let record = bob[index].records[unverified.claimedSender] ?? SessionRecord()
        let opened = try unverified.decrypt(
            record: record, identity: bob[index].identity, prekeys: bob[index].device.prekeys, initiatorDeviceList: aliceAccount.deviceList,
            pinned: nil, alreadyProcessed: { [processed = bob[index].processed] in processed.contains($0) }, now: readNow, randomness: &random)
        bob[index].records[unverified.claimedSender] = opened.record
        bob[index].processed.insert(opened.deduplicationKey)
        if let handshake = opened.handshake { bob[index].device.prekeys.apply(handshake.consumption) }
        return opened
    }
}
