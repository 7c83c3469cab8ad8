import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Checkers for `Vectors/ratchet/` (`Spec/vectors.md`, "Ratchet vectors").
enum RatchetChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "ratchet-conversation": conversation
        case "ratchet-reject": reject
        case "decryption-error": decryptionError
        default: nil
        }
    }

    /// Replays the script; every output of every step must match.
    static func conversation(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            var scenario = try RatchetScenario(test.fields)
            let expected = try RatchetScenario.steps(test.fields)
            var steps = expected
            try scenario.run(&steps)
            for (index, (want, got)) in zip(expected, steps).enumerated() {
                for (key, value) in want.outputs where got.outputs[key] != value {
                    throw CheckFailure("step \(index) \(key): got \(got.outputs[key].map { "\($0)" } ?? "nothing")")
                }
            }
        }
    }

    /// A decryption-error report checked by the sender. Valid: the report built from the fields is
    /// exactly `report`, and is accepted. Every test: `report` evaluated by the sender
    /// (`senderAccountID`, `senderDeviceID`) against the pinned reporter (`reporterAccountID`,
    /// `reporterDeviceID`, `reporterDeviceSeed`), a resend log holding `loggedRatchetKey` /
    /// `loggedMessageNumber`, optional `handled` reports (`ratchet key ‖ u32 N`) and
    /// `lastResetAt`, at time `now`.
    static func decryptionError(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let reporterKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex("reporterDeviceSeed")))
            let reporterAccount = try AccountID(rawRepresentation: try fields.hex("reporterAccountID"))
            let reporterDevice = try DeviceID(UInt32(try fields.int("reporterDeviceID")))
            let senderAccount = try AccountID(rawRepresentation: try fields.hex("senderAccountID"))
            let senderDevice = try DeviceID(UInt32(try fields.int("senderDeviceID")))
            let report = try DecryptionErrorMessage(serialized: try fields.hex("report"))
            if test.result == .valid {
                let built = DecryptionErrorMessage.sign(
                    reporterAccountID: reporterAccount, reporterDeviceID: reporterDevice, senderAccountID: senderAccount, senderDeviceID: senderDevice,
                    ratchetKey: try X25519.PublicKey(rawRepresentation: try fields.hex("loggedRatchetKey")),
                    messageNumber: UInt32(try fields.int("loggedMessageNumber")), time: UInt64(try fields.int("now")), deviceKey: reporterKey)
                try expectEqual(built.serialized(), try fields.hex("report"), "report")
            }
            var log = ResendLog()
            log.record(
                ratchetKey: try X25519.PublicKey(rawRepresentation: try fields.hex("loggedRatchetKey")),
                messageNumber: UInt32(try fields.int("loggedMessageNumber")), plaintext: [], sentAt: UInt64(try fields.int("now")))
            let resetGuard = ResetGuard(
                lastResetAt: fields.has("lastResetAt") ? UInt64(try fields.int("lastResetAt")) : nil, handled: try fields.hexes("handled"))
            let peer = PeerIdentity(
                accountID: reporterAccount, accountKey: reporterKey.publicKey, deviceID: reporterDevice, deviceKey: reporterKey.publicKey)
            _ = try DecryptionErrors.evaluate(
                report, accountID: senderAccount, deviceID: senderDevice, peer: peer, log: log, guard: resetGuard, now: UInt64(try fields.int("now")))
        }
    }

    /// Replays the first `replaySteps` steps, then delivers `message` to `party`: it must be
    /// refused with `error`.
    static func reject(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            var scenario = try RatchetScenario(test.fields)
            var steps = Array(try RatchetScenario.steps(test.fields).prefix(try test.fields.int("replaySteps")))
            try scenario.run(&steps)
            try scenario.deliver(try RatchetMessage(serialized: try test.fields.hex("message")), to: try test.fields.string("to"))
        }
    }
}
