import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Generates `Vectors/envelope/`: the operator trust chain's checks, and sealed envelopes with
/// every intermediate value, opened and refused.
enum EnvelopeVectors {
    typealias Test = VectorFileBuilder.Test
    typealias Case = (String, String, [String], String?, Test)

    static let now: UInt64 = 1_790_000_000
    static let day = Limits.day

    /// The operator and the sending device (Alice's device 1).
    static func base() -> Test {
        var test = Test()
        test.hex("rootSeed", VectorSeeds.bytes("envelope/operator-root"))
        test.hex("serverSeed", VectorSeeds.bytes("envelope/server-key-1"))
        test.int("serverKeyID", 1)
        test.int("serverNotBefore", now - 30 * day)
        test.int("serverNotAfter", now + 60 * day)
        test.hex("senderAccountID", VectorSeeds.bytes("envelope/alice-account-id", 16))
        test.hex("senderAccountSeed", VectorSeeds.bytes("envelope/alice-account-key"))
        test.int("senderDeviceID", 1)
        test.hex("senderDeviceSeed", VectorSeeds.bytes("envelope/alice-device-1"))
        test.int("certificateExpires", now + 20 * 3_600)
        test.int("receivedAt", now)
        test.int("now", now + 60)
        test.int("sequence", 42)
        return test
    }

    /// A recipient device's inputs: its keys, its envelope key, and the session the sender has
    /// with it (raw handshake outputs, as in the ratchet vectors).
    static func recipient(_ name: String, accountLabel: String, deviceID: Int, accessSecret: Bool) -> JSONValue {
        var test = Test()
        test.hex("accountID", VectorSeeds.bytes("envelope/\(accountLabel)-account-id", 16))
        test.hex("accountSeed", VectorSeeds.bytes("envelope/\(accountLabel)-account-key"))
        test.int("deviceID", deviceID)
        test.hex("deviceSeed", VectorSeeds.bytes("envelope/\(name)/device-key"))
        test.int("envelopeKeyID", 1_000 + deviceID)
        test.int("envelopeKeyCreatedAt", now - 3 * day)
        test.hex("envelopePrivateKey", VectorSeeds.bytes("envelope/\(name)/envelope-key"))
        test.hex("hpkeEphemeral", VectorSeeds.bytes("envelope/\(name)/hpke-ephemeral"))
        if accessSecret { test.hex("accessSecret", VectorSeeds.bytes("envelope/\(accountLabel)-access-secret")) }
        test.hex("rootKey", VectorSeeds.bytes("envelope/\(name)/root-key"))
        test.hex("chainKey", VectorSeeds.bytes("envelope/\(name)/chain-key"))
        test.hex("associatedData", VectorSeeds.bytes("envelope/\(name)/associated-data", 172))
        test.hex("baseKey", VectorSeeds.bytes("envelope/\(name)/base-key"))
        test.hex("signedPrekeyPrivate", VectorSeeds.bytes("envelope/\(name)/signed-prekey"))
        test.hex("aliceRatchetKey", VectorSeeds.bytes("envelope/\(name)/alice-ratchet-key"))
        test.hex("aliceNonce", VectorSeeds.bytes("envelope/\(name)/alice-nonce", 24))
        test.hex("bobRatchetKey", VectorSeeds.bytes("envelope/\(name)/bob-ratchet-key"))
        return .object(test.fields)
    }

    static let bob1 = recipient("bob-1", accountLabel: "bob", deviceID: 1, accessSecret: true)
    static let bob2 = recipient("bob-2", accountLabel: "bob", deviceID: 2, accessSecret: true)
    static let carol1 = recipient("carol-1", accountLabel: "carol", deviceID: 1, accessSecret: false)

    static func message(_ test: inout Test, id: String, plaintext: String) {
        test.hex("envelopeID", VectorSeeds.bytes("envelope/\(id)/envelope-id", 16))
        test.hex("contentKey", VectorSeeds.bytes("envelope/\(id)/content-key"))
        test.hex("plaintext", Array(plaintext.utf8))
    }

    // MARK: certificates.json

    static func certificates() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost operator trust chain v1 (Ed25519, domain-separated)", source: "Sealpost", reference: "Spec/envelope.md",
            notes: [
                "RelayClock": "Checked against the relay's stamp (receivedAt), not the reader's clock (now).",
                "Skew": "At or beyond the certificate clock skew (600 s).",
                "Revoked": "The operator root's revocation list names the server key.",
                "UnknownKey": "The certificate names a server key the reader has no certificate for.",
                "WrongSigner": "Signed by a key other than the certified server key.",
                "Stamp": "The relay's stamp is implausible for the reader's clock.",
            ])
        func test(_ change: (inout Test) -> Void) throws -> Test {
            var test = base()
            change(&test)
            let scenario = try EnvelopeScenario(JSONFields(test.fields, location: "generator"))
            test.hex("serverCertificate", scenario.serverCertificate.serialized())
            test.hex("senderCertificate", scenario.senderCertificate.serialized())
            if let list = scenario.revocationList { test.hex("revocationList", list.serialized()) }
            return test
        }
        let expires = now + 20 * 3_600
        file.group("sender-certificate", comment: "Sender certificates from server key 1, certified by the operator root", [
            ("valid when received and when read", "Spec/envelope.md", ["RelayClock"], nil, try test { _ in }),
            ("expired by the reader's clock (read 20 days later), valid when the relay received it: accepted", "Spec/envelope.md", ["RelayClock"], nil,
             try test { $0.int("receivedAt", expires - 60); $0.int("now", expires + 20 * day) }),
            ("received 600 s after expiry: within the skew, accepted", "Spec/envelope.md", ["Skew"], nil,
             try test { $0.int("receivedAt", expires + 600); $0.int("now", expires + 700) }),
            ("received 601 s after expiry", "Spec/envelope.md", ["Skew"], "certificateExpired",
             try test { $0.int("receivedAt", expires + 601); $0.int("now", expires + 700) }),
            ("server key revoked by the root", "Spec/envelope.md", ["Revoked"], "revokedServerKey",
             try test { $0.int("revocationSequence", 1); $0.ints("revokedKeyIDs", [1, 5]) }),
            ("names server key 99, which the reader does not know", "Spec/envelope.md", ["UnknownKey"], "unknownServerKey",
             try test { $0.int("certificateServerKeyID", 99) }),
            ("names server key 1 but is signed by another key", "Spec/envelope.md", ["WrongSigner"], "authenticationFailed",
             try test { $0.hex("certificateSignerSeed", VectorSeeds.bytes("envelope/not-the-server-key")) }),
            ("received after the server certificate's window closed", "Spec/envelope.md", ["RelayClock"], "serverCertificateNotValid",
             try test { $0.int("serverNotAfter", now - 2 * day); $0.int("receivedAt", now - day); $0.int("certificateExpires", now) }),
            ("expires two days after the relay received it: longer than any certificate the relay issues", "Spec/envelope.md", ["RelayClock"],
             "certificateLifetimeExceeded", try test { $0.int("certificateExpires", now + 2 * day) }),
            ("stamped two days in the reader's future", "Spec/envelope.md", ["Stamp"], "implausibleDeliveryTime",
             try test { $0.int("receivedAt", now + 2 * day) }),
            ("stamped longer ago than the relay keeps mail", "Spec/envelope.md", ["Stamp"], "implausibleDeliveryTime",
             try test { $0.int("receivedAt", now - 32 * day); $0.int("certificateExpires", now - 31 * day) }),
        ])
        return file.json
    }

    // MARK: sealed-envelopes.json

    /// Seals the test's message to its recipients; returns the test with every output filled in.
    static func sealed(_ test: Test) throws -> (Test, EnvelopeUpload) {
        var test = test
        let (outputs, perRecipient, upload) = try EnvelopeScenario(JSONFields(test.fields, location: "generator")).seal()
        for (name, value) in outputs { test.fields[name] = value }
        guard case .array(let items)? = test.fields["recipients"] else { throw CheckFailure("no recipients") }
        test.fields["recipients"] = .array(zip(items, perRecipient).map { item, output in
            guard case .object(var object) = item else { return item }
            for (name, value) in output { object[name] = value }
            return .object(object)
        })
        return (test, upload)
    }

    static func sealedEnvelopes() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost sealed envelopes v1 (HPKE base mode X25519/HKDF-SHA256/ChaCha20-Poly1305, Padmé and ISO/IEC 7816-4 padding)",
            source: "Sealpost", reference: "Spec/envelope.md",
            notes: [
                "Single": "One recipient device: an upload with n = 1.",
                "Multi": "One upload to several devices; the relay splits it into single-device envelopes.",
                "RelayClock": "The certificate is checked against the relay's stamp.",
                "Chain": "A check of the operator trust chain, after the part decrypted.",
                "Tampered": "Bytes of the envelope were changed in transit.",
                "Structure": "Refused before any decryption.",
                "Identity": "The inner message authenticated another device than the certificate names.",
                "Padding": "Decrypted bytes are not padded as specified.",
                "Inner": "The sender authenticated, but its inner message or content breaks the rules.",
            ])
        var single = base()
        single.fields["recipients"] = .array([bob1])
        message(&single, id: "single", plaintext: "Sealpost test vector: hello Bob")
        let (singleSealed, singleUpload) = try sealed(single)
        var multi = base()
        multi.fields["recipients"] = .array([bob1, bob2, carol1])
        message(&multi, id: "multi", plaintext: String(repeating: "One content for every device of a group. ", count: 8))
        let (multiSealed, _) = try sealed(multi)
        file.group("envelope-seal", comment: "Sealing, splitting and opening, with every intermediate value", [
            ("one recipient device, with a delivery access key", "Spec/envelope.md", ["Single"], nil, singleSealed),
            ("three devices of two accounts in one upload; Carol takes mail from anyone (no access key)", "Spec/envelope.md", ["Multi"], nil, multiSealed),
        ])

        let envelope = singleUpload.split()[0].envelope
        func opening(_ comment: String, _ flags: [String], _ error: String?, _ bytes: [UInt8], _ change: (inout Test) -> Void = { _ in }) -> Case {
            var test = single
            change(&test)
            test.hex("envelope", bytes)
            return (comment, "Spec/envelope.md", flags, error, test)
        }
        /// The same message sealed under changed fields (another certificate, another clock).
        func resealed(_ change: (inout Test) -> Void) throws -> [UInt8] {
            var test = single
            change(&test)
            return try sealed(test).1.split()[0].envelope.serialized()
        }
        func with(_ transform: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = envelope.serialized()
            transform(&bytes)
            return bytes
        }
        let contentOffset = 1 + 16 + 4 + 32 + 2 + envelope.sealedPart.count + 4
        var other = single
        message(&other, id: "other", plaintext: "Sealpost test vector: another message")
        let otherContent = try sealed(other).1.content
        let swapped = try SealedEnvelope(
            envelopeID: envelope.envelopeID, envelopeKeyID: envelope.envelopeKeyID, encapsulatedKey: envelope.encapsulatedKey,
            sealedPart: envelope.sealedPart, content: otherContent)
        let scenario = try EnvelopeScenario(JSONFields(single.fields, location: "generator"))
        let recipient = scenario.recipients[0]
        var sender = try HPKE.Sender(
            recipientKey: recipient.envelopeKey.key, info: EnvelopeSealer.info(recipient.address, keyID: recipient.envelopeKey.id),
            ephemeral: recipient.hpkeEphemeral)
        guard case .array(let items)? = singleSealed.fields["recipients"], case .object(let outputs) = items[0],
            case .string(let paddedHex)? = outputs["paddedPart"], case .string(let aadHex)? = outputs["aad"]
        else { throw CheckFailure("the single-recipient vector lacks its outputs") }
        var badPadding = try Hex.decode(paddedHex)
        badPadding[badPadding.count - 1] = 0x01
        let badPart = try sender.seal(badPadding, authenticating: try Hex.decode(aadHex))
        let badPadded = try SealedEnvelope(
            envelopeID: envelope.envelopeID, envelopeKeyID: envelope.envelopeKeyID, encapsulatedKey: sender.encapsulatedKey, sealedPart: badPart,
            content: envelope.content)
        // A sender that misbehaves inside an authenticated inner message.
        let envelopeID = try EnvelopeID(rawRepresentation: try JSONFields(single.fields, location: "generator").hex("envelopeID"))
        let contentKey = SecretBytes(copying: try JSONFields(single.fields, location: "generator").hex("contentKey"))
        let prepared = try PreparedContent(restoring: envelopeID, content: envelope.content, contentKey: contentKey)
        func keyMessage(id: [UInt8], key: [UInt8], hash: [UInt8]) -> [UInt8] { [0x01] + id + key + hash }
        let realKey = try JSONFields(single.fields, location: "generator").hex("contentKey")
        let otherID = VectorSeeds.bytes("envelope/other-envelope-id", 16)
        let wrongID = try scenario.sealCrafted(innerPlaintext: keyMessage(id: otherID, key: realKey, hash: prepared.contentHash), prepared: prepared)
        let wrongHash = try scenario.sealCrafted(innerPlaintext: keyMessage(id: envelopeID.rawRepresentation, key: realKey, hash: SHA256.hash([1])), prepared: prepared)
        let wrongKey = try scenario.sealCrafted(
            innerPlaintext: keyMessage(id: envelopeID.rawRepresentation, key: VectorSeeds.bytes("envelope/wrong-content-key"), hash: prepared.contentHash),
            prepared: prepared)
        let shortMessage = try scenario.sealCrafted(innerPlaintext: Array(keyMessage(id: envelopeID.rawRepresentation, key: realKey, hash: prepared.contentHash).dropLast()), prepared: prepared)
        // A content that authenticates under K but is padded wrongly (the sender's own doing).
        let (aeadKey, commitment) = try PreparedContent.derive(contentKey, envelopeID: envelopeID)
        var badContentPadding = [UInt8](repeating: 0x41, count: 256)
        badContentPadding[255] = 0x01
        let badContent = commitment + ChaCha20Poly1305.seal(
            badContentPadding, using: aeadKey, nonce: try PreparedContent.zeroNonce(), authenticating: PreparedContent.associatedData(envelopeID))
        let badContentEnvelope = try scenario.sealCrafted(
            innerPlaintext: keyMessage(id: envelopeID.rawRepresentation, key: realKey, hash: SHA256.hash(badContent)),
            prepared: try PreparedContent(restoring: envelopeID, content: badContent, contentKey: contentKey))
        let expires = now + 20 * 3_600
        file.group("envelope-open", comment: "Bob's device 1 opens an envelope from Alice's device 1 and decrypts it in their session", [
            opening("the envelope as sealed", ["Single"], nil, envelope.serialized()),
            opening("certificate expired by the reader's clock (read 20 days later), valid when received: accepted", ["RelayClock"], nil,
                    try resealed { $0.int("receivedAt", expires - 60); $0.int("now", expires + 20 * day) }) { $0.int("receivedAt", expires - 60); $0.int("now", expires + 20 * day) },
            opening("certificate expired when the relay received the envelope", ["RelayClock"], "certificateExpired",
                    try resealed { $0.int("certificateExpires", now - 3_600) }) { $0.int("certificateExpires", now - 3_600) },
            opening("the certificate's server key is revoked", ["Chain"], "revokedServerKey", envelope.serialized()) {
                $0.int("revocationSequence", 3); $0.ints("revokedKeyIDs", [1])
            },
            opening("the certificate names an unknown server key", ["Chain"], "unknownServerKey",
                    try resealed { $0.int("certificateServerKeyID", 2) }),
            opening("the certificate names Alice's device with another identity key", ["Identity"], "senderMismatch",
                    try resealed { $0.hex("certificateDeviceSeed", VectorSeeds.bytes("envelope/mallory-device")) }),
            opening("the content of another envelope swapped in", ["Tampered"], "authenticationFailed", swapped.serialized()),
            opening("a content byte changed", ["Tampered"], "authenticationFailed", with { $0[contentOffset + 100] ^= 0x01 }),
            opening("a commitment byte changed", ["Tampered"], "authenticationFailed", with { $0[contentOffset + 3] ^= 0x80 }),
            opening("a sealed-part byte changed", ["Tampered"], "authenticationFailed", with { $0[1 + 16 + 4 + 32 + 2 + 50] ^= 0x01 }),
            opening("the envelope id changed", ["Tampered"], "authenticationFailed", with { $0[1] ^= 0x01 }),
            opening("the encapsulated key changed", ["Tampered"], "authenticationFailed", with { $0[1 + 16 + 4 + 5] ^= 0x01 }),
            opening("opened as Bob's device 2 (the info binds the device)", ["Tampered"], "authenticationFailed", envelope.serialized()) {
                $0.int("openAsDeviceID", 2)
            },
            opening("the part's last padding byte is 0x01, not 0x00", ["Padding"], "invalidPadding", badPadded.serialized()),
            opening("the inner message names another envelope id", ["Inner"], "envelopeIDMismatch", wrongID.serialized()),
            opening("the inner message commits to another content hash", ["Inner"], "contentMismatch", wrongHash.serialized()),
            opening("the inner message carries another content key: the commitment fails", ["Inner"], "authenticationFailed", wrongKey.serialized()),
            opening("the inner message is 80 bytes, not a content-key message", ["Inner"], "invalidContentKeyMessage", shortMessage.serialized()),
            opening("the content authenticates under K but its padding ends in 0x01", ["Inner", "Padding"], "invalidPadding", badContentEnvelope.serialized()),
            opening("names an envelope key the device does not hold", ["Structure"], "unknownEnvelopeKey", with { $0[1 + 16 + 3] ^= 0x01 }),
            opening("truncated by one byte", ["Structure"], "truncated", Array(envelope.serialized().dropLast())),
            opening("one trailing byte", ["Structure"], "trailingBytes", envelope.serialized() + [0]),
            opening("version 2", ["Structure"], "unsupportedVersion", with { $0[0] = 2 }),
        ])
        return file.json
    }
}
