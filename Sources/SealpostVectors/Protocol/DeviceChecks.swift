import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Checkers for `Vectors/devices/` (`Spec/vectors.md`, "Device vectors").
enum DeviceChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "recoveryKey": recoveryKey
        default: nil
        }
    }

    /// Valid: the key from `accountID` and `accountKeySeed` writes `canonicalText` (or `text`),
    /// and `text` reads back to the same account id, seed and public key. Invalid: reading `text`
    /// fails with `error`.
    static func recoveryKey(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let written = SecretBytes(copying: Array(try fields.string("text").utf8))
            if test.result == .valid {
                let key = RecoveryKey(
                    accountID: try AccountID(rawRepresentation: try fields.hex("accountID")),
                    accountKey: try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex("accountKeySeed"))))
                let expected = fields.has("canonicalText") ? try fields.string("canonicalText") : try fields.string("text")
                try expectEqual(key.text.withUnsafeBytes { Array($0) }, Array(expected.utf8), "text")
                let read = try RecoveryKey(text: written)
                try expectEqual(read.accountID.rawRepresentation, try fields.hex("accountID"), "accountID")
                try expectEqual(read.accountKey.seed.withUnsafeBytes { Array($0) }, try fields.hex("accountKeySeed"), "accountKeySeed")
                try expectEqual(read.accountKey.publicKey.rawRepresentation, try fields.hex("accountPublicKey"), "accountPublicKey")
            } else {
                _ = try RecoveryKey(text: written)
            }
        }
    }
}
