import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Generates `Vectors/identity/`: device certificates, device lists, pins and safety numbers.
enum IdentityVectors {
    static let reference = "Spec/identity.md"
    static let createdAt: UInt64 = 1_790_000_000

    struct Account {
        let label: String
        let seed: [UInt8]
        let key: Ed25519.PrivateKey
        let id: AccountID

        init(_ label: String) throws {
            self.label = label
            seed = VectorSeeds.bytes("identity/\(label)/account-seed")
            key = try Ed25519.PrivateKey(seed: SecretBytes(copying: seed))
            id = try AccountID(rawRepresentation: VectorSeeds.bytes("identity/\(label)/account-id", 16))
        }

        func deviceSeed(_ n: Int) -> [UInt8] { VectorSeeds.bytes("identity/\(label)/device-\(n)-seed") }
        func deviceKey(_ n: Int) throws -> Ed25519.PrivateKey { try Ed25519.PrivateKey(seed: SecretBytes(copying: deviceSeed(n))) }
    }

    static func certificates() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost device certificate v1", source: "Sealpost", reference: reference,
            notes: [
                "ModifiedSignature": "One bit of the signature is flipped.",
                "OtherLabel": "A valid signature by the account key over the same fields, made in another signature domain.",
                "OtherSigner": "Signed by a key that is not the account key.",
                "Structure": "The encoding breaks a structural rule.",
            ])
        let alice = try Account("alice")
        var valid: [(String, String, [String], String?, VectorFileBuilder.Test)] = []
        var certificates: [DeviceCertificate] = []
        for (device, time) in [(1, createdAt), (7, createdAt + 86_400)] {
            let deviceKey = try alice.deviceKey(device)
            let certificate = DeviceCertificate.issue(
                accountKey: alice.key, accountID: alice.id, deviceID: try DeviceID(UInt32(device)), deviceKey: deviceKey.publicKey, createdAt: time)
            certificates.append(certificate)
            var test = VectorFileBuilder.Test()
            test.hex("accountSeed", alice.seed)
            test.hex("accountID", alice.id.rawRepresentation)
            test.int("deviceID", device)
            test.hex("deviceSeed", alice.deviceSeed(device))
            test.int("createdAt", time)
            test.hex("certificate", certificate.serialized())
            valid.append(("device \(device) certified by its account key", "Spec/identity.md, Device certificate", [], nil, test))
        }
        file.group("device-certificate", comment: "Certificates built from the recorded seeds", valid)

        let good = certificates[0].serialized()
        func invalid(_ comment: String, _ flag: String, _ error: String, _ bytes: [UInt8]) -> (String, String, [String], String?, VectorFileBuilder.Test) {
            var test = VectorFileBuilder.Test()
            test.hex("accountSeed", alice.seed)
            test.hex("certificate", bytes)
            return (comment, "derived from Spec/identity.md, Device certificate", [flag], error, test)
        }
        var flipped = good
        flipped[good.count - 10] ^= 0x04
        let payload = DeviceCertificate.signedPayload(certificates[0].accountID, certificates[0].deviceID, certificates[0].deviceKey, certificates[0].createdAt)
        let otherLabel = alice.key.signature(for: payload.bytes, in: SignatureDomains.deviceList).rawRepresentation
        let otherSigner = try Account("mallory").key.signature(for: payload.bytes, in: SignatureDomains.deviceCertificate).rawRepresentation
        var version = good
        version[0] = 2
        var zeroID = good
        zeroID.replaceSubrange(17..<21, with: [0, 0, 0, 0])
        var keyType = good
        keyType[21] = KeyEncoding.x25519Type
        file.group("device-certificate", comment: "Certificates that must be refused", [
            invalid("a bit of the signature flipped", "ModifiedSignature", "authenticationFailed", flipped),
            invalid("signed by the account key in the device-list domain", "OtherLabel", "authenticationFailed", Array(good.prefix(good.count - 64)) + otherLabel),
            invalid("signed by another key", "OtherSigner", "authenticationFailed", Array(good.prefix(good.count - 64)) + otherSigner),
            invalid("truncated by one byte", "Structure", "truncated", Array(good.dropLast())),
            invalid("one trailing byte", "Structure", "trailingBytes", good + [0]),
            invalid("version 2", "Structure", "unsupportedVersion", version),
            invalid("device id 0", "Structure", "invalidValue", zeroID),
            invalid("an X25519 type byte where the Ed25519 device key belongs", "Structure", "unknownType", keyType),
        ])
        return file.json
    }

    static func deviceLists() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost device list v1", source: "Sealpost", reference: reference,
            notes: [
                "ModifiedSignature": "One bit of the signature is flipped.",
                "OtherLabel": "A valid signature by the account key over the same fields, made in another signature domain.",
                "Structure": "The encoding breaks a structural rule.",
                "RolledBack": "Older than the pinned list.",
                "Fork": "Same version as the pinned list, other content.",
            ])
        let alice = try Account("alice")
        func build(_ version: UInt64, _ devices: [Int], _ revoked: [Int]) throws -> (DeviceList, VectorFileBuilder.Test) {
            let entries = try devices.map { n throws in DeviceList.Entry(deviceID: try DeviceID(UInt32(n)), deviceKey: try alice.deviceKey(n).publicKey) }
            let list = try DeviceList.sign(
                accountKey: alice.key, accountID: alice.id, listVersion: version, issuedAt: createdAt + version, devices: entries,
                revoked: try revoked.map { value throws(WireError) in try DeviceID(UInt32(value)) })
            var test = VectorFileBuilder.Test()
            test.hex("accountSeed", alice.seed)
            test.hex("accountID", alice.id.rawRepresentation)
            test.int("listVersion", version)
            test.int("issuedAt", createdAt + version)
            test.ints("deviceIDs", devices)
            test.hexes("deviceSeeds", devices.map(alice.deviceSeed))
            test.ints("revokedIDs", revoked)
            test.hex("deviceList", list.serialized())
            return (list, test)
        }
        let (one, oneTest) = try build(1, [1], [])
        let (three, threeTest) = try build(4, [1, 3, 4], [2, 5])
        file.group("device-list", comment: "Lists built from the recorded seeds", [
            ("one device", "Spec/identity.md, Device list", [], nil, oneTest),
            ("three devices, two revoked", "Spec/identity.md, Device list", [], nil, threeTest),
        ])
        let good = three.serialized()
        func invalid(_ comment: String, _ flag: String, _ error: String, _ bytes: [UInt8]) -> (String, String, [String], String?, VectorFileBuilder.Test) {
            var test = VectorFileBuilder.Test()
            test.hex("accountSeed", alice.seed)
            test.hex("deviceList", bytes)
            return (comment, "derived from Spec/identity.md, Device list", [flag], error, test)
        }
        var flipped = good
        flipped[good.count - 1] ^= 0x80
        let payload = DeviceList.signedPayload(three.accountID, three.listVersion, three.issuedAt, three.devices, three.revoked)
        let otherLabel = alice.key.signature(for: payload.bytes, in: SignatureDomains.deviceCertificate).rawRepresentation
        var tooMany = good
        tooMany[1 + 16 + 16] = 33
        var revokedListed = one.serialized()
        // Revoke device 1 while it is listed: u16 count 1, id 1.
        revokedListed.replaceSubrange((revokedListed.count - 66)..<(revokedListed.count - 64), with: [0, 1, 0, 0, 0, 1])
        file.group("device-list", comment: "Lists that must be refused", [
            invalid("a bit of the signature flipped", "ModifiedSignature", "authenticationFailed", flipped),
            invalid("signed by the account key in the device-certificate domain", "OtherLabel", "authenticationFailed", Array(good.prefix(good.count - 64)) + otherLabel),
            invalid("33 devices announced", "Structure", "countOutOfBounds", tooMany),
            invalid("a device both listed and revoked", "Structure", "invalidValue", revokedListed),
            invalid("truncated inside the signature", "Structure", "truncated", Array(good.dropLast(3))),
            invalid("one trailing byte", "Structure", "trailingBytes", good + [7]),
        ])

        let (five, _) = try build(5, [1, 3], [2, 4, 5])
        let (fork, _) = try build(5, [1, 3, 4], [2, 5])
        func pin(_ comment: String, _ flag: [String], _ error: String?, pinned: DeviceList, list: DeviceList) -> (String, String, [String], String?, VectorFileBuilder.Test) {
            var test = VectorFileBuilder.Test()
            test.hex("accountSeed", alice.seed)
            test.hex("accountID", alice.id.rawRepresentation)
            test.hex("pinnedDeviceList", pinned.serialized())
            test.hex("deviceList", list.serialized())
            return (comment, "Spec/identity.md, Pinning device lists", flag, error, test)
        }
        file.group("device-list-pin", comment: "A list checked against the pin of an earlier one", [
            pin("a newer version is accepted", [], nil, pinned: three, list: five),
            pin("the pinned list again is accepted", [], nil, pinned: five, list: five),
            pin("version 4 after version 5 is a rollback", ["RolledBack"], "deviceListRolledBack", pinned: five, list: three),
            pin("another list with version 5 is a fork", ["Fork"], "deviceListConflict", pinned: five, list: fork),
        ])
        return file.json
    }

    static func safetyNumbers() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Safety numbers (Signal's numeric fingerprint, 5200 iterations)", source: "Sealpost; libsignal",
            reference: "Spec/identity.md; signalapp/libsignal rust/protocol/src/fingerprint.rs (test vectors)",
            notes: [
                "Libsignal": "libsignal's own test vector, with its 0x05-prefixed keys and phone-number ids, to pin the algorithm to Signal's.",
                "Mismatch": "A well-formed code that belongs to another pair of keys.",
                "Malformed": "Not a Sealpost scannable safety number.",
            ])
        var tests: [(String, String, [String], String?, VectorFileBuilder.Test)] = []
        for (left, right) in [("alice", "bob"), ("bob", "carol")] {
            let a = try Account(left)
            let b = try Account(right)
            let number = SafetyNumber(localAccountID: a.id, localAccountKey: a.key.publicKey, remoteAccountID: b.id, remoteAccountKey: b.key.publicKey)
            var test = VectorFileBuilder.Test()
            test.hex("localAccountID", a.id.rawRepresentation)
            test.hex("localAccountKey", a.key.publicKey.rawRepresentation)
            test.hex("remoteAccountID", b.id.rawRepresentation)
            test.hex("remoteAccountKey", b.key.publicKey.rawRepresentation)
            test.string("digits", number.digits)
            test.hex("scannable", number.scannable)
            tests.append(("\(left) and \(right), seen by \(left)", "Spec/identity.md, Safety numbers", [], nil, test))
        }
        file.group("safety-number", comment: "Sealpost account keys and account ids", tests)

        let alice = try Account("alice")
        let bob = try Account("bob")
        let carol = try Account("carol")
        let fromBob = SafetyNumber(localAccountID: bob.id, localAccountKey: bob.key.publicKey, remoteAccountID: alice.id, remoteAccountKey: alice.key.publicKey)
        let fromCarol = SafetyNumber(localAccountID: carol.id, localAccountKey: carol.key.publicKey, remoteAccountID: alice.id, remoteAccountKey: alice.key.publicKey)
        func scan(_ comment: String, _ flags: [String], _ error: String?, _ scanned: [UInt8]) -> (String, String, [String], String?, VectorFileBuilder.Test) {
            var test = VectorFileBuilder.Test()
            test.hex("localAccountID", alice.id.rawRepresentation)
            test.hex("localAccountKey", alice.key.publicKey.rawRepresentation)
            test.hex("remoteAccountID", bob.id.rawRepresentation)
            test.hex("remoteAccountKey", bob.key.publicKey.rawRepresentation)
            test.hex("scanned", scanned)
            return (comment, "Spec/identity.md, Safety numbers", flags, error, test)
        }
        var otherVersion = fromBob.scannable
        otherVersion[1] = 2
        file.group("safety-number-scan", comment: "Alice scans a code from a screen", [
            scan("Bob's code for the same pair matches", [], nil, fromBob.scannable),
            scan("Carol's code does not match Alice's number with Bob", ["Mismatch"], "mismatch", fromCarol.scannable),
            scan("Alice's own code (local and remote swapped) does not match", ["Mismatch"], "mismatch",
                 SafetyNumber(localAccountID: alice.id, localAccountKey: alice.key.publicKey, remoteAccountID: bob.id, remoteAccountKey: bob.key.publicKey).scannable),
            scan("one byte short", ["Malformed"], "malformed", Array(fromBob.scannable.dropLast())),
            scan("another scannable version", ["Malformed"], "unsupportedVersion", otherVersion),
        ])
        var signal = VectorFileBuilder.Test()
        signal.hex("localKey", try Hex.decode("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868"))
        signal.string("localStableID", "+14152222222")
        signal.hex("remoteKey", try Hex.decode("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b"))
        signal.string("remoteStableID", "+14153333333")
        signal.int("version", 1)
        signal.string("digits", "300354477692869396892869876765458257569162576843440918079131")
        signal.hex("scannable", try Hex.decode("080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d"))
        file.group("safety-number-libsignal", comment: "The algorithm on Signal's inputs", [
            ("libsignal DISPLAYABLE_FINGERPRINT_V1 and ALICE_SCANNABLE_FINGERPRINT_V1", "libsignal rust/protocol/src/fingerprint.rs, tests", ["Libsignal"], nil, signal),
        ])
        return file.json
    }
}
