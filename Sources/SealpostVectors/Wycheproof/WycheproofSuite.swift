import Foundation
import SealpostCrypto

/// The Project Wycheproof suites Sealpost runs, each mapped to its primitive, and Sealpost's
/// decision for every `acceptable` verdict (`Spec/primitives.md`, "Wycheproof verdicts").
///
/// The files are public test data read in place (`../shared/wycheproof/` or the folder named by
/// `SEALPOST_WYCHEPROOF_DIR`); they are never copied into the repository.
public enum WycheproofSuite: String, CaseIterable, Sendable {
    case x25519 = "x25519_test.json"
    case ed25519 = "ed25519_test.json"
    case chacha20Poly1305 = "chacha20_poly1305_test.json"
    case xchacha20Poly1305 = "xchacha20_poly1305_test.json"
    case hkdfSHA256 = "hkdf_sha256_test.json"
    case hmacSHA256 = "hmac_sha256_test.json"
    case mlkem768 = "mlkem_768_test.json"
    case mlkem1024 = "mlkem_1024_test.json"

    /// The environment variable that names the Wycheproof folder.
    public static let environmentVariable = "SEALPOST_WYCHEPROOF_DIR"

    /// Runs every case of this suite's file in `directory`.
    public func run(in directory: URL) -> FileReport {
        let url = directory.appendingPathComponent(rawValue)
        let path = url.path
        let root: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONValue.parse(Data(contentsOf: url)) else {
                return FileReport(path: path, algorithm: nil, passed: [], failures: [], skipped: [], formatError: "not a JSON object")
            }
            root = object
        } catch {
            return FileReport(path: path, algorithm: nil, passed: [], failures: [], skipped: [], formatError: "cannot read: \(error)")
        }
        let algorithm: String? = if case .string(let name)? = root["algorithm"] { name } else { nil }
        guard case .array(let groups)? = root["testGroups"], !groups.isEmpty else {
            return FileReport(path: path, algorithm: algorithm, passed: [], failures: [], skipped: [], formatError: "no testGroups")
        }
        var passed: [Int] = []
        var failures: [(Int, String)] = []
        var skipped: [(Int, String)] = []
        for (groupIndex, groupValue) in groups.enumerated() {
            guard case .object(let groupObject) = groupValue, case .array(let tests)? = groupObject["tests"] else {
                failures.append((-groupIndex - 1, "group \(groupIndex + 1) is malformed"))
                continue
            }
            let group = JSONFields(groupObject, location: "group \(groupIndex + 1)")
            for testValue in tests {
                guard case .object(let testObject) = testValue else {
                    failures.append((-groupIndex - 1, "a test in group \(groupIndex + 1) is not an object"))
                    continue
                }
                let fields = JSONFields(testObject, location: "tcId ?")
                guard let id = try? fields.int("tcId"),
                      let verdictText = try? fields.string("result"),
                      let verdict = WycheproofCase.Verdict(rawValue: verdictText)
                else {
                    failures.append((-groupIndex - 1, "a test in group \(groupIndex + 1) has no tcId or result"))
                    continue
                }
                let testCase = WycheproofCase(
                    id: id, verdict: verdict, flags: Set((try? fields.strings("flags")) ?? []),
                    fields: JSONFields(testObject, location: "tcId \(id)"), group: group)
                switch check(testCase) {
                case .passed: passed.append(id)
                case .failed(let reason): failures.append((id, reason))
                case .skipped(let reason): skipped.append((id, reason))
                }
            }
        }
        // Every case the file declares must have run: a truncated or edited file cannot pass.
        let declared: Int? = if case .number(let count)? = root["numberOfTests"] { Int(exactly: count) } else { nil }
        let ran = passed.count + failures.count + skipped.count
        guard declared == ran else {
            return FileReport(
                path: path, algorithm: algorithm, passed: passed, failures: failures, skipped: skipped,
                formatError: "numberOfTests is \(declared.map(String.init) ?? "missing"), but \(ran) cases were read")
        }
        return FileReport(path: path, algorithm: algorithm, passed: passed, failures: failures, skipped: skipped, formatError: nil)
    }

    func check(_ test: WycheproofCase) -> CheckOutcome {
        switch self {
        case .x25519: Self.x25519(test)
        case .ed25519: Self.ed25519(test)
        case .chacha20Poly1305, .xchacha20Poly1305: aead(test)
        case .hkdfSHA256: Self.hkdf(test)
        case .hmacSHA256: Self.hmac(test)
        case .mlkem768: Self.mlkem(test, .mlkem768)
        case .mlkem1024: Self.mlkem(test, .mlkem1024)
        }
    }

    /// X25519: `valid` and `acceptable` cases compute exactly Wycheproof's shared secret, except
    /// the acceptable cases whose shared secret is all zeros (`ZeroSharedSecret`), which Sealpost
    /// rejects as `lowOrderPoint`.
    static func x25519(_ test: WycheproofCase) -> CheckOutcome {
        let expectation: WycheproofCase.Expectation = switch test.verdict {
        case .valid: .accept
        case .acceptable: test.flags.contains("ZeroSharedSecret") ? .reject(.lowOrderPoint) : .accept
        case .invalid: .reject(.invalidLength)
        }
        return test.expect(expectation) {
            let key = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try test.fields.hex("private")))
            let shared = try key.sharedSecret(with: X25519.PublicKey(rawRepresentation: try test.fields.hex("public")))
            try expectEqual(shared.secretBytes, try test.fields.hex("shared"), "shared")
        }
    }

    /// Ed25519 verification: valid signatures verify; invalid ones are rejected — as
    /// `invalidLength` when the signature is not 64 bytes, `authenticationFailed` otherwise.
    static func ed25519(_ test: WycheproofCase) -> CheckOutcome {
        let signatureBytes = (try? test.fields.hex("sig")) ?? []
        let expectation: WycheproofCase.Expectation = switch test.verdict {
        case .valid: .accept
        case .invalid, .acceptable:
            signatureBytes.count == Ed25519.signatureByteCount ? .reject(.authenticationFailed) : .reject(.invalidLength)
        }
        return test.expect(expectation) {
            guard case .object(let keyObject)? = test.group.values["publicKey"] else {
                throw CheckFailure("group has no publicKey")
            }
            let key = try Ed25519.PublicKey(rawRepresentation: try JSONFields(keyObject, location: "publicKey").hex("pk"))
            let signature = try Ed25519.Signature(rawRepresentation: try test.fields.hex("sig"))
            guard key.isValidRawSignature(signature, for: try test.fields.hex("msg")) else { throw CryptoError.authenticationFailed }
        }
    }

    /// ChaCha20-Poly1305 and XChaCha20-Poly1305: valid cases encrypt to exactly `ct ‖ tag` and
    /// decrypt back; a nonce of the wrong size is `invalidLength`; any other invalid case fails
    /// authentication.
    func aead(_ test: WycheproofCase) -> CheckOutcome {
        let expectation: WycheproofCase.Expectation = switch test.verdict {
        case .valid: .accept
        case .invalid, .acceptable:
            test.flags.contains("InvalidNonceSize") ? .reject(.invalidLength) : .reject(.authenticationFailed)
        }
        return test.expect(expectation) {
            let key = try AEADKey(SecretBytes(copying: try test.fields.hex("key")))
            let nonce = try test.fields.hex("iv")
            let aad = try test.fields.hex("aad")
            let message = try test.fields.hex("msg")
            let sealed = try test.fields.hex("ct") + test.fields.hex("tag")
            let (produced, opened): ([UInt8], [UInt8])
            if self == .chacha20Poly1305 {
                let n = try ChaCha20Poly1305.Nonce(rawRepresentation: nonce)
                opened = try ChaCha20Poly1305.open(sealed, using: key, nonce: n, authenticating: aad)
                produced = ChaCha20Poly1305.seal(message, using: key, nonce: n, authenticating: aad)
            } else {
                let n = try XChaCha20Poly1305.Nonce(rawRepresentation: nonce)
                opened = try XChaCha20Poly1305.open(sealed, using: key, nonce: n, authenticating: aad)
                produced = XChaCha20Poly1305.seal(message, using: key, nonce: n, authenticating: aad)
            }
            try expectEqual(opened, message, "decrypted msg")
            try expectEqual(produced, sealed, "ct ‖ tag")
        }
    }

    /// HKDF-SHA-256: valid cases produce exactly `okm`; an output size over 8 160 bytes is
    /// `outputTooLong`.
    static func hkdf(_ test: WycheproofCase) -> CheckOutcome {
        let expectation: WycheproofCase.Expectation = test.verdict == .valid ? .accept : .reject(.outputTooLong)
        return test.expect(expectation) {
            let okm = try HKDFSHA256.deriveKey(
                inputKeyMaterial: SecretBytes(copying: try test.fields.hex("ikm")), salt: try test.fields.hex("salt"),
                info: try test.fields.hex("info"), outputByteCount: try test.fields.int("size"))
            try expectEqual(okm, try test.fields.hex("okm"), "okm")
        }
    }

    /// HMAC-SHA-256, full and truncated (128-bit) tags: valid tags verify and equal the computed
    /// tag's prefix; modified tags fail authentication.
    static func hmac(_ test: WycheproofCase) -> CheckOutcome {
        let expectation: WycheproofCase.Expectation = test.verdict == .valid ? .accept : .reject(.authenticationFailed)
        return test.expect(expectation) {
            let key = SecretBytes(copying: try test.fields.hex("key"))
            let message = try test.fields.hex("msg")
            let tag = try test.fields.hex("tag")
            let tagBits = try test.group.int("tagSize")
            guard tag.count * 8 == tagBits else { throw CheckFailure("tag is \(tag.count * 8) bits, the group says \(tagBits)") }
            guard HMACSHA256.isValidAuthenticationCode(tag, for: message, using: key) else { throw CryptoError.authenticationFailed }
            try expectEqual(HMACSHA256.authenticationCode(for: message, using: key).prefix(tag.count), tag, "tag")
        }
    }

    /// ML-KEM decapsulation from a 64-byte seed: valid cases (implicit rejection included) give
    /// exactly `K`, and the seed expands to exactly `ek` where given; a seed or ciphertext of the
    /// wrong length is `invalidLength`.
    static func mlkem(_ test: WycheproofCase, _ set: MLKEMParameterSet) -> CheckOutcome {
        let expectation: WycheproofCase.Expectation = test.verdict == .valid ? .accept : .reject(.invalidLength)
        return test.expect(expectation) {
            try checkDecapsulation(
                set, seed: try test.fields.hex("seed"), ciphertext: try test.fields.hex("c"),
                publicKey: try test.fields.optionalHex("ek"), sharedSecret: try test.fields.hex("K"))
        }
    }
}
