import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire

@Suite("Safety numbers")
struct SafetyNumberTests {
    /// libsignal's own vector (rust/protocol/src/fingerprint.rs, version 1): the algorithm is
    /// Signal's exactly; only Sealpost's inputs (Encode(account key), account id) differ.
    @Test func matchesLibsignalsVector() throws {
        let alice = try Hex.decode("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868")
        let bob = try Hex.decode("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b")
        let number = SafetyNumber(
            localKey: alice, localStableID: Array("+14152222222".utf8), remoteKey: bob, remoteStableID: Array("+14153333333".utf8), version: 1)
        #expect(number.digits == "300354477692869396892869876765458257569162576843440918079131")
        #expect(Hex.encode(number.scannable) == "080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d")
        let fromBob = SafetyNumber(
            localKey: bob, localStableID: Array("+14153333333".utf8), remoteKey: alice, remoteStableID: Array("+14152222222".utf8), version: 1)
        #expect(fromBob.digits == number.digits)
        #expect(try number.matches(scanned: fromBob.scannable))
        #expect(try !number.matches(scanned: number.scannable))
    }

    @Test func bothSidesSeeTheSameNumberAndDevicesDoNotChangeIt() throws {
        let alice = TestAccount(deviceCount: 1)
        let bob = TestAccount(deviceCount: 3)
        let a = SafetyNumber(localAccountID: alice.accountID, localAccountKey: alice.accountKey.publicKey, remoteAccountID: bob.accountID, remoteAccountKey: bob.accountKey.publicKey)
        let b = SafetyNumber(localAccountID: bob.accountID, localAccountKey: bob.accountKey.publicKey, remoteAccountID: alice.accountID, remoteAccountKey: alice.accountKey.publicKey)
        #expect(a.digits == b.digits && a.digits.count == 60 && a.digits.allSatisfy(\.isNumber))
        #expect(String(describing: a).split(separator: " ").count == 12)
        #expect(try a.matches(scanned: b.scannable))
        // A new account key changes it.
        let c = SafetyNumber(localAccountID: alice.accountID, localAccountKey: alice.accountKey.publicKey, remoteAccountID: bob.accountID, remoteAccountKey: Ed25519.PrivateKey.generate().publicKey)
        #expect(c.digits != a.digits)
        #expect(try !c.matches(scanned: b.scannable))
    }

    @Test func malformedScansAreRejected() throws {
        let alice = TestAccount()
        let bob = TestAccount()
        let a = SafetyNumber(localAccountID: alice.accountID, localAccountKey: alice.accountKey.publicKey, remoteAccountID: bob.accountID, remoteAccountKey: bob.accountKey.publicKey)
        #expect(throws: SafetyNumberError.malformed) { try a.matches(scanned: []) }
        #expect(throws: SafetyNumberError.malformed) { try a.matches(scanned: Array(a.scannable.dropLast())) }
        var version = a.scannable
        version[1] = 9
        #expect(throws: SafetyNumberError.unsupportedVersion(9)) { try a.matches(scanned: version) }
    }
}
