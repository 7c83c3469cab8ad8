import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Checkers for `Vectors/handshake/` (`Spec/vectors.md`, "Handshake vectors").
enum HandshakeChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "pqxdh": pqxdh
        case "pqxdh-initiate": initiateInvalid
        case "pqxdh-respond": respondInvalid
        default: nil
        }
    }

    /// A full run: every intermediate value, both sides, and the wire bytes.
    static func pqxdh(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let scenario = try HandshakeScenario(fields)
            try expectEqual(scenario.alice.identity.certificate.serialized(), try fields.hex("aliceCertificate"), "aliceCertificate")
            try expectEqual(scenario.bob.identity.certificate.serialized(), try fields.hex("bobCertificate"), "bobCertificate")
            try expectEqual(scenario.alice.deviceList.serialized(), try fields.hex("aliceDeviceList"), "aliceDeviceList")
            try expectEqual(scenario.bob.deviceList.serialized(), try fields.hex("bobDeviceList"), "bobDeviceList")
            try expectEqual(scenario.bundle.serialized(), try fields.hex("bundle"), "bundle")

            // The DH inputs of PQXDH §3.3, computed here directly from the recorded keys.
            let aliceDH = scenario.alice.identity.deviceKey.x25519PrivateKey()
            let bobDH = scenario.bob.identity.deviceKey.x25519PrivateKey()
            let spk = scenario.signedPrekey.privateKey.publicKey
            try expectEqual(try aliceDH.sharedSecret(with: spk).secretBytes, try fields.hex("dh1"), "dh1")
            try expectEqual(try scenario.ephemeral.sharedSecret(with: bobDH.publicKey).secretBytes, try fields.hex("dh2"), "dh2")
            try expectEqual(try scenario.ephemeral.sharedSecret(with: spk).secretBytes, try fields.hex("dh3"), "dh3")
            if let oneTime = scenario.oneTimePrekey {
                try expectEqual(try scenario.ephemeral.sharedSecret(with: oneTime.privateKey.publicKey).secretBytes, try fields.hex("dh4"), "dh4")
            }
            try expectEqual(try scenario.kemPrekey.privateKey.decapsulate(scenario.kemCiphertext).secretBytes, try fields.hex("kemSharedSecret"), "kemSharedSecret")

            let initiated = try scenario.initiate()
            try expectEqual(initiated.message.serialized(), try fields.hex("initialMessage"), "initialMessage")
            try expectEqual(initiated.secret.associatedData, try fields.hex("associatedData"), "associatedData")
            try expectEqual(initiated.secret.transcriptHash, try fields.hex("transcriptHash"), "transcriptHash")
            try expectEqual(initiated.secret.rootKey, try fields.hex("rootKey"), "rootKey")
            try expectEqual(initiated.secret.chainKey, try fields.hex("chainKey"), "chainKey")

            let responded = try Handshake.respond(
                to: try InitialMessage(serialized: try fields.hex("initialMessage")), identity: scenario.bob.identity,
                initiatorDeviceList: scenario.alice.deviceList, pinned: nil, prekeys: scenario.prekeys, now: scenario.now)
            guard responded.secret.constantTimeEquals(initiated.secret) else { throw CheckFailure("the responder derived another secret") }
        }
    }

    /// Alice's side refusing a bundle. Optional overrides: `bundle`, `bobDeviceList`,
    /// `pinnedBobDeviceList` (pinned first), `checkAt` (the time of the check).
    static func initiateInvalid(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let scenario = try HandshakeScenario(fields)
            let bundle = try fields.optionalHex("bundle").map { bytes throws(WireError) in try PrekeyBundle(serialized: bytes) }
            let list = try fields.optionalHex("bobDeviceList").map { bytes throws(WireError) in try DeviceList(serialized: bytes) }
            var pinned: AccountPin?
            if let pinnedBytes = try fields.optionalHex("pinnedBobDeviceList") {
                pinned = try AccountTrustCheck(
                    accountID: scenario.bob.accountID, accountKey: scenario.bob.accountKey.publicKey,
                    deviceList: try DeviceList(serialized: pinnedBytes), pinned: nil).pin
            }
            let time = fields.has("checkAt") ? UInt64(try fields.int("checkAt")) : nil
            _ = try scenario.initiate(bundle: bundle, bobList: list, pinned: pinned, at: time)
        }
    }

    /// Bob's side refusing an initial message (`initialMessage`). Optional: `aliceDeviceList`,
    /// `pinnedAliceDeviceList`, and `lastResortAlreadyUsed` (the message's base key was already
    /// used with the last-resort prekey).
    static func respondInvalid(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let scenario = try HandshakeScenario(fields)
            let message = try InitialMessage(serialized: try fields.hex("initialMessage"))
            let list = try fields.optionalHex("aliceDeviceList").map { bytes throws(WireError) in try DeviceList(serialized: bytes) }
            var pinned: AccountPin?
            if let pinnedBytes = try fields.optionalHex("pinnedAliceDeviceList") {
                pinned = try AccountTrustCheck(
                    accountID: scenario.alice.accountID, accountKey: scenario.alice.accountKey.publicKey,
                    deviceList: try DeviceList(serialized: pinnedBytes), pinned: nil).pin
            }
            var prekeys = scenario.prekeys
            if fields.has("lastResortAlreadyUsed") {
                prekeys.apply(PrekeyConsumption(
                    oneTimePrekeyID: nil, oneTimeKEMPrekeyID: nil,
                    lastResortUse: .init(kemPrekeyID: scenario.kemPrekey.published.id, baseKey: message.baseKey)))
            }
            _ = try Handshake.respond(
                to: message, identity: scenario.bob.identity, initiatorDeviceList: list ?? scenario.alice.deviceList, pinned: pinned,
                prekeys: prekeys, now: scenario.now)
        }
    }
}
