import Foundation
import Testing
import SealpostCrypto
import SealpostProtocol
@testable import SealpostRelay
import SealpostWire

@Suite("Operator keys")
struct OperatorKeysTests {
    /// The production ceremony: the root on one machine, the relay on another; a rotation with
    /// overlap; a revocation.
    @Test func theRootStaysOfflineAndServerKeysRotate() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rootFolder = folder.appendingPathComponent("root-machine")
        let relayFolder = folder.appendingPathComponent("relay/operator")
        let now: UInt64 = 1_790_000_000
        let fingerprint = try OperatorAdministration.initializeRoot(in: rootFolder)
        #expect(throws: RelayError.self) { try OperatorAdministration.initializeRoot(in: rootFolder) }
        // Production refuses to start before a certified server key is installed.
        #expect(throws: RelayError.self) { try OperatorKeys.load(directory: relayFolder, development: false, now: now) }
        let rootPublic = [UInt8](try Data(contentsOf: rootFolder.appendingPathComponent("root.public")))
        #expect(try OperatorAdministration.trustRoot(operator: relayFolder, rootPublic: rootPublic) == fingerprint)
        let first = try OperatorAdministration.createServerKey(operator: relayFolder)
        let certificate = try OperatorAdministration.signServerKey(root: rootFolder, request: try .init(serialized: first.serialized()), now: now, days: 90)
        try OperatorAdministration.installServerCertificate(operator: relayFolder, certificate: certificate)
        let keys = try OperatorKeys.load(directory: relayFolder, development: false, now: now)
        #expect(!keys.isDevelopment && keys.fingerprint == fingerprint && keys.serverCertificate.keyID == 1)
        #expect(!FileManager.default.fileExists(atPath: relayFolder.appendingPathComponent("root.seed").path))

        // Rotation: key 2 issues, key 1's certificate is still served.
        let second = try OperatorAdministration.createServerKey(operator: relayFolder)
        #expect(second.keyID == 2)
        // A certificate for another key, or from another root, is refused.
        let stranger = try ServerCertificate.issue(rootKey: .generate(), keyID: 2, serverKey: second.serverKey, notBefore: now, notAfter: now + 1)
        #expect(throws: RelayError.self) { try OperatorAdministration.installServerCertificate(operator: relayFolder, certificate: stranger) }
        try OperatorAdministration.installServerCertificate(
            operator: relayFolder, certificate: try OperatorAdministration.signServerKey(root: rootFolder, request: second, now: now, days: 90))
        let rotated = try OperatorKeys.load(directory: relayFolder, development: false, now: now)
        #expect(rotated.servedCertificates(now: now).map(\.keyID) == [2, 1])
        var trust = OperatorTrust(rootKey: rotated.rootKey)
        for served in rotated.servedCertificates(now: now) { try trust.add(served) }
        let device = DeviceCertificate.issue(accountKey: .generate(), accountID: .random(), deviceID: try DeviceID(1), deviceKey: Ed25519.PrivateKey.generate().publicKey, createdAt: now)
        try trust.validate(rotated.issue(for: device, now: now), receivedAt: now, now: now)
        try trust.validate(keys.issue(for: device, now: now), receivedAt: now, now: now)

        // Revoking the old key: it is no longer served; revoking the issuing key is refused.
        #expect(throws: RelayError.self) {
            try OperatorAdministration.installRevocationList(
                operator: relayFolder, list: try OperatorAdministration.revoke(root: rootFolder, keyIDs: [2], sequence: 1, now: now))
        }
        try OperatorAdministration.installRevocationList(
            operator: relayFolder, list: try OperatorAdministration.revoke(root: rootFolder, keyIDs: [1], sequence: 1, now: now))
        let revoked = try OperatorKeys.load(directory: relayFolder, development: false, now: now)
        #expect(revoked.servedCertificates(now: now).map(\.keyID) == [2])
        #expect(revoked.revocationList?.revokes(1) == true)
        #expect(throws: RelayError.self) {
            try OperatorAdministration.installRevocationList(
                operator: relayFolder, list: try OperatorAdministration.revoke(root: rootFolder, keyIDs: [1], sequence: 1, now: now))
        }
    }

    @Test func productionRefusesADevelopmentRoot() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let development = try OperatorKeys.load(directory: folder, development: true, now: 1_790_000_000)
        #expect(development.isDevelopment)
        #expect(throws: RelayError.self) { try OperatorKeys.load(directory: folder, development: false, now: 1_790_000_000) }
    }
}
