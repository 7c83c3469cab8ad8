import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Generates `Vectors/handshake/pqxdh.json`.
///
/// Every input is written out: both accounts' and devices' seeds, the prekeys' private keys and
/// seeds, Alice's ephemeral key and the ML-KEM ciphertext. The ciphertext cannot be reproduced
/// (swift-crypto keeps seeded encapsulation internal), so a regeneration reuses the committed one,
/// keyed by test id, and obtains its shared secret by decapsulating with the recorded seed.
enum HandshakeVectors {
    static let now: UInt64 = 1_790_000_000

    enum Variant: String, CaseIterable {
        case oneTimeBoth = "one-time X25519 and one-time ML-KEM prekeys"
        case oneTimeKEMOnly = "no one-time X25519 prekey, one-time ML-KEM prekey"
        case lastResortWithOneTime = "one-time X25519 prekey, last-resort ML-KEM prekey"
        case lastResortOnly = "no one-time X25519 prekey, last-resort ML-KEM prekey"

        var hasOneTime: Bool { self == .oneTimeBoth || self == .lastResortWithOneTime }
        var kind: String { self == .oneTimeBoth || self == .oneTimeKEMOnly ? "oneTime" : "lastResort" }
    }

    /// The recorded inputs of one scenario, as vector fields.
    static func inputs(_ variant: Variant, label: String, ciphertext: [UInt8]?) throws -> VectorFileBuilder.Test {
        var test = VectorFileBuilder.Test()
        test.int("now", now)
        for (index, name) in ["alice", "bob"].enumerated() {
            test.hex("\(name)AccountSeed", VectorSeeds.bytes("pqxdh/\(label)/\(name)/account-seed"))
            test.hex("\(name)AccountID", VectorSeeds.bytes("pqxdh/\(label)/\(name)/account-id", 16))
            test.int("\(name)DeviceID", index + 1)
            test.hex("\(name)DeviceSeed", VectorSeeds.bytes("pqxdh/\(label)/\(name)/device-seed"))
            test.int("\(name)CertificateCreatedAt", now - 10 * Limits.day)
            test.int("\(name)ListVersion", 2)
        }
        test.int("signedPrekeyID", 100)
        test.int("signedPrekeyCreatedAt", now - Limits.day)
        test.hex("signedPrekeyPrivate", VectorSeeds.bytes("pqxdh/\(label)/bob/signed-prekey"))
        test.int("kemPrekeyID", variant.kind == "oneTime" ? 300 : 200)
        test.int("kemPrekeyCreatedAt", now - Limits.day)
        test.string("kemPrekeyKind", variant.kind)
        let kemSeed = VectorSeeds.bytes("pqxdh/\(label)/bob/kem-prekey-seed", 64)
        test.hex("kemPrekeySeed", kemSeed)
        if variant.hasOneTime {
            test.int("oneTimePrekeyID", 400)
            test.hex("oneTimePrekeyPrivate", VectorSeeds.bytes("pqxdh/\(label)/bob/one-time-prekey"))
        }
        test.hex("ephemeralPrivate", VectorSeeds.bytes("pqxdh/\(label)/alice/ephemeral"))
        if let ciphertext, ciphertext.count == MLKEMParameterSet.mlkem1024.ciphertextByteCount {
            test.hex("kemCiphertext", ciphertext)
        } else {
            test.hex("kemCiphertext", try MLKEM1024.PrivateKey(seed: SecretBytes(copying: kemSeed)).publicKey.encapsulate().ciphertext)
        }
        return test
    }

    static func fields(_ test: VectorFileBuilder.Test) -> JSONFields {
        JSONFields(test.fields, location: "generator")
    }

    /// `committed` maps test ids to the ciphertexts of the file being regenerated.
    static func generate(committed: [Int: [UInt8]]) throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost PQXDH v1 (X25519, SHA-256, ML-KEM-1024)", source: "Sealpost",
            reference: "Spec/handshake.md",
            notes: [
                "DH4": "A one-time X25519 prekey was used, so the key material has four DH outputs.",
                "LastResort": "The last-resort ML-KEM prekey was used.",
                "BadSignature": "A signature does not verify under the key it claims.",
                "OtherLabel": "A valid signature made in another signature domain.",
                "Expired": "A prekey older than the accepted age.",
                "Future": "A prekey created too far in the future.",
                "NotInList": "A device missing from its account's signed device list.",
                "RolledBack": "A device list older than the pinned one.",
                "TamperedCiphertext": "The ML-KEM ciphertext was changed: ML-KEM's implicit rejection gives another secret, and the key confirmation fails.",
                "UnknownPrekey": "The message names a prekey whose private key is gone or never existed.",
                "Replay": "An initial message replayed into a second session.",
                "Structure": "The encoding breaks a structural rule.",
            ])
        var id = 1
        func nextInputs(_ variant: Variant) throws -> VectorFileBuilder.Test {
            defer { id += 1 }
            return try inputs(variant, label: "test-\(id)", ciphertext: committed[id])
        }

        // Valid runs, one per variant, with every intermediate value.
        var valid: [(String, String, [String], String?, VectorFileBuilder.Test)] = []
        for variant in Variant.allCases {
            var test = try nextInputs(variant)
            let scenario = try HandshakeScenario(fields(test))
            let initiated = try scenario.initiate()
            test.hex("aliceCertificate", scenario.alice.identity.certificate.serialized())
            test.hex("bobCertificate", scenario.bob.identity.certificate.serialized())
            test.hex("aliceDeviceList", scenario.alice.deviceList.serialized())
            test.hex("bobDeviceList", scenario.bob.deviceList.serialized())
            test.hex("bundle", scenario.bundle.serialized())
            let aliceDH = scenario.alice.identity.deviceKey.x25519PrivateKey()
            let bobDH = scenario.bob.identity.deviceKey.x25519PrivateKey()
            let spk = scenario.signedPrekey.privateKey.publicKey
            test.hex("dh1", try aliceDH.sharedSecret(with: spk).secretBytes)
            test.hex("dh2", try scenario.ephemeral.sharedSecret(with: bobDH.publicKey).secretBytes)
            test.hex("dh3", try scenario.ephemeral.sharedSecret(with: spk).secretBytes)
            if let oneTime = scenario.oneTimePrekey {
                test.hex("dh4", try scenario.ephemeral.sharedSecret(with: oneTime.privateKey.publicKey).secretBytes)
            }
            test.hex("kemSharedSecret", try scenario.kemPrekey.privateKey.decapsulate(scenario.kemCiphertext).secretBytes)
            test.hex("associatedData", initiated.secret.associatedData)
            test.hex("transcriptHash", initiated.secret.transcriptHash)
            test.hex("rootKey", initiated.secret.rootKey)
            test.hex("chainKey", initiated.secret.chainKey)
            test.hex("initialMessage", initiated.message.serialized())
            var flags: [String] = []
            if variant.hasOneTime { flags.append("DH4") }
            if variant.kind == "lastResort" { flags.append("LastResort") }
            valid.append((variant.rawValue, "Spec/handshake.md, Key derivation", flags, nil, test))
        }
        file.group("pqxdh", comment: "Complete handshakes: inputs, every intermediate value, the wire bytes, the ratchet's keys", valid)

        // Bundles Alice must refuse.
        var initiate: [(String, String, [String], String?, VectorFileBuilder.Test)] = []
        func refuse(_ comment: String, _ flags: [String], _ error: String, _ change: (HandshakeScenario, inout VectorFileBuilder.Test) throws -> Void) throws {
            var test = try nextInputs(.oneTimeBoth)
            try change(try HandshakeScenario(fields(test)), &test)
            initiate.append((comment, "derived from Spec/handshake.md, Bundle verification", flags, error, test))
        }
        let stranger = try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("pqxdh/stranger")))
        try refuse("signed prekey signed by a key that is not the device's", ["BadSignature"], "authenticationFailed") { s, test in
            let forged = SignedPrekey.sign(id: s.signedPrekey.published.id, createdAt: s.signedPrekey.published.createdAt, key: s.signedPrekey.published.key, deviceKey: stranger)
            test.hex("bundle", PrekeyBundle(certificate: s.bundle.certificate, signedPrekey: forged, kemPrekey: s.bundle.kemPrekey, oneTimePrekey: s.bundle.oneTimePrekey).serialized())
        }
        try refuse("signed prekey signed by the device key in the KEM-prekey domain", ["OtherLabel"], "authenticationFailed") { s, test in
            let p = s.signedPrekey.published
            let signature = s.bob.identity.deviceKey.signature(for: SignedPrekey.payload(p.id, p.createdAt, p.key).bytes, in: SignatureDomains.kemPrekey)
            let moved = SignedPrekey(id: p.id, createdAt: p.createdAt, key: p.key, signature: signature)
            test.hex("bundle", PrekeyBundle(certificate: s.bundle.certificate, signedPrekey: moved, kemPrekey: s.bundle.kemPrekey, oneTimePrekey: s.bundle.oneTimePrekey).serialized())
        }
        try refuse("one-time ML-KEM prekey presented as the last-resort one (the kind is signed)", ["BadSignature"], "authenticationFailed") { s, test in
            let k = s.kemPrekey.published
            let relabelled = KEMPrekey(id: k.id, createdAt: k.createdAt, kind: .lastResort, key: k.key, signature: k.signature)
            test.hex("bundle", PrekeyBundle(certificate: s.bundle.certificate, signedPrekey: s.bundle.signedPrekey, kemPrekey: relabelled, oneTimePrekey: nil).serialized())
        }
        try refuse("device certificate signed by a key that is not the account's", ["BadSignature"], "authenticationFailed") { s, test in
            let c = s.bob.identity.certificate
            let forged = DeviceCertificate.issue(accountKey: stranger, accountID: c.accountID, deviceID: c.deviceID, deviceKey: c.deviceKey, createdAt: c.createdAt)
            test.hex("bundle", PrekeyBundle(certificate: forged, signedPrekey: s.bundle.signedPrekey, kemPrekey: s.bundle.kemPrekey, oneTimePrekey: s.bundle.oneTimePrekey).serialized())
        }
        try refuse("device list signed by a key that is not the account's", ["BadSignature"], "authenticationFailed") { s, test in
            let list = try DeviceList.sign(accountKey: stranger, accountID: s.bob.accountID, listVersion: 3, issuedAt: now, devices: s.bob.deviceList.devices, revoked: [])
            test.hex("bobDeviceList", list.serialized())
        }
        try refuse("signed prekey one second past the accepted age", ["Expired"], "prekeyExpired") { s, test in
            test.int("checkAt", s.signedPrekey.published.createdAt + Limits.maximumPrekeyAge + 1)
        }
        try refuse("signed prekey created more than the allowed clock skew in the future", ["Future"], "createdInTheFuture") { s, test in
            test.int("checkAt", s.signedPrekey.published.createdAt - Limits.clockSkew - 1)
        }
        try refuse("the bundle's device is not in Bob's signed device list", ["NotInList"], "deviceNotInList") { s, test in
            let other = try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("pqxdh/other-device")))
            let list = try DeviceList.sign(
                accountKey: s.bob.accountKey, accountID: s.bob.accountID, listVersion: 3, issuedAt: now,
                devices: [.init(deviceID: try DeviceID(9), deviceKey: other.publicKey)], revoked: [s.bob.identity.deviceID])
            test.hex("bobDeviceList", list.serialized())
        }
        try refuse("Bob's device list is older than the one Alice pinned", ["RolledBack"], "deviceListRolledBack") { s, test in
            let newer = try DeviceList.sign(
                accountKey: s.bob.accountKey, accountID: s.bob.accountID, listVersion: 3, issuedAt: now, devices: s.bob.deviceList.devices, revoked: [])
            test.hex("pinnedBobDeviceList", newer.serialized())
        }
        file.group("pqxdh-initiate", comment: "Bundles the initiator refuses (overrides: bundle, bobDeviceList, pinnedBobDeviceList, checkAt)", initiate)

        // Initial messages Bob must refuse.
        var respond: [(String, String, [String], String?, VectorFileBuilder.Test)] = []
        func reject(_ comment: String, _ flags: [String], _ error: String, variant: Variant = .oneTimeBoth,
                    _ change: (HandshakeScenario, InitialMessage, inout VectorFileBuilder.Test) throws -> [UInt8]) throws {
            var test = try nextInputs(variant)
            let scenario = try HandshakeScenario(fields(test))
            let message = try scenario.initiate().message
            test.hex("initialMessage", try change(scenario, message, &test))
            respond.append((comment, "derived from Spec/handshake.md, Responder", flags, error, test))
        }
        func rebuilt(_ m: InitialMessage, responderDeviceID: DeviceID? = nil, signedPrekeyID: UInt32? = nil, oneTimePrekeyID: UInt32?? = nil,
                     kemCiphertext: [UInt8]? = nil, confirmation: [UInt8]? = nil) throws -> [UInt8] {
            try InitialMessage(
                initiatorAccountKey: m.initiatorAccountKey, initiatorCertificate: m.initiatorCertificate, responderAccountID: m.responderAccountID,
                responderDeviceID: responderDeviceID ?? m.responderDeviceID, baseKey: m.baseKey, signedPrekeyID: signedPrekeyID ?? m.signedPrekeyID,
                kemPrekeyID: m.kemPrekeyID, oneTimePrekeyID: oneTimePrekeyID ?? m.oneTimePrekeyID, kemCiphertext: kemCiphertext ?? m.kemCiphertext,
                confirmation: confirmation ?? m.confirmation
            ).serialized()
        }
        try reject("one bit of the ML-KEM ciphertext flipped", ["TamperedCiphertext"], "authenticationFailed") { _, m, _ in
            var ciphertext = m.kemCiphertext
            ciphertext[500] ^= 0x10
            return try rebuilt(m, kemCiphertext: ciphertext)
        }
        try reject("one bit of the key confirmation flipped", ["BadSignature"], "authenticationFailed") { _, m, _ in
            var confirmation = m.confirmation
            confirmation[0] ^= 0x01
            return try rebuilt(m, confirmation: confirmation)
        }
        try reject("names a signed prekey id Bob does not have", ["UnknownPrekey"], "unknownPrekey") { _, m, _ in
            try rebuilt(m, signedPrekeyID: 101)
        }
        try reject("names a one-time prekey id Bob does not have (already used)", ["UnknownPrekey"], "unknownPrekey") { _, m, _ in
            try rebuilt(m, oneTimePrekeyID: .some(401))
        }
        try reject("a last-resort initial message whose base key Bob already used", ["Replay", "LastResort"], "replayedInitialMessage", variant: .lastResortOnly) { _, m, test in
            test.flag("lastResortAlreadyUsed")
            return m.serialized()
        }
        try reject("Alice's device is not in her signed device list", ["NotInList"], "deviceNotInList") { s, m, test in
            let other = try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("pqxdh/alice-other-device")))
            let list = try DeviceList.sign(
                accountKey: s.alice.accountKey, accountID: s.alice.accountID, listVersion: 3, issuedAt: now,
                devices: [.init(deviceID: try DeviceID(5), deviceKey: other.publicKey)], revoked: [s.alice.identity.deviceID])
            test.hex("aliceDeviceList", list.serialized())
            return m.serialized()
        }
        try reject("Alice's device list is older than the one Bob pinned", ["RolledBack"], "deviceListRolledBack") { s, m, test in
            let newer = try DeviceList.sign(
                accountKey: s.alice.accountKey, accountID: s.alice.accountID, listVersion: 3, issuedAt: now, devices: s.alice.deviceList.devices, revoked: [])
            test.hex("pinnedAliceDeviceList", newer.serialized())
            return m.serialized()
        }
        try reject("addressed to another device of Bob's account", ["Structure"], "notForThisDevice") { _, m, _ in
            try rebuilt(m, responderDeviceID: try DeviceID(3))
        }
        try reject("truncated by one byte", ["Structure"], "truncated") { _, m, _ in Array(m.serialized().dropLast()) }
        try reject("one trailing byte", ["Structure"], "trailingBytes") { _, m, _ in m.serialized() + [0] }
        try reject("version 2", ["Structure"], "unsupportedVersion") { _, m, _ in
            var bytes = m.serialized()
            bytes[0] = 2
            return bytes
        }
        file.group("pqxdh-respond", comment: "Initial messages the responder refuses (overrides: aliceDeviceList, pinnedAliceDeviceList, lastResortAlreadyUsed)", respond)
        return file.json
    }
}
