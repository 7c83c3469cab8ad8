import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// Checkers for `Vectors/devices/provisioning.json` and `Vectors/devices/backups.json`
/// (`Spec/vectors.md`, "Device vectors").
enum LinkingChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "provisioningCode": provisioningCode
        case "provisioningChannel": provisioningChannel
        case "linkPackage": linkPackage
        case "backup": backup
        default: nil
        }
    }

    static func bytes(_ secret: SecretBytes) -> [UInt8] { secret.withUnsafeBytes { Array($0) } }

    /// Valid: the code from its fields has `bytes` and writes `canonicalText` (or `text`); `text`
    /// reads back to the fields. Invalid: reading `text` fails with `error`.
    static func provisioningCode(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            if test.result == .valid {
                let code = try ProvisioningCode(
                    channel: try fields.hex("channel"), publicKey: try X25519.PublicKey(rawRepresentation: try fields.hex("ephemeralPublicKey")),
                    secret: SecretBytes(copying: try fields.hex("secret")), relayURL: try fields.string("relayURL"))
                try expectEqual(code.bytes, try fields.hex("bytes"), "bytes")
                let expected = fields.has("canonicalText") ? try fields.string("canonicalText") : try fields.string("text")
                try expectEqual(Array(code.text.utf8), Array(expected.utf8), "text")
                try expectEqual(try ProvisioningCode(text: try fields.string("text")).bytes, try fields.hex("bytes"), "bytes read from text")
            } else {
                _ = try ProvisioningCode(text: try fields.string("text"))
            }
        }
    }

    /// Both sides from their ephemeral keys: the existing device's `answer`, the shared secret,
    /// transcript hash, `okm` and SAS on both; the new device's sealed request opened by the
    /// existing one; the package sealed by the existing device, and `sealedPackage` opened by the
    /// new device to `package`. Invalid: opening `sealedPackage` after accepting `answer` fails.
    static func provisioningChannel(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let code = try ProvisioningCode(text: try fields.string("code"))
            let newEphemeral = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex("newEphemeralPrivateKey")))
            let existingEphemeral = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex("existingEphemeralPrivateKey")))
            let new = try ProvisioningChannel.accept(try fields.hex("answer"), code: code, ephemeral: newEphemeral)
            if test.result == .valid {
                let (answer, existing) = try ProvisioningChannel.answer(code, ephemeral: existingEphemeral)
                try expectEqual(answer, try fields.hex("answer"), "answer")
                let shared = try existingEphemeral.sharedSecret(with: code.publicKey).secretBytes
                try expectEqual(bytes(shared), try fields.hex("sharedSecret"), "sharedSecret")
                try expectEqual(existing.transcriptHash, try fields.hex("transcriptHash"), "transcriptHash")
                try expectEqual(new.transcriptHash, try fields.hex("transcriptHash"), "transcriptHash (new device)")
                let okm = try HKDFSHA256.expand(
                    pseudoRandomKey: HKDFSHA256.extract(salt: code.secret, inputKeyMaterial: shared),
                    info: ProvisioningChannel.keysLabel + existing.transcriptHash, outputByteCount: 68)
                try expectEqual(bytes(okm), try fields.hex("okm"), "okm")
                try expectEqual(Array(existing.shortAuthenticationString.utf8), Array(try fields.string("sas").utf8), "sas")
                try expectEqual(Array(new.shortAuthenticationString.utf8), Array(try fields.string("sas").utf8), "sas (new device)")
                let deviceKey = try Ed25519.PublicKey(rawRepresentation: try fields.hex("deviceKey"))
                try expectEqual(new.sealRequest(deviceKey: deviceKey), try fields.hex("sealedRequest"), "sealedRequest")
                try expectEqual(try existing.openRequest(try fields.hex("sealedRequest")).rawRepresentation, deviceKey.rawRepresentation, "request")
                try expectEqual(try existing.sealPackage(SecretBytes(copying: try fields.hex("package"))), try fields.hex("sealedPackage"), "sealedPackage")
            }
            try expectEqual(bytes(try new.openPackage(try fields.hex("sealedPackage"))), try fields.hex("package"), "package")
        }
    }

    /// Valid: the package parses, its parts belong together, it names `accountID`, `deviceID`
    /// and the counts, and it writes back the same bytes. Invalid: parsing fails with `error`.
    static func linkPackage(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let package = try LinkPackage(serialized: SecretBytes(copying: try fields.hex("package")))
            try expectEqual(package.archive.accountID.rawRepresentation, try fields.hex("accountID"), "accountID")
            guard Int(package.certificate.deviceID.value) == (try fields.int("deviceID")), package.archive.contacts.count == (try fields.int("contacts")),
                package.archive.messages.count == (try fields.int("messages"))
            else { throw CheckFailure("device id or counts differ") }
            try expectEqual(bytes(package.serialized()), try fields.hex("package"), "package written back")
        }
    }

    /// Valid: the archive under the key, salt and header writes `file`, and `file` reads back to
    /// `archive`. Invalid: reading `file` fails with `error`.
    static func backup(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let key: BackupKey
            if fields.has("recoveryKey") {
                key = .recoveryKey(try RecoveryKey(text: SecretBytes(copying: Array(try fields.string("recoveryKey").utf8))))
            } else {
                key = .passphrase(SecretBytes(copying: Array(try fields.string("passphrase").utf8)))
            }
            if test.result == .valid {
                let archive = try AccountArchive(serialized: SecretBytes(copying: try fields.hex("archive")))
                let parameters = fields.has("iterations")
                    ? VaultParameters(argon2: try Argon2id.Parameters(iterations: try fields.int("iterations"), memoryBytes: try fields.int("memoryKiB") * 1024))
                    : .phone
                let written = try BackupFile.write(
                    archive, key: key, parameters: parameters, salt: fields.has("salt") ? try fields.hex("salt") : [UInt8](repeating: 0, count: 16),
                    streamHeader: try fields.hex("streamHeader"))
                try expectEqual(written, try fields.hex("file"), "file")
            }
            let read = try BackupFile.read(try fields.hex("file"), key: key)
            try expectEqual(bytes(read.serialized()), try fields.hex("archive"), "archive")
        }
    }
}
