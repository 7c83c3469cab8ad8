import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Checkers for `Vectors/envelope/` (`Spec/vectors.md`, "Envelope vectors").
enum EnvelopeChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "sender-certificate": senderCertificate
        case "envelope-seal": seal
        case "envelope-open": open
        default: nil
        }
    }

    /// The certificates built from the seeds must be the vector's bytes; then the sender
    /// certificate, stamped `receivedAt` and read at `now`, must be accepted or refused as stated.
    static func senderCertificate(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let scenario = try EnvelopeScenario(test.fields)
            try expectEqual(scenario.serverCertificate.serialized(), try test.fields.hex("serverCertificate"), "serverCertificate")
            try expectEqual(scenario.senderCertificate.serialized(), try test.fields.hex("senderCertificate"), "senderCertificate")
            if let list = scenario.revocationList { try expectEqual(list.serialized(), try test.fields.hex("revocationList"), "revocationList") }
            // The bytes parse back to the same certificate.
            _ = try SenderCertificate(serialized: try test.fields.hex("senderCertificate"))
            try scenario.trust.validate(scenario.senderCertificate, receivedAt: scenario.receivedAt, now: scenario.now)
        }
    }

    /// Seals to every recipient; every recorded output must match, and every recipient must open
    /// its split envelope to the plaintext, from the sender.
    static func seal(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let scenario = try EnvelopeScenario(test.fields)
            let (outputs, perRecipient, upload) = try scenario.seal()
            for (name, value) in outputs where test.fields.values[name] != value {
                throw CheckFailure("\(name): got \(value)")
            }
            guard case .array(let items)? = test.fields.values["recipients"], items.count == perRecipient.count else {
                throw CheckFailure("recipients: count differs")
            }
            for (index, item) in items.enumerated() {
                guard case .object(let want) = item else { throw CheckFailure("a recipient is not an object") }
                for (name, value) in perRecipient[index] where want[name] != value {
                    throw CheckFailure("recipient \(index) \(name): got \(value)")
                }
            }
            try expectEqual(try EnvelopeUpload(serialized: upload.serialized()).serialized(), try test.fields.hex("upload"), "upload (reparsed)")
            for (index, (_, envelope)) in upload.split().enumerated() {
                let opened = try scenario.open(envelope, recipient: index)
                try expectEqual(opened.plaintext, try test.fields.hex("plaintext"), "recipient \(index) plaintext")
                guard opened.sender == scenario.sender else { throw CheckFailure("recipient \(index): wrong sender") }
            }
        }
    }

    /// Recipient 0 opens `envelope` (as `openAsDeviceID` of its account, if given): valid tests
    /// yield `plaintext` from the sender; invalid ones fail with `error`.
    static func open(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let scenario = try EnvelopeScenario(test.fields)
            guard !scenario.recipients.isEmpty else { throw CheckFailure("no recipient") }
            let envelope = try SealedEnvelope(serialized: try test.fields.hex("envelope"))
            var openAs: DeviceAddress?
            if test.fields.has("openAsDeviceID") {
                openAs = DeviceAddress(accountID: scenario.recipients[0].address.accountID, deviceID: try DeviceID(UInt32(try test.fields.int("openAsDeviceID"))))
            }
            let opened = try scenario.open(envelope, recipient: 0, openAs: openAs)
            try expectEqual(opened.plaintext, try test.fields.hex("plaintext"), "plaintext")
            guard opened.sender == scenario.sender else { throw CheckFailure("wrong sender") }
        }
    }
}
