import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The keys the relay holds to issue sender certificates (`Spec/relay.md`, "Operator keys"): a
/// server signing key and its certificate from the operator root. In development mode the relay
/// also holds a root of its own, clearly labelled, created on first start; in production the root
/// stays on another machine and the relay holds only its public key.
///
/// Files under `<data>/operator/` (created with mode 0600):
/// - `root.public`: `Encode(root key)` (33 bytes);
/// - `root.development-seed`: the development root's Ed25519 seed (development mode only);
/// - `server-key`: `u8 version = 0x01 ‖ u32 key id ‖ Ed25519 seed (32)`;
/// - `server-certificate`: the root's certificate for it (118 bytes).
public struct OperatorKeys: Sendable {
    /// The operator root's public key.
    public let rootKey: Ed25519.PublicKey
    /// The server key's certificate.
    public let serverCertificate: ServerCertificate
    let serverKey: Ed25519.PrivateKey
    /// Whether the root was created by this relay (never for production).
    public let isDevelopment: Bool
    /// Certificates of earlier server keys, served while their windows last (rotation overlap).
    public let previousCertificates: [ServerCertificate]
    /// The root's latest revocation list, if one was installed.
    public let revocationList: ServerKeyRevocationList?

    /// The root's fingerprint, which clients pin.
    public var fingerprint: String { OperatorTrust.fingerprint(of: rootKey) }

    /// Validity of a development server certificate.
    public static let developmentCertificateLifetime: UInt64 = 90 * Limits.day

    /// Loads the keys from `directory`, creating a development root and server key there first if
    /// `development` and none exist.
    /// - Throws: ``RelayError`` naming what is missing or inconsistent.
    public static func load(directory: URL, development: Bool, now: UInt64) throws(RelayError) -> OperatorKeys {
        let files = FileManager.default
        let rootFile = directory.appendingPathComponent("root.public")
        let seedFile = directory.appendingPathComponent("root.development-seed")
        let serverFile = directory.appendingPathComponent("server-key")
        let certificateFile = directory.appendingPathComponent("server-certificate")
        do {
            try files.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if development, !files.fileExists(atPath: rootFile.path) {
                let root = Ed25519.PrivateKey.generate()
                try write(root.seed.withUnsafeBytes { Array($0) }, to: seedFile)
                try write(KeyEncoding.encode(root.publicKey), to: rootFile)
                try createServerKey(keyID: 1, root: root, now: now, serverFile: serverFile, certificateFile: certificateFile)
            }
            guard files.fileExists(atPath: rootFile.path) else {
                throw RelayError(status: 500, code: "noOperatorRoot", message: "no \(rootFile.path): install the operator root's public key (sealpost-relay root init, on the root's machine)")
            }
            let rootBytes = [UInt8](try Data(contentsOf: rootFile))
            guard rootBytes.count == 33, rootBytes[0] == KeyEncoding.ed25519Type, let rootKey = try? Ed25519.PublicKey(rawRepresentation: Array(rootBytes[1...])) else {
                throw RelayError(status: 500, code: "badOperatorRoot", message: "\(rootFile.path) is not an encoded Ed25519 key")
            }
            let isDevelopment = files.fileExists(atPath: seedFile.path)
            if !development, files.fileExists(atPath: directory.appendingPathComponent("root.seed").path) {
                throw RelayError(status: 500, code: "rootOnRelay", message: "the operator root's private key is on this host: move it to the offline machine")
            }
            if !development, isDevelopment {
                throw RelayError(status: 500, code: "developmentRoot", message: "\(seedFile.path) holds a development root: production needs a root kept offline")
            }
            guard files.fileExists(atPath: serverFile.path), files.fileExists(atPath: certificateFile.path) else {
                throw RelayError(status: 500, code: "noServerKey", message: "no server key: create one with sealpost-relay keys create and have the offline root sign it")
            }
            var serverBytes = [UInt8](try Data(contentsOf: serverFile))
            defer { _ = SecretBytes(wiping: &serverBytes) }
            guard serverBytes.count == 37, serverBytes[0] == 1 else { throw RelayError(status: 500, code: "badServerKey", message: "\(serverFile.path) is malformed") }
            let keyID = UInt32(serverBytes[1]) << 24 | UInt32(serverBytes[2]) << 16 | UInt32(serverBytes[3]) << 8 | UInt32(serverBytes[4])
            let serverKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: Array(serverBytes[5...])))
            let certificate = try ServerCertificate(serialized: [UInt8](try Data(contentsOf: certificateFile)))
            guard certificate.keyID == keyID, certificate.serverKey == serverKey.publicKey else {
                throw RelayError(status: 500, code: "badServerKey", message: "the server certificate is not for the server key")
            }
            do { try certificate.verify(rootKey: rootKey) } catch {
                throw RelayError(status: 500, code: "badServerKey", message: "the server certificate is not signed by the operator root")
            }
            let listFile = directory.appendingPathComponent("revocation-list")
            let list = files.fileExists(atPath: listFile.path) ? try ServerKeyRevocationList(serialized: [UInt8](try Data(contentsOf: listFile))) : nil
            try list?.verify(rootKey: rootKey)
            if list?.revokes(keyID) == true {
                throw RelayError(status: 500, code: "revokedServerKey", message: "the server key \(keyID) is revoked: install a new one")
            }
            var previous: [ServerCertificate] = []
            let previousFolder = directory.appendingPathComponent("previous-certificates")
            for name in (try? files.contentsOfDirectory(atPath: previousFolder.path)) ?? [] {
                let old = try ServerCertificate(serialized: [UInt8](try Data(contentsOf: previousFolder.appendingPathComponent(name))))
                guard (try? old.verify(rootKey: rootKey)) != nil, list?.revokes(old.keyID) != true, old.keyID != keyID else { continue }
                previous.append(old)
            }
            return OperatorKeys(
                rootKey: rootKey, serverCertificate: certificate, serverKey: serverKey, isDevelopment: isDevelopment,
                previousCertificates: previous.sorted { $0.keyID < $1.keyID }, revocationList: list)
        } catch let error as RelayError {
            throw error
        } catch {
            throw RelayError(status: 500, code: "operatorKeys", message: "cannot load the operator keys: \(error)")
        }
    }

    static func createServerKey(keyID: UInt32, root: Ed25519.PrivateKey, now: UInt64, serverFile: URL, certificateFile: URL) throws {
        let server = Ed25519.PrivateKey.generate()
        var record: [UInt8] = [1, UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
        server.seed.withUnsafeBytes { record.append(contentsOf: $0) }
        defer { _ = SecretBytes(wiping: &record) }
        try write(record, to: serverFile)
        let certificate = try ServerCertificate.issue(
            rootKey: root, keyID: keyID, serverKey: server.publicKey, notBefore: now - 3_600, notAfter: now + developmentCertificateLifetime)
        try write(certificate.serialized(), to: certificateFile)
    }

    static func write(_ bytes: [UInt8], to url: URL) throws {
        let created = FileManager.default.createFile(atPath: url.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        if !created { throw RelayError(status: 500, code: "operatorKeys", message: "cannot write \(url.path)") }
    }

    /// The server certificates to serve at `now`: the current one and earlier ones whose windows
    /// have not closed, so devices accept mail certified by either during a rotation.
    public func servedCertificates(now: UInt64) -> [ServerCertificate] {
        [serverCertificate] + previousCertificates.filter { $0.notAfter >= now || now - $0.notAfter <= Limits.certificateClockSkew }.suffix(OperatorInfo.maximumCertificates - 1)
    }

    /// A sender certificate for a registered device, valid for ``Limits/senderCertificateLifetime``.
    public func issue(for certificate: DeviceCertificate, now: UInt64) -> SenderCertificate {
        SenderCertificate.issue(
            serverKey: serverKey, serverKeyID: serverCertificate.keyID, accountID: certificate.accountID, deviceID: certificate.deviceID,
            deviceKey: certificate.deviceKey, expires: now + Limits.senderCertificateLifetime)
    }
}
