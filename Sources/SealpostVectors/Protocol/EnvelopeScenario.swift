import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// A sealed-envelope exchange rebuilt from a vector (`Spec/vectors.md`, "Envelope vectors"): an
/// operator (root and server key from seeds), a sending device, and recipient devices, each with
/// its envelope key and a Double Ratchet session with the sender built from raw handshake outputs.
struct EnvelopeScenario {
    /// One recipient device and everything both sides hold for it.
    struct Recipient {
        let fields: JSONFields
        let address: DeviceAddress
        let identity: DeviceIdentity
        let peer: PeerIdentity
        let envelopeKey: SignedEnvelopeKey
        let envelopeKeys: EnvelopeKeyStore
        let access: DeliveryAccess
        let accessSecret: DeliveryAccessSecret?
        let hpkeEphemeral: X25519.PrivateKey
        let sessionInputs: (root: SecretBytes, chain: SecretBytes, ad: [UInt8], baseKey: X25519.PublicKey, signed: X25519.PrivateKey)
    }

    let fields: JSONFields
    let now: UInt64
    let receivedAt: UInt64
    let serverCertificate: ServerCertificate
    let senderCertificate: SenderCertificate
    let revocationList: ServerKeyRevocationList?
    let trust: OperatorTrust
    let sender: PeerIdentity
    let recipients: [Recipient]

    init(_ fields: JSONFields) throws {
        self.fields = fields
        now = UInt64(try fields.int("now"))
        receivedAt = UInt64(try fields.int("receivedAt"))
        let root = try Self.signingKey(fields, "rootSeed")
        let server = try Self.signingKey(fields, "serverSeed")
        let serverKeyID = UInt32(try fields.int("serverKeyID"))
        serverCertificate = try ServerCertificate.issue(
            rootKey: root, keyID: serverKeyID, serverKey: server.publicKey, notBefore: UInt64(try fields.int("serverNotBefore")),
            notAfter: UInt64(try fields.int("serverNotAfter")))
        var trust = OperatorTrust(rootKey: root.publicKey)
        try trust.add(serverCertificate)
        if fields.has("revocationSequence") {
            let list = try ServerKeyRevocationList.sign(
                rootKey: root, sequence: UInt64(try fields.int("revocationSequence")), issuedAt: now,
                revokedKeyIDs: try fields.ints("revokedKeyIDs").map { UInt32($0) })
            try trust.apply(list)
            revocationList = list
        } else {
            revocationList = nil
        }
        self.trust = trust
        let senderAccount = try AccountID(rawRepresentation: try fields.hex("senderAccountID"))
        let senderDevice = try DeviceID(UInt32(try fields.int("senderDeviceID")))
        let senderKey = try Self.signingKey(fields, "senderDeviceSeed")
        sender = PeerIdentity(
            accountID: senderAccount, accountKey: try Self.signingKey(fields, "senderAccountSeed").publicKey, deviceID: senderDevice,
            deviceKey: senderKey.publicKey)
        let certifiedKey = fields.has("certificateDeviceSeed") ? try Self.signingKey(fields, "certificateDeviceSeed") : senderKey
        let signer = fields.has("certificateSignerSeed") ? try Self.signingKey(fields, "certificateSignerSeed") : server
        senderCertificate = SenderCertificate.issue(
            serverKey: signer, serverKeyID: fields.has("certificateServerKeyID") ? UInt32(try fields.int("certificateServerKeyID")) : serverKeyID,
            accountID: senderAccount, deviceID: senderDevice, deviceKey: certifiedKey.publicKey, expires: UInt64(try fields.int("certificateExpires")))
        var items: [JSONValue] = []
        if case .array(let list)? = fields.values["recipients"] { items = list }
        var recipients: [Recipient] = []
        for item in items {
            guard case .object(let object) = item else { throw CheckFailure("a recipient is not an object") }
            recipients.append(try Self.recipient(JSONFields(object, location: "\(fields.location), recipient \(recipients.count)"), now: now))
        }
        self.recipients = recipients
    }

    static func signingKey(_ fields: JSONFields, _ name: String) throws -> Ed25519.PrivateKey {
        try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex(name)))
    }

    static func x25519(_ fields: JSONFields, _ name: String) throws -> X25519.PrivateKey {
        try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex(name)))
    }

    static func recipient(_ fields: JSONFields, now: UInt64) throws -> Recipient {
        let accountID = try AccountID(rawRepresentation: try fields.hex("accountID"))
        let deviceID = try DeviceID(UInt32(try fields.int("deviceID")))
        let accountKey = try signingKey(fields, "accountSeed")
        let deviceKey = try signingKey(fields, "deviceSeed")
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: accountID, deviceID: deviceID, deviceKey: deviceKey.publicKey, createdAt: now)
        let identity = try DeviceIdentity(accountID: accountID, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        let envelopePrivate = try x25519(fields, "envelopePrivateKey")
        let envelopeKey = SignedEnvelopeKey.sign(
            id: UInt32(try fields.int("envelopeKeyID")), createdAt: UInt64(try fields.int("envelopeKeyCreatedAt")), key: envelopePrivate.publicKey,
            accountID: accountID, deviceID: deviceID, deviceKey: deviceKey)
        var store = EnvelopeKeyStore()
        store.insert(EnvelopeKeyRecord(published: envelopeKey, privateKey: envelopePrivate, retiredAt: nil), current: true)
        let secret = try fields.optionalHex("accessSecret").map { try DeliveryAccessSecret(SecretBytes(copying: $0)) }
        return Recipient(
            fields: fields, address: DeviceAddress(accountID: accountID, deviceID: deviceID), identity: identity,
            peer: PeerIdentity(accountID: accountID, accountKey: accountKey.publicKey, deviceID: deviceID, deviceKey: deviceKey.publicKey),
            envelopeKey: envelopeKey, envelopeKeys: store, access: try secret.map { .key(try $0.accessKey(for: accountID)) } ?? .none, accessSecret: secret,
            hpkeEphemeral: try x25519(fields, "hpkeEphemeral"),
            sessionInputs: (
                SecretBytes(copying: try fields.hex("rootKey")), SecretBytes(copying: try fields.hex("chainKey")), try fields.hex("associatedData"),
                try X25519.PublicKey(rawRepresentation: try fields.hex("baseKey")), try x25519(fields, "signedPrekeyPrivate")
            ))
    }

    /// Seals `plaintext` to every recipient; returns the outputs by name, per recipient and overall.
    func seal() throws -> (outputs: [String: JSONValue], recipients: [[String: JSONValue]], upload: EnvelopeUpload) {
        let envelopeID = try EnvelopeID(rawRepresentation: try fields.hex("envelopeID"))
        let prepared = try PreparedContent(try fields.hex("plaintext"), envelopeID: envelopeID, contentKey: SecretBytes(copying: try fields.hex("contentKey")))
        var outputs: [String: JSONValue] = [:]
        outputs["serverCertificate"] = .string(Hex.encode(serverCertificate.serialized()))
        outputs["senderCertificate"] = .string(Hex.encode(senderCertificate.serialized()))
        outputs["content"] = .string(Hex.encode(prepared.content))
        outputs["contentHash"] = .string(Hex.encode(prepared.contentHash))
        var perRecipient: [[String: JSONValue]] = []
        var entries: [EnvelopeUpload.Recipient] = []
        for recipient in recipients {
            let sent = try Self.senderEncrypts(PreparedContent.contentKeyPlaintext(prepared), to: recipient, now: now)
            let target = try EnvelopeRecipient(peer: recipient.peer, envelopeKey: recipient.envelopeKey, fetchedAt: now, access: recipient.access, now: now)
            let entry = try EnvelopeSealer.sealPart(
                prepared, message: sent.message, to: target, certificate: senderCertificate, ephemeral: recipient.hpkeEphemeral)
            entries.append(entry)
            let part = try EnvelopePart(senderCertificate: senderCertificate, sessionMessage: sent.message.serialized())
            var object: [String: JSONValue] = [:]
            object["signedEnvelopeKey"] = .string(Hex.encode(recipient.envelopeKey.serialized()))
            if let secret = recipient.accessSecret {
                let key = try secret.accessKey(for: recipient.address.accountID)
                object["accessKey"] = .string(key.rawRepresentation.withUnsafeBytes { Hex.encode($0) })
                object["accessVerifier"] = .string(Hex.encode(key.verifier.rawRepresentation))
            }
            object["contentKeyMessage"] = .string(Hex.encode(PreparedContent.contentKeyPlaintext(prepared)))
            object["sessionMessage"] = .string(Hex.encode(sent.message.serialized()))
            object["info"] = .string(Hex.encode(EnvelopeSealer.info(recipient.address, keyID: recipient.envelopeKey.id)))
            object["aad"] = .string(Hex.encode(EnvelopeSealer.associatedData(envelopeID, contentHash: prepared.contentHash)))
            object["paddedPart"] = .string(Hex.encode(part.padded()))
            object["encapsulatedKey"] = .string(Hex.encode(entry.encapsulatedKey))
            object["sealedPart"] = .string(Hex.encode(entry.sealedPart))
            perRecipient.append(object)
        }
        let upload = try EnvelopeUpload(envelopeID: envelopeID, content: prepared.content, recipients: entries)
        outputs["upload"] = .string(Hex.encode(upload.serialized()))
        for (index, (_, envelope)) in upload.split().enumerated() {
            perRecipient[index]["envelope"] = .string(Hex.encode(envelope.serialized()))
            let delivery = MailboxDelivery(sequence: UInt64(try fields.int("sequence")), receivedAt: receivedAt, envelope: envelope)
            perRecipient[index]["delivery"] = .string(Hex.encode(delivery.serialized()))
        }
        return (outputs, perRecipient, upload)
    }

    /// The sending device's first message in its session with `recipient`, from the vector's raw
    /// handshake outputs, first ratchet key and nonce.
    static func senderEncrypts(_ plaintext: [UInt8], to recipient: Recipient, now: UInt64) throws -> SessionRecord.Sent {
        var random = RecordedRatchetRandomness(
            ratchetKeys: [try x25519(recipient.fields, "aliceRatchetKey")],
            nonces: [try XChaCha20Poly1305.Nonce(rawRepresentation: try recipient.fields.hex("aliceNonce"))])
        let inputs = recipient.sessionInputs
        var record = SessionRecord()
        record.promote(try SessionState(
            initiatorRootKey: inputs.root, chainKey: inputs.chain, associatedData: inputs.ad, baseKey: inputs.baseKey, peer: recipient.peer,
            signedPrekey: inputs.signed.publicKey, randomness: &random))
        let sent = try record.encrypt(plaintext, now: now, randomness: &random)
        guard !random.exhausted else { throw CheckFailure("the vector records too few ratchet keys or nonces") }
        return sent
    }

    /// An envelope to recipient 0 whose inner message is `innerPlaintext` (what a misbehaving
    /// sender might encrypt instead of the content-key message) and whose content is `prepared`'s.
    func sealCrafted(innerPlaintext: [UInt8], prepared: PreparedContent) throws -> SealedEnvelope {
        let recipient = recipients[0]
        let sent = try Self.senderEncrypts(innerPlaintext, to: recipient, now: now)
        let target = try EnvelopeRecipient(peer: recipient.peer, envelopeKey: recipient.envelopeKey, fetchedAt: now, access: recipient.access, now: now)
        let entry = try EnvelopeSealer.sealPart(prepared, message: sent.message, to: target, certificate: senderCertificate, ephemeral: recipient.hpkeEphemeral)
        return try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: [entry]).split()[0].envelope
    }

    /// Recipient `index` opens `envelope` (as device `openAs`, normally itself) and decrypts it in
    /// its session with the sender.
    func open(_ envelope: SealedEnvelope, recipient index: Int, openAs: DeviceAddress? = nil) throws -> OpenedMessage {
        let recipient = recipients[index]
        let delivery = MailboxDelivery(sequence: UInt64(try fields.int("sequence")), receivedAt: receivedAt, envelope: envelope)
        let unverified = try EnvelopeOpener.open(
            MailboxDelivery(serialized: delivery.serialized()), recipient: openAs ?? recipient.address, envelopeKeys: recipient.envelopeKeys,
            trust: trust, now: now)
        let inputs = recipient.sessionInputs
        var record = SessionRecord()
        record.promote(SessionState(
            responderRootKey: inputs.root, chainKey: inputs.chain, associatedData: inputs.ad, baseKey: inputs.baseKey, peer: sender,
            signedPrekey: inputs.signed))
        var random = RecordedRatchetRandomness(ratchetKeys: [try Self.x25519(recipient.fields, "bobRatchetKey")], nonces: [])
        // The claimed sender's record: this scenario holds one session, with the sending device.
        guard unverified.claimedSender == DeviceAddress(accountID: sender.accountID, deviceID: sender.deviceID) else { throw SessionError.noSession }
        return try unverified.decrypt(
            record: record, identity: recipient.identity, prekeys: PrekeyStore(), initiatorDeviceList: nil, pinned: nil, alreadyProcessed: { _ in false },
            now: now, randomness: &random)
    }
}
