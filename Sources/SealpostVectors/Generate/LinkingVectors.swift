import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// Generates `Vectors/devices/provisioning.json` (codes, the channel's key schedule and sealed
/// messages, link packages) and `Vectors/devices/backups.json` (backup files under a recovery
/// key and a passphrase, and altered files a reader refuses).
enum LinkingVectors {
    typealias Test = VectorFileBuilder.Test
    static let now: UInt64 = 1_790_000_000
    static let section = "Spec/devices.md, Provisioning"

    static func x25519(_ label: String) throws -> X25519.PrivateKey {
        try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: VectorSeeds.bytes("devices/provisioning/\(label)")))
    }

    static func ed25519(_ label: String) throws -> Ed25519.PrivateKey {
        try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("devices/\(label)")))
    }

    static func code(_ relayURL: String = "https://relay.example.net") throws -> (ProvisioningCode, X25519.PrivateKey) {
        let ephemeral = try x25519("new-ephemeral")
        let code = try ProvisioningCode(
            channel: VectorSeeds.bytes("devices/provisioning/channel", 16), publicKey: ephemeral.publicKey,
            secret: SecretBytes(copying: VectorSeeds.bytes("devices/provisioning/secret", 16)), relayURL: relayURL)
        return (code, ephemeral)
    }

    /// A small account archive from fixed seeds: one contact, two messages.
    static func archive() throws -> AccountArchive {
        let account = try AccountID(rawRepresentation: VectorSeeds.bytes("devices/archive/account", 16))
        let contactAccount = try AccountID(rawRepresentation: VectorSeeds.bytes("devices/archive/contact", 16))
        let contactKey = try ed25519("archive/contact-key")
        let list = try DeviceList.sign(
            accountKey: contactKey, accountID: contactAccount, listVersion: 2, issuedAt: now,
            devices: [.init(deviceID: try DeviceID(1), deviceKey: try ed25519("archive/contact-device").publicKey)], revoked: [])
        let pin = AccountPin(accountID: contactAccount, accountKey: contactKey.publicKey, deviceListVersion: 2, deviceListDigest: SHA256.hash(list.serialized()))
        let contact = try Contact(pin: pin, deviceList: list, verifiedAccountKey: contactKey.publicKey, name: "bob")
        let peer = DeviceAddress(accountID: contactAccount, deviceID: try DeviceID(1))
        let messages = [
            HistoryEntry(outgoing: true, peer: peer, envelopeID: try EnvelopeID(rawRepresentation: VectorSeeds.bytes("devices/archive/m1", 16)), time: now, body: Array("hello".utf8)),
            HistoryEntry(outgoing: false, peer: peer, envelopeID: try EnvelopeID(rawRepresentation: VectorSeeds.bytes("devices/archive/m2", 16)), time: now + 5, body: Array("hi".utf8)),
        ]
        return try AccountArchive(
            accountID: account, accountKey: try ed25519("archive/account-key"),
            accessSecret: try DeliveryAccessSecret(SecretBytes(copying: VectorSeeds.bytes("devices/archive/access"))), userName: "alice",
            relayURL: "https://relay.example.net", relayOrigin: "https://relay.example.net", rootFingerprint: Hex.encode(VectorSeeds.bytes("devices/archive/root-fingerprint")),
            createdAt: now, contacts: [contact], messages: messages)
    }

    static func package() throws -> (LinkPackage, Ed25519.PrivateKey) {
        let archive = try archive()
        let newDevice = try ed25519("provisioning/new-device")
        let first = try ed25519("provisioning/first-device")
        let certificate = DeviceCertificate.issue(accountKey: archive.accountKey, accountID: archive.accountID, deviceID: try DeviceID(2), deviceKey: newDevice.publicKey, createdAt: now)
        let list = try DeviceList.sign(
            accountKey: archive.accountKey, accountID: archive.accountID, listVersion: 3, issuedAt: now,
            devices: [.init(deviceID: try DeviceID(1), deviceKey: first.publicKey), .init(deviceID: try DeviceID(2), deviceKey: newDevice.publicKey)], revoked: [])
        return (LinkPackage(certificate: certificate, deviceList: list, archive: archive), newDevice)
    }

    static func bytes(_ secret: SecretBytes) -> [UInt8] { secret.withUnsafeBytes { Array($0) } }

    static func provisioning() throws -> String {
        var file = VectorFileBuilder(algorithm: "Sealpost provisioning v1", source: "Sealpost", reference: "Spec/devices.md")
        let (code, newEphemeral) = try code()
        var codeTest = Test()
        codeTest.hex("channel", code.channel)
        codeTest.hex("ephemeralPublicKey", code.publicKey.rawRepresentation)
        codeTest.hex("secret", code.secret)
        codeTest.string("relayURL", code.relayURL)
        codeTest.hex("bytes", code.bytes)
        codeTest.string("text", code.text)
        var relaxed = codeTest
        relaxed.string("text", code.text.lowercased())
        relaxed.string("canonicalText", code.text)
        func refused(_ text: String) -> Test {
            var test = Test()
            test.string("text", text)
            return test
        }
        var typo = Array(code.text)
        typo[30] = typo[30] == "A" ? "B" : "A"
        var newer = code.bytes
        newer[0] = 2
        file.group("provisioningCode", comment: "Provisioning codes: the bytes and text from the fields, and back", [
            ("a provisioning code", section, [], nil, codeTest),
            ("the same code in lower case", section, [], nil, relaxed),
        ])
        file.group("provisioningCode", comment: "Codes a reader refuses", [
            ("a typo", section, [], "checksumMismatch", refused(String(typo))),
            ("a version 2 code", section, [], "unsupportedVersion", refused(ProvisioningCode.prefix + String(decoding: Base32.encode(newer), as: UTF8.self))),
            ("no prefix", section, [], "malformed", refused(String(code.text.dropFirst(ProvisioningCode.prefix.count)))),
            ("a character outside base32", section, [], "malformed", refused(code.text + "1")),
        ])

        let existingEphemeral = try x25519("existing-ephemeral")
        let (answer, existing) = try ProvisioningChannel.answer(code, ephemeral: existingEphemeral)
        let (package, newDevice) = try package()
        let shared = try existingEphemeral.sharedSecret(with: code.publicKey).secretBytes
        let transcript = SHA256.hash(ProvisioningChannel.transcriptLabel + code.bytes + existingEphemeral.publicKey.rawRepresentation)
        let okm = try HKDFSHA256.expand(
            pseudoRandomKey: HKDFSHA256.extract(salt: code.secret, inputKeyMaterial: shared), info: ProvisioningChannel.keysLabel + transcript, outputByteCount: 68)
        var channel = Test()
        channel.string("code", code.text)
        channel.hex("newEphemeralPrivateKey", newEphemeral.rawRepresentation)
        channel.hex("existingEphemeralPrivateKey", existingEphemeral.rawRepresentation)
        channel.hex("answer", answer)
        channel.hex("sharedSecret", shared)
        channel.hex("transcriptHash", transcript)
        channel.hex("okm", okm)
        channel.string("sas", existing.shortAuthenticationString)
        channel.hex("deviceKey", newDevice.publicKey.rawRepresentation)
        channel.hex("sealedRequest", try ProvisioningChannel.accept(answer, code: code, ephemeral: newEphemeral).sealRequest(deviceKey: newDevice.publicKey))
        channel.hex("package", bytes(package.serialized()))
        channel.hex("sealedPackage", try existing.sealPackage(package.serialized()))
        var tampered = channel
        var sealed = try existing.sealPackage(package.serialized())
        sealed[sealed.count - 1] ^= 1
        tampered.hex("sealedPackage", sealed)
        var forged = channel
        forged.hex("answer", [1] + (try x25519("relay-ephemeral")).publicKey.rawRepresentation)
        forged.remove("sharedSecret")
        forged.remove("transcriptHash")
        forged.remove("okm")
        forged.remove("sas")
        file.group("provisioningChannel", comment: "The channel: answer, key schedule, SAS, sealed request and package, from both sides", [
            ("a link", section, [], nil, channel),
            ("the package changed on the way", section, [], "authenticationFailed", tampered),
            ("the relay answered with its own key: the new device cannot open the real package", section, [], "authenticationFailed", forged),
        ])

        var packageTest = Test()
        packageTest.hex("package", bytes(package.serialized()))
        packageTest.hex("accountID", package.archive.accountID.rawRepresentation)
        packageTest.int("deviceID", package.certificate.deviceID.value)
        packageTest.int("contacts", package.archive.contacts.count)
        packageTest.int("messages", package.archive.messages.count)
        let packageBytes = bytes(package.serialized())
        let head = 1 + 2 + DeviceCertificate.byteCount + 2 + package.deviceList.serialized().count
        var trailing = packageTest
        trailing.hex("package", packageBytes + [0])
        var otherList = packageTest
        let strangerList = try DeviceList.sign(
            accountKey: try ed25519("provisioning/stranger"), accountID: package.archive.accountID, listVersion: 3, issuedAt: now,
            devices: package.deviceList.devices, revoked: [])
        otherList.hex("package", bytes(LinkPackage(certificate: package.certificate, deviceList: strangerList, archive: package.archive).serialized()))
        var noEnd = packageTest
        noEnd.hex("package", Array(packageBytes.dropLast(4 + 9)))
        var version = packageTest
        version.hex("package", [2] + packageBytes.dropFirst())
        _ = head
        file.group("linkPackage", comment: "Link packages: parsed, checked, and written back the same", [
            ("a package: one contact, two messages", section, [], nil, packageTest),
            ("a byte after the archive", section, [], "storage", trailing),
            ("a device list signed by another key", section, [], "storage", otherList),
            ("the archive without its end record", section, [], "storage", noEnd),
            ("version 2", section, [], "storage", version),
        ])
        return file.json
    }

    static func backups() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost backup v1", source: "Sealpost", reference: "Spec/devices.md",
            notes: ["FixedRandomness": "The salt and secretstream header are drawn at random when a backup is written; vectors fix them."])
        let archive = try archive()
        let recovery = RecoveryKey(accountID: archive.accountID, accountKey: archive.accountKey)
        let salt = VectorSeeds.bytes("devices/backup/salt", 16), header = VectorSeeds.bytes("devices/backup/stream-header", 24)
        let passphrase = "correct horse battery staple"
        let parameters = VaultParameters(argon2: Argon2id.Parameters(validatedIterations: 1, memoryBytes: 8 << 10))
        let underRecovery = try BackupFile.write(archive, key: .recoveryKey(recovery), parameters: parameters, salt: salt, streamHeader: header)
        let underPassphrase = try BackupFile.write(archive, key: .passphrase(SecretBytes(copying: Array(passphrase.utf8))), parameters: parameters, salt: salt, streamHeader: header)
        func test(_ file: [UInt8], recoveryKey: Bool) -> Test {
            var test = Test()
            test.hex("archive", bytes(archive.serialized()))
            if recoveryKey {
                test.string("recoveryKey", recovery.text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
            } else {
                test.string("passphrase", passphrase)
                test.hex("salt", salt)
                test.int("iterations", 1)
                test.int("memoryKiB", 8)
            }
            test.hex("streamHeader", header)
            test.hex("file", file)
            return test
        }
        let section = "Spec/devices.md, Backups"
        file.group("backup", comment: "Backups: the file from the archive, key, salt and header; the archive from the file", [
            ("under the recovery key", section, ["FixedRandomness"], nil, test(underRecovery, recoveryKey: true)),
            ("under a passphrase (Argon2id t=1, m=8 KiB for the vector; real backups use t=3, m=64 MiB)", section, ["FixedRandomness"], nil, test(underPassphrase, recoveryKey: false)),
        ])
        let headerBytes = 8 + 2 + 24
        var records: [[UInt8]] = []
        var offset = headerBytes
        while offset < underRecovery.count {
            let length = (0..<4).reduce(0) { $0 << 8 | Int(underRecovery[offset + $1]) }
            records.append(Array(underRecovery[offset..<(offset + 4 + length)]))
            offset += 4 + length
        }
        let fileHeader = Array(underRecovery.prefix(headerBytes))
        func refused(_ file: [UInt8]) -> Test {
            var test = test(file, recoveryKey: true)
            test.remove("archive")
            return test
        }
        var swapped = records
        swapped.swapAt(1, 2)
        var wrongKey = test(underRecovery, recoveryKey: true)
        wrongKey.remove("archive")
        wrongKey.string("recoveryKey", RecoveryKey(accountID: archive.accountID, accountKey: try ed25519("backup/other")).text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
        var costly = test(underPassphrase, recoveryKey: false)
        var costlyFile = underPassphrase
        costlyFile.replaceSubrange(30..<34, with: [0x00, 0x40, 0x00, 0x00])
        costly.hex("file", costlyFile)
        costly.remove("archive")
        var magic = underRecovery
        magic[0] ^= 0x20
        file.group("backup", comment: "Backups a reader refuses", [
            ("cut after the second record", section, [], "truncated", refused(fileHeader + records.prefix(2).joined())),
            ("cut inside the last record", section, [], "truncated", refused(Array(underRecovery.dropLast(3)))),
            ("the last record dropped", section, [], "truncated", refused(fileHeader + records.dropLast().joined())),
            ("two records swapped", section, [], "authenticationFailed", refused(fileHeader + swapped.joined())),
            ("a record repeated", section, [], "authenticationFailed", refused(fileHeader + records[0] + records.joined())),
            ("under another recovery key", section, [], "authenticationFailed", wrongKey),
            ("a byte after the final record", section, [], "malformed", refused(underRecovery + [0])),
            ("Argon2id memory of 4 GiB", section, [], "unsupportedParameters", costly),
            ("another magic", section, [], "notABackup", refused(magic)),
        ])
        return file.json
    }
}
