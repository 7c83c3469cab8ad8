import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Checkers for `Vectors/identity/` (`Spec/vectors.md`, "Identity vectors").
enum IdentityChecks {
    static func checker(for type: String) -> ((VectorGroup, VectorTest) -> CheckOutcome)? {
        switch type {
        case "device-certificate": deviceCertificate
        case "device-list": deviceList
        case "device-list-pin": deviceListPin
        case "safety-number": safetyNumber
        case "safety-number-libsignal": safetyNumberLibsignal
        case "safety-number-scan": safetyNumberScan
        default: nil
        }
    }

    static func accountKey(_ fields: JSONFields) throws -> Ed25519.PrivateKey {
        try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex("accountSeed")))
    }

    /// Valid: the certificate built from the seeds has exactly the listed bytes and verifies.
    /// Invalid: the listed bytes fail to parse or to verify under the account key.
    static func deviceCertificate(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let key = try accountKey(fields)
            if test.result == .valid {
                let deviceKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex("deviceSeed")))
                let built = DeviceCertificate.issue(
                    accountKey: key, accountID: try AccountID(rawRepresentation: try fields.hex("accountID")),
                    deviceID: try DeviceID(UInt32(try fields.int("deviceID"))), deviceKey: deviceKey.publicKey,
                    createdAt: UInt64(try fields.int("createdAt")))
                try expectEqual(built.serialized(), try fields.hex("certificate"), "certificate")
            }
            try DeviceCertificate(serialized: try fields.hex("certificate")).verify(accountKey: key.publicKey)
        }
    }

    /// Valid: the list built from the seeds has exactly the listed bytes and verifies.
    /// Invalid: the listed bytes fail to parse or to verify.
    static func deviceList(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let key = try accountKey(fields)
            if test.result == .valid {
                let ids = try fields.ints("deviceIDs")
                let seeds = try fields.hexes("deviceSeeds")
                guard ids.count == seeds.count else { throw CheckFailure("deviceIDs and deviceSeeds differ in length") }
                var entries: [DeviceList.Entry] = []
                for (id, seed) in zip(ids, seeds) {
                    entries.append(.init(
                        deviceID: try DeviceID(UInt32(id)), deviceKey: try Ed25519.PrivateKey(seed: SecretBytes(copying: seed)).publicKey))
                }
                let built = try DeviceList.sign(
                    accountKey: key, accountID: try AccountID(rawRepresentation: try fields.hex("accountID")),
                    listVersion: UInt64(try fields.int("listVersion")), issuedAt: UInt64(try fields.int("issuedAt")), devices: entries,
                    revoked: try fields.ints("revokedIDs").map { value throws(WireError) in try DeviceID(UInt32(value)) })
                try expectEqual(built.serialized(), try fields.hex("deviceList"), "deviceList")
            }
            try DeviceList(serialized: try fields.hex("deviceList")).verify(accountKey: key.publicKey)
        }
    }

    /// A device list checked against a pin made from `pinnedDeviceList`: rollback and forks fail.
    static func deviceListPin(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let key = try accountKey(fields).publicKey
            let accountID = try AccountID(rawRepresentation: try fields.hex("accountID"))
            let pin = try AccountTrustCheck(
                accountID: accountID, accountKey: key, deviceList: try DeviceList(serialized: try fields.hex("pinnedDeviceList")), pinned: nil).pin
            _ = try AccountTrustCheck(accountID: accountID, accountKey: key, deviceList: try DeviceList(serialized: try fields.hex("deviceList")), pinned: pin)
        }
    }

    /// The safety number of the four account fields `local/remoteAccountID`, `local/remoteAccountKey`.
    static func safetyNumber(_ fields: JSONFields) throws -> SafetyNumber {
        SafetyNumber(
            localAccountID: try AccountID(rawRepresentation: try fields.hex("localAccountID")),
            localAccountKey: try Ed25519.PublicKey(rawRepresentation: try fields.hex("localAccountKey")),
            remoteAccountID: try AccountID(rawRepresentation: try fields.hex("remoteAccountID")),
            remoteAccountKey: try Ed25519.PublicKey(rawRepresentation: try fields.hex("remoteAccountKey")))
    }

    static func safetyNumber(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let number = try safetyNumber(fields)
            guard number.digits == (try fields.string("digits")) else { throw CheckFailure("digits: got \(number.digits)") }
            try expectEqual(number.scannable, try fields.hex("scannable"), "scannable")
        }
    }

    /// A code scanned from the other user's screen: valid when it matches; `mismatch` when it is a
    /// well-formed code for other keys; the scan errors otherwise.
    static func safetyNumberScan(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let number = try safetyNumber(fields)
            guard try number.matches(scanned: try fields.hex("scanned")) else { throw SafetyNumberMismatch() }
        }
    }

    /// Signal's own safety-number vector, through the same algorithm with Signal's inputs.
    static func safetyNumberLibsignal(_ group: VectorGroup, _ test: VectorTest) -> CheckOutcome {
        judge(test) {
            let fields = test.fields
            let number = SafetyNumber(
                localKey: try fields.hex("localKey"), localStableID: Array(try fields.string("localStableID").utf8),
                remoteKey: try fields.hex("remoteKey"), remoteStableID: Array(try fields.string("remoteStableID").utf8),
                version: UInt8(try fields.int("version")))
            guard number.digits == (try fields.string("digits")) else { throw CheckFailure("digits: got \(number.digits)") }
            try expectEqual(number.scannable, try fields.hex("scannable"), "scannable")
        }
    }
}

/// A well-formed scanned safety number for other keys (vector code `mismatch`).
struct SafetyNumberMismatch: Error {}
