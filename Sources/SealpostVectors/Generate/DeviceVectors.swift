import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Generates `Vectors/devices/recovery-keys.json`: recovery keys from their account id and seed,
/// and written keys a reader refuses.
enum DeviceVectors {
    typealias Test = VectorFileBuilder.Test

    static func key(_ label: String) throws -> RecoveryKey {
        RecoveryKey(
            accountID: try AccountID(rawRepresentation: VectorSeeds.bytes("devices/recovery/\(label)/account", AccountID.byteCount)),
            accountKey: try Ed25519.PrivateKey(seed: SecretBytes(copying: VectorSeeds.bytes("devices/recovery/\(label)/seed"))))
    }

    static func fields(_ key: RecoveryKey) -> Test {
        var test = Test()
        test.hex("accountID", key.accountID.rawRepresentation)
        test.hex("accountKeySeed", key.accountKey.seed)
        test.hex("accountPublicKey", key.accountKey.publicKey.rawRepresentation)
        test.string("text", key.text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
        return test
    }

    static func refused(_ text: String) -> Test {
        var test = Test()
        test.string("text", text)
        return test
    }

    static func generate() throws -> String {
        var file = VectorFileBuilder(
            algorithm: "Sealpost recovery key v1", source: "Sealpost", reference: "Spec/devices.md",
            notes: ["Relaxed": "Written with lower case, spaces or line breaks: read the same."])
        let first = try key("first"), second = try key("second")
        var relaxed = fields(first)
        relaxed.string("text", first.text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }.lowercased().replacingOccurrences(of: "-", with: " "))
        relaxed.string("canonicalText", first.text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) })
        file.group("recoveryKey", comment: "Recovery keys: the text from the fields; the fields from the text", [
            ("a recovery key", "Spec/devices.md, Recovery key", [], nil, fields(first)),
            ("another", "Spec/devices.md, Recovery key", [], nil, fields(second)),
            ("the first, in lower case with spaces", "Spec/devices.md, Recovery key", ["Relaxed"], nil, relaxed),
        ])
        let text = first.text.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        let letters = Array(text.filter { $0 != "-" })
        func swapped(_ index: Int) -> String {
            var copy = letters
            copy[index] = copy[index] == "A" ? "B" : "A"
            return String(copy)
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var padded = letters
        padded[padded.count - 1] = alphabet[alphabet.firstIndex(of: padded[padded.count - 1])! | 1]
        file.group("recoveryKey", comment: "Written keys a reader refuses", [
            ("a '1' (not in base32)", "Spec/devices.md, Recovery key", [], "invalidCharacter", refused(String(letters.dropLast()) + "1")),
            ("one character short", "Spec/devices.md, Recovery key", [], "wrongLength", refused(String(letters.dropLast()))),
            ("one character too many", "Spec/devices.md, Recovery key", [], "wrongLength", refused(String(letters) + "A")),
            ("a typo in the checksum", "Spec/devices.md, Recovery key", [], "checksumMismatch", refused(swapped(letters.count - 2))),
            ("a typo in the account id", "Spec/devices.md, Recovery key", [], "checksumMismatch", refused(swapped(5))),
            ("the padding bit of the last character set", "Spec/devices.md, Recovery key", [], "nonCanonical", refused(String(padded))),
        ])
        return file.json
    }
}
