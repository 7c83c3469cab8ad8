import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Generates `Vectors/ratchet/conversation.json`: a scripted conversation with every intermediate
/// value, and messages that must be refused.
enum RatchetVectors {
    /// The script: sends and deliveries, with out-of-order delivery, skipped keys and DH steps.
    static let script: [(action: String, party: String, text: String?, index: Int?)] = [
        ("send", "alice", "a0", nil),  // 0
        ("send", "alice", "a1", nil),  // 1
        ("send", "alice", "a2", nil),  // 2
        ("deliver", "bob", nil, 0),  // Bob's first DH step
        ("deliver", "bob", nil, 2),  // a1 skipped: its key is stored
        ("send", "bob", "b0", nil),  // 5
        ("send", "bob", "b1", nil),  // 6
        ("deliver", "alice", nil, 6),  // Alice's DH step; b0 skipped
        ("deliver", "alice", nil, 5),  // b0 from its skipped key
        ("deliver", "bob", nil, 1),  // a1, late, from a chain Bob already left
        ("send", "alice", "a3", nil),  // 10
        ("send", "alice", "a4", nil),  // 11
        ("deliver", "bob", nil, 11),
        ("deliver", "bob", nil, 10),
        ("send", "bob", "b2", nil),  // 14
        ("deliver", "alice", nil, 14),
        ("send", "alice", "a5", nil),  // 16
        ("deliver", "bob", nil, 16),
        ("send", "bob", "b3", nil),  // 18
        ("send", "bob", "b4", nil),  // 19
        ("deliver", "alice", nil, 18),
        ("deliver", "alice", nil, 19),
        ("send", "alice", "a6", nil),  // 22
        ("deliver", "bob", nil, 22),
    ]

    static func inputs() -> VectorFileBuilder.Test {
        var test = VectorFileBuilder.Test()
        test.hex("rootKey", VectorSeeds.bytes("ratchet/root-key"))
        test.hex("chainKey", VectorSeeds.bytes("ratchet/chain-key"))
        test.hex("associatedData", VectorSeeds.bytes("ratchet/associated-data", 172))
        test.hex("baseKey", VectorSeeds.bytes("ratchet/base-key"))
        test.hex("signedPrekeyPrivate", VectorSeeds.bytes("ratchet/bob-signed-prekey"))
        test.hexes("aliceRatchetKeys", (0..<8).map { VectorSeeds.bytes("ratchet/alice-ratchet-\($0)") })
        test.hexes("bobRatchetKeys", (0..<8).map { VectorSeeds.bytes("ratchet/bob-ratchet-\($0)") })
        test.hexes("aliceNonces", (0..<12).map { VectorSeeds.bytes("ratchet/alice-nonce-\($0)", 24) })
        test.hexes("bobNonces", (0..<12).map { VectorSeeds.bytes("ratchet/bob-nonce-\($0)", 24) })
        return test
    }

    static func scriptSteps() -> [RatchetScenario.Step] {
        script.map { RatchetScenario.Step(action: $0.action, party: $0.party, plaintext: $0.text.map { Array($0.utf8) } ?? [], index: $0.index ?? -1) }
    }

    static func encode(_ steps: [RatchetScenario.Step]) -> JSONValue {
        .array(steps.map { step in
            var object = step.outputs
            object["action"] = .string(step.action)
            object["party"] = .string(step.party)
            if step.action == "send" { object["plaintext"] = .string(Hex.encode(step.plaintext)) } else { object["index"] = .number(Double(step.index)) }
            return .object(object)
        })
    }

    static func generate() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost Double Ratchet v1 (X25519, HKDF-SHA-256, HMAC-SHA-256, XChaCha20-Poly1305)", source: "Sealpost",
            reference: "Spec/ratchet.md",
            notes: [
                "OutOfOrder": "Messages delivered out of order: skipped keys are stored and used.",
                "DHStep": "Replies trigger DH ratchet steps in both directions.",
                "Tampered": "A byte of the message was changed.",
                "Replay": "A message delivered a second time.",
                "Window": "A message further ahead in its chain than the window allows.",
                "WrongAD": "The receiver's associated data differs from the sender's.",
            ])
        let base = inputs()
        var scenario = try RatchetScenario(JSONFields(base.fields, location: "generator"))
        var steps = scriptSteps()
        try scenario.run(&steps)
        var conversation = base
        conversation.fields["steps"] = encode(steps)
        file.group("ratchet-conversation", comment: "Alice and Bob from the handshake's outputs, 12 messages", [
            ("12 messages both ways: out-of-order delivery, skipped keys, late messages from an old chain, DH steps",
             "Spec/ratchet.md", ["OutOfOrder", "DHStep"], nil, conversation),
        ])

        let last = try RatchetMessage(serialized: try Hex.decode(stepOutput(steps[22], "message")))
        func reject(_ comment: String, _ flag: String, _ error: String, replay: Int, _ message: [UInt8], bobAD: [UInt8]? = nil)
            -> (String, String, [String], String?, VectorFileBuilder.Test)
        {
            var test = base
            test.fields["steps"] = encode(Array(scriptSteps().prefix(max(replay, 0))))
            test.int("replaySteps", replay)
            test.hex("message", message)
            test.string("to", "bob")
            if let bobAD { test.hex("bobAssociatedData", bobAD) }
            return (comment, "derived from Spec/ratchet.md", [flag], error, test)
        }
        var tamperedCiphertext = last.serialized()
        tamperedCiphertext[tamperedCiphertext.count - 1] ^= 0x01
        let tamperedHeader = try RatchetMessage(
            ratchetKey: last.ratchetKey, previousChainLength: last.previousChainLength, messageNumber: last.messageNumber + 1,
            nonce: last.nonce, ciphertext: last.ciphertext).serialized()
        let farAhead = try RatchetMessage(
            ratchetKey: last.ratchetKey, previousChainLength: last.previousChainLength,
            messageNumber: last.messageNumber + UInt32(Limits.maximumForwardJump) + 1, nonce: last.nonce, ciphertext: last.ciphertext).serialized()
        let first = try Hex.decode(stepOutput(steps[0], "message"))
        var otherAD = VectorSeeds.bytes("ratchet/associated-data", 172)
        otherAD[0] ^= 0x01
        file.group("ratchet-reject", comment: "Messages Bob must refuse after replaying `replaySteps` steps of the script", [
            reject("a6 with its last ciphertext byte flipped", "Tampered", "authenticationFailed", replay: 23, tamperedCiphertext),
            reject("a6 with its message number changed", "Tampered", "authenticationFailed", replay: 23, tamperedHeader),
            reject("a6 delivered again", "Replay", "duplicate", replay: 24, last.serialized()),
            reject("a6's header moved beyond the window", "Window", "tooFarAhead", replay: 23, farAhead),
            reject("a0 to a Bob whose associated data differs", "WrongAD", "authenticationFailed", replay: 1, first, bobAD: otherAD),
        ])
        try decryptionErrors(into: &file, failed: last)
        return file.json
    }

    /// Reports Bob makes about `failed` (Alice's a6), as Alice checks them.
    static func decryptionErrors(into file: inout VectorFileBuilder, failed: RatchetMessage) throws {
        file.notes["Forged"] = "Signed by a key that is not the reporter's pinned device key."
        file.notes["OtherLabel"] = "The reporter's signature over the same fields, made in another signature domain."
        file.notes["WrongDevice"] = "Addressed to another sender device."
        file.notes["Replayed"] = "A report the sender already handled."
        file.notes["RateLimited"] = "A second reset inside the minimum interval."
        file.notes["Stale"] = "Older than the resend log's lifetime."
        let now: UInt64 = 1_790_000_000
        let bobSeed = VectorSeeds.bytes("ratchet/bob-device-seed")
        let bobKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: bobSeed))
        let bobAccount = try AccountID(rawRepresentation: VectorSeeds.bytes("ratchet/bob-account-id", 16))
        let aliceAccount = try AccountID(rawRepresentation: VectorSeeds.bytes("ratchet/alice-account-id", 16))
        let bobDevice = try DeviceID(2)
        let aliceDevice = try DeviceID(1)
        func report(key: Ed25519.PrivateKey = bobKey, to device: DeviceID = aliceDevice, time: UInt64 = now) -> DecryptionErrorMessage {
            DecryptionErrorMessage.sign(
                reporterAccountID: bobAccount, reporterDeviceID: bobDevice, senderAccountID: aliceAccount, senderDeviceID: device,
                ratchetKey: failed.ratchetKey, messageNumber: failed.messageNumber, time: time, deviceKey: key)
        }
        var handledKey = ByteWriter()
        handledKey.raw(failed.ratchetKey.rawRepresentation)
        handledKey.u32(failed.messageNumber)
        func test(_ comment: String, _ flags: [String], _ error: String?, _ report: DecryptionErrorMessage, handled: Bool = false, lastReset: UInt64? = nil)
            -> (String, String, [String], String?, VectorFileBuilder.Test)
        {
            var test = VectorFileBuilder.Test()
            test.hex("reporterDeviceSeed", bobSeed)
            test.hex("reporterAccountID", bobAccount.rawRepresentation)
            test.int("reporterDeviceID", bobDevice.value)
            test.hex("senderAccountID", aliceAccount.rawRepresentation)
            test.int("senderDeviceID", aliceDevice.value)
            test.hex("loggedRatchetKey", failed.ratchetKey.rawRepresentation)
            test.int("loggedMessageNumber", failed.messageNumber)
            test.int("now", now)
            test.hex("report", report.serialized())
            if handled { test.hexes("handled", [handledKey.bytes]) }
            if let lastReset { test.int("lastResetAt", lastReset) }
            return (comment, error == nil ? "Spec/ratchet.md, Decryption errors" : "derived from Spec/ratchet.md, Decryption errors", flags, error, test)
        }
        let good = report()
        let payload = DecryptionErrorMessage.payload(bobAccount, bobDevice, aliceAccount, aliceDevice, failed.ratchetKey, failed.messageNumber, now)
        let relabelled = DecryptionErrorMessage(
            reporterAccountID: bobAccount, reporterDeviceID: bobDevice, senderAccountID: aliceAccount, senderDeviceID: aliceDevice,
            ratchetKey: failed.ratchetKey, messageNumber: failed.messageNumber, time: now,
            signature: bobKey.signature(for: payload.bytes, in: SignatureDomains.deviceList))
        let stranger = try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("ratchet/stranger")))
        file.group("decryption-error", comment: "Bob reports that a6 failed; Alice decides", [
            test("a fresh report from the pinned device is accepted", [], nil, good),
            test("signed by another key", ["Forged"], "authenticationFailed", report(key: stranger)),
            test("signed by Bob's device key in the device-list domain", ["OtherLabel"], "authenticationFailed", relabelled),
            test("addressed to another device of Alice", ["WrongDevice"], "notForThisDevice", report(to: try DeviceID(9))),
            test("already handled", ["Replayed"], "alreadyHandled", good, handled: true),
            test("a reset 10 minutes ago", ["RateLimited"], "rateLimited", good, lastReset: now - 600),
            test("made 32 days ago", ["Stale"], "stale", report(time: now - 32 * 86_400)),
        ])
    }

    static func stepOutput(_ step: RatchetScenario.Step, _ key: String) -> String {
        if case .string(let text)? = step.outputs[key] { return text }
        return ""
    }
}
