import SealpostCrypto
import SealpostVault
import SealpostWire

/// Generates `Vectors/vault/`: the key hierarchy and header, and record encryption.
enum VaultVectors {
    typealias Test = VectorFileBuilder.Test

    static func generate() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost vault v1 (Argon2id, XChaCha20-Poly1305 key wrap and records, HKDF-SHA256 subkeys, HMAC-SHA256 blind indexes)",
            source: "Sealpost", reference: "Spec/vault.md",
            notes: [
                "Phone": "The default parameter set (t = 3, m = 64 MiB).",
                "Fast": "The test parameter set (t = 1, m = 8 KiB).",
                "Tampered": "A byte of the header or the record was changed, or the record is read where it was not written.",
                "Structure": "Refused before any key is derived.",
            ])
        func header(_ label: String, passphrase: String, iterations: Int, memoryKiB: Int) throws -> Test {
            var test = Test()
            let passphraseBytes = Array(passphrase.precomposedForVault.utf8)
            let dataKey = VectorSeeds.bytes("vault/\(label)/data-key")
            let salt = VectorSeeds.bytes("vault/\(label)/salt", 16)
            let nonce = VectorSeeds.bytes("vault/\(label)/nonce", 24)
            let parameters = VaultParameters(argon2: try Argon2id.Parameters(iterations: iterations, memoryBytes: memoryKiB * 1024))
            let built = try VaultHeader.wrap(
                SecretBytes(copying: dataKey), passphrase: SecretBytes(copying: passphraseBytes), parameters: parameters, salt: salt,
                nonce: try XChaCha20Poly1305.Nonce(rawRepresentation: nonce))
            test.hex("passphrase", passphraseBytes)
            test.int("iterations", iterations)
            test.int("memoryKiB", memoryKiB)
            test.hex("salt", salt)
            test.hex("nonce", nonce)
            test.hex("dataKey", dataKey)
            test.hex("masterKey", try Argon2id.deriveKey(password: SecretBytes(copying: passphraseBytes), salt: salt, parameters: parameters.argon2, outputByteCount: 32))
            let keys = try RecordKeys(dataKey: SecretBytes(copying: dataKey))
            test.hex("blindIndexKey", keys.blindIndex)
            test.hex("manifestKey", keys.manifest)
            test.hex("header", built.serialized())
            return test
        }
        let fast = try header("fast", passphrase: "correct horse battery staple", iterations: 1, memoryKiB: 8)
        let phone = try header("phone", passphrase: "caf\u{E9} au lait", iterations: 3, memoryKiB: 65_536)
        func variant(_ base: Test, _ change: (inout Test) -> Void) -> Test {
            var test = base
            change(&test)
            return test
        }
        func flipped(_ base: Test, at offset: Int) -> Test {
            variant(base) { test in
                guard case .string(let hex)? = test.fields["header"], var bytes = try? Hex.decode(hex) else { return }
                bytes[offset] ^= 0x01
                test.hex("header", bytes)
            }
        }
        func replaced(_ base: Test, _ range: Range<Int>, with bytes: [UInt8]) -> Test {
            variant(base) { test in
                guard case .string(let hex)? = test.fields["header"], var header = try? Hex.decode(hex) else { return }
                header.replaceSubrange(range, with: bytes)
                test.hex("header", header)
            }
        }
        file.group("vault-header", comment: "The key hierarchy: Argon2id master key, wrapped data key, subkeys", [
            ("the test parameter set", "Spec/vault.md", ["Fast"], nil, fast),
            ("the phone parameter set; the passphrase is NFC-normalized before use", "Spec/vault.md", ["Phone"], nil, phone),
            ("wrong passphrase", "Spec/vault.md", ["Tampered"], "authenticationFailed",
             variant(fast) { $0.hex("passphrase", Array("correct horse battery stapler".utf8)) }),
            ("memory cost changed within bounds (8 → 9 KiB)", "Spec/vault.md", ["Tampered"], "authenticationFailed", flipped(fast, at: 9)),
            ("a salt byte changed", "Spec/vault.md", ["Tampered"], "authenticationFailed", flipped(fast, at: 12)),
            ("a nonce byte changed", "Spec/vault.md", ["Tampered"], "authenticationFailed", flipped(fast, at: 40)),
            ("a wrapped-key byte changed", "Spec/vault.md", ["Tampered"], "authenticationFailed", flipped(fast, at: 80)),
            ("17 passes asked for", "Spec/vault.md", ["Structure"], "unsupportedParameters", replaced(fast, 2..<6, with: [0, 0, 0, 17])),
            ("2 GiB asked for", "Spec/vault.md", ["Structure"], "unsupportedParameters", replaced(fast, 6..<10, with: [0, 0x20, 0, 0])),
            ("another key-derivation function", "Spec/vault.md", ["Structure"], "unsupportedParameters", replaced(fast, 1..<2, with: [2])),
            ("version 2", "Spec/vault.md", ["Structure"], "malformedHeader", replaced(fast, 0..<1, with: [2])),
            ("truncated by one byte", "Spec/vault.md", ["Structure"], "malformedHeader", replaced(fast, 97..<98, with: [])),
        ])

        func record(_ label: String, table: String, plaintext: [UInt8], version: Int, lookup: [UInt8]?) throws -> Test {
            var test = Test()
            let dataKey = VectorSeeds.bytes("vault/fast/data-key")
            let id = VectorSeeds.bytes("vault/\(label)/record-id", 16)
            let nonce = VectorSeeds.bytes("vault/\(label)/record-nonce", 24)
            let keys = try RecordKeys(dataKey: SecretBytes(copying: dataKey))
            guard let recordID = RecordID(rawRepresentation: id) else { throw CheckFailure("a record id is 16 bytes") }
            test.hex("dataKey", dataKey)
            test.string("table", table)
            test.hex("recordID", id)
            test.int("version", version)
            test.hex("nonce", nonce)
            test.hex("plaintext", plaintext)
            test.hex("associatedData", RecordKeys.associatedData(table: table, id: recordID, version: UInt64(version)))
            test.hex("ciphertext", keys.seal(
                SecretBytes(copying: plaintext), table: table, id: recordID, version: UInt64(version), nonce: try XChaCha20Poly1305.Nonce(rawRepresentation: nonce)))
            if let lookup {
                test.hex("lookup", lookup)
                test.hex("blindIndex", keys.blindIndex(table: table, value: lookup))
            }
            return test
        }
        let message = try record("message", table: "message", plaintext: Array("a message in the history".utf8), version: 1, lookup: VectorSeeds.bytes("vault/contact-account", 16))
        let session = try record("session", table: "session", plaintext: VectorSeeds.bytes("vault/session-bytes", 96), version: 7, lookup: nil)
        file.group("vault-record", comment: "Records under the data key's record subkey, bound to table, id and version", [
            ("a history record with a blind-index lookup", "Spec/vault.md", [], nil, message),
            ("a session record at version 7", "Spec/vault.md", [], nil, session),
            ("read under another table", "Spec/vault.md", ["Tampered"], "authenticationFailed", variant(message) { $0.string("openTable", "outbox") }),
            ("read under another record id", "Spec/vault.md", ["Tampered"], "authenticationFailed",
             variant(message) { $0.hex("openRecordID", VectorSeeds.bytes("vault/other-record-id", 16)) }),
            ("an older version put back (read as version 8)", "Spec/vault.md", ["Tampered"], "authenticationFailed", variant(session) { $0.int("openVersion", 8) }),
            ("a ciphertext byte changed", "Spec/vault.md", ["Tampered"], "authenticationFailed", variant(message) { test in
                guard case .string(let hex)? = test.fields["ciphertext"], var bytes = try? Hex.decode(hex) else { return }
                bytes[30] ^= 0x01
                test.hex("ciphertext", bytes)
            }),
        ])
        return file.json
    }
}

extension String {
    /// The passphrase normalization of `Spec/vault.md`: Unicode NFC.
    var precomposedForVault: String { precomposedStringWithCanonicalMapping }
}
