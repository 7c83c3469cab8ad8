import SealpostCrypto
import SealpostVault
import SealpostWire

/// Checkers for `Vectors/vault/` (`Spec/vectors.md`, "Vault vectors").
enum VaultChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "vault-header": header
        case "vault-record": record
        default: nil
        }
    }

    /// Valid: wrapping `dataKey` under `passphrase` with `salt`, `nonce` and the costs gives
    /// `header`, and the subkeys are as listed. Every test: `header` opened with `passphrase`
    /// yields `dataKey` (or fails with `error`).
    static func header(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let passphrase = SecretBytes(copying: try fields.hex("passphrase"))
            if test.result == .valid {
                let parameters = VaultParameters(argon2: try Argon2id.Parameters(iterations: try fields.int("iterations"), memoryBytes: try fields.int("memoryKiB") * 1024))
                let built = try VaultHeader.wrap(
                    SecretBytes(copying: try fields.hex("dataKey")), passphrase: passphrase, parameters: parameters, salt: try fields.hex("salt"),
                    nonce: try XChaCha20Poly1305.Nonce(rawRepresentation: try fields.hex("nonce")))
                try expectEqual(built.serialized(), try fields.hex("header"), "header")
                let master = try Argon2id.deriveKey(password: passphrase, salt: try fields.hex("salt"), parameters: parameters.argon2, outputByteCount: 32)
                try expectEqual(master, try fields.hex("masterKey"), "masterKey")
                let keys = try RecordKeys(dataKey: SecretBytes(copying: try fields.hex("dataKey")))
                try expectEqual(keys.blindIndex, try fields.hex("blindIndexKey"), "blindIndexKey")
                try expectEqual(keys.manifest, try fields.hex("manifestKey"), "manifestKey")
            }
            let header = try VaultHeader(serialized: try fields.hex("header"))
            try expectEqual(try header.unwrap(passphrase: passphrase), try fields.hex("dataKey"), "dataKey")
        }
    }

    /// Valid: sealing `plaintext` as record (`table`, `recordID`, `version`) with `nonce` under
    /// the data key's record subkey gives `ciphertext`, and `lookup`'s blind index is `blindIndex`.
    /// Every test: `ciphertext` opened as (`openTable`, `openRecordID`, `openVersion`, defaulting to
    /// the record's own) yields `plaintext` (or fails with `error`).
    static func record(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let keys = try RecordKeys(dataKey: SecretBytes(copying: try fields.hex("dataKey")))
            let table = try fields.string("table")
            guard let id = RecordID(rawRepresentation: try fields.hex("recordID")) else { throw CheckFailure("recordID is not 16 bytes") }
            let version = UInt64(try fields.int("version"))
            if test.result == .valid {
                let sealed = keys.seal(
                    SecretBytes(copying: try fields.hex("plaintext")), table: table, id: id, version: version,
                    nonce: try XChaCha20Poly1305.Nonce(rawRepresentation: try fields.hex("nonce")))
                try expectEqual(sealed, try fields.hex("ciphertext"), "ciphertext")
                try expectEqual(RecordKeys.associatedData(table: table, id: id, version: version), try fields.hex("associatedData"), "associatedData")
                if fields.has("lookup") {
                    try expectEqual(keys.blindIndex(table: table, value: try fields.hex("lookup")), try fields.hex("blindIndex"), "blindIndex")
                }
            }
            let openTable = (try fields.optionalString("openTable")) ?? table
            let openID = try fields.optionalHex("openRecordID").flatMap { RecordID(rawRepresentation: $0) } ?? id
            let openVersion = fields.has("openVersion") ? UInt64(try fields.int("openVersion")) : version
            try expectEqual(try keys.open(try fields.hex("ciphertext"), table: openTable, id: openID, version: openVersion), try fields.hex("plaintext"), "plaintext")
        }
    }
}
