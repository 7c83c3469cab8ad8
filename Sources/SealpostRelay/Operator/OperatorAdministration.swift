import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The operator's key ceremonies (`Spec/relay.md`, "Operator keys"): the root's side, meant to run
/// on a machine that is not the relay, and the relay's side, which never sees the root's private
/// key. Every file holding a private key is written with mode 0600.
public enum OperatorAdministration {
    /// A server key waiting for the root's certificate: `u8 version = 0x01 ‖ u32 key id ‖ Encode(server key)`.
    public struct CertificateRequest: Sendable, Hashable {
        /// The key id the certificate will carry.
        public let keyID: UInt32
        /// The server key to certify.
        public let serverKey: Ed25519.PublicKey

        /// The encoding.
        public func serialized() -> [UInt8] {
            var writer = ByteWriter()
            writer.u8(1)
            writer.u32(keyID)
            writer.raw(KeyEncoding.encode(serverKey))
            return writer.bytes
        }

        /// Parses strictly.
        public init(serialized bytes: [UInt8]) throws(RelayError) {
            guard bytes.count == 38, bytes[0] == 1, bytes[5] == KeyEncoding.ed25519Type,
                let key = try? Ed25519.PublicKey(rawRepresentation: Array(bytes[6...]))
            else { throw RelayError.malformed("not a server key certificate request") }
            keyID = UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4])
            serverKey = key
        }

        init(keyID: UInt32, serverKey: Ed25519.PublicKey) {
            self.keyID = keyID
            self.serverKey = serverKey
        }
    }

    // MARK: On the root's machine

    /// `root init`: a new operator root in `directory` (`root.seed`, `root.public`); returns its
    /// fingerprint. Refuses to overwrite an existing root.
    public static func initializeRoot(in directory: URL) throws(RelayError) -> String {
        let seedFile = directory.appendingPathComponent("root.seed")
        guard !FileManager.default.fileExists(atPath: seedFile.path) else { throw .conflict("\(seedFile.path) exists: a root is never overwritten") }
        let root = Ed25519.PrivateKey.generate()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try OperatorKeys.write(root.seed.withUnsafeBytes { Array($0) }, to: seedFile)
            try OperatorKeys.write(KeyEncoding.encode(root.publicKey), to: directory.appendingPathComponent("root.public"))
        } catch {
            throw RelayError(status: 500, code: "operatorKeys", message: "cannot write the root: \(error)")
        }
        return OperatorTrust.fingerprint(of: root.publicKey)
    }

    static func loadRoot(_ directory: URL) throws(RelayError) -> Ed25519.PrivateKey {
        do {
            var seed = [UInt8](try Data(contentsOf: directory.appendingPathComponent("root.seed")))
            return try Ed25519.PrivateKey(seed: SecretBytes(wiping: &seed))
        } catch {
            throw RelayError(status: 500, code: "noOperatorRoot", message: "cannot read the root in \(directory.path): \(error)")
        }
    }

    /// `root sign-server-key`: the root certifies a requested server key for `days` from `now`.
    public static func signServerKey(root directory: URL, request: CertificateRequest, now: UInt64, days: UInt64) throws(RelayError) -> ServerCertificate {
        guard (1...3_650).contains(days) else { throw .malformed("a server certificate is valid for 1 to 3 650 days") }
        let root = try loadRoot(directory)
        do {
            return try ServerCertificate.issue(
                rootKey: root, keyID: request.keyID, serverKey: request.serverKey, notBefore: now - 3_600, notAfter: now + days * Limits.day)
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// `root revoke`: a revocation list naming `keyIDs` (every key revoked so far), with a
    /// sequence above any earlier list's.
    public static func revoke(root directory: URL, keyIDs: [UInt32], sequence: UInt64, now: UInt64) throws(RelayError) -> ServerKeyRevocationList {
        let root = try loadRoot(directory)
        do { return try ServerKeyRevocationList.sign(rootKey: root, sequence: sequence, issuedAt: now, revokedKeyIDs: keyIDs) } catch { throw .malformed("\(error)") }
    }

    // MARK: On the relay

    /// `keys trust-root`: installs the root's public key (`root.public` from the root's machine).
    public static func trustRoot(operator directory: URL, rootPublic: [UInt8]) throws(RelayError) -> String {
        guard rootPublic.count == 33, rootPublic[0] == KeyEncoding.ed25519Type, let key = try? Ed25519.PublicKey(rawRepresentation: Array(rootPublic[1...])) else {
            throw .malformed("not an encoded Ed25519 root key")
        }
        let file = directory.appendingPathComponent("root.public")
        if let existing = try? Data(contentsOf: file), [UInt8](existing) != rootPublic {
            throw .conflict("a different root is already trusted; a relay's root never changes")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try OperatorKeys.write(rootPublic, to: file)
        } catch {
            throw RelayError(status: 500, code: "operatorKeys", message: "cannot write \(file.path): \(error)")
        }
        return OperatorTrust.fingerprint(of: key)
    }

    /// `keys create`: a new server key, kept as `server-key.pending` until its certificate is
    /// installed; returns the request to carry to the root's machine. The id is one above the
    /// current key's.
    public static func createServerKey(operator directory: URL) throws(RelayError) -> CertificateRequest {
        let current = try? ServerCertificate(serialized: [UInt8](Data(contentsOf: directory.appendingPathComponent("server-certificate"))))
        let keyID = (current?.keyID ?? 0) + 1
        let server = Ed25519.PrivateKey.generate()
        var record: [UInt8] = [1, UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xFF), UInt8(keyID >> 8 & 0xFF), UInt8(keyID & 0xFF)]
        server.seed.withUnsafeBytes { record.append(contentsOf: $0) }
        defer { _ = SecretBytes(wiping: &record) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let pending = directory.appendingPathComponent("server-key.pending")
            try? FileManager.default.removeItem(at: pending)
            try OperatorKeys.write(record, to: pending)
        } catch {
            throw RelayError(status: 500, code: "operatorKeys", message: "cannot write the pending server key: \(error)")
        }
        return CertificateRequest(keyID: keyID, serverKey: server.publicKey)
    }

    /// `keys install`: checks the root's certificate for the pending key against the trusted
    /// root, then makes it the key the relay issues with. The replaced certificate is kept in
    /// `previous-certificates/` and still served while its window lasts, so old and new overlap.
    public static func installServerCertificate(operator directory: URL, certificate: ServerCertificate) throws(RelayError) {
        let files = FileManager.default
        let pending = directory.appendingPathComponent("server-key.pending")
        do {
            let rootBytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("root.public")))
            guard rootBytes.count == 33, let root = try? Ed25519.PublicKey(rawRepresentation: Array(rootBytes[1...])) else { throw RelayError.malformed("root.public") }
            do { try certificate.verify(rootKey: root) } catch { throw RelayError.forbidden }
            var record = [UInt8](try Data(contentsOf: pending))
            defer { _ = SecretBytes(wiping: &record) }
            guard record.count == 37, let key = try? Ed25519.PrivateKey(seed: SecretBytes(copying: Array(record[5...]))),
                key.publicKey == certificate.serverKey
            else { throw RelayError.conflict("the certificate is not for the pending server key") }
            let currentCertificate = directory.appendingPathComponent("server-certificate")
            if files.fileExists(atPath: currentCertificate.path) {
                let previous = directory.appendingPathComponent("previous-certificates")
                try files.createDirectory(at: previous, withIntermediateDirectories: true)
                let old = try ServerCertificate(serialized: [UInt8](try Data(contentsOf: currentCertificate)))
                try? files.removeItem(at: previous.appendingPathComponent("\(old.keyID)"))
                try files.copyItem(at: currentCertificate, to: previous.appendingPathComponent("\(old.keyID)"))
            }
            try? files.removeItem(at: directory.appendingPathComponent("server-key"))
            try files.moveItem(at: pending, to: directory.appendingPathComponent("server-key"))
            try? files.removeItem(at: currentCertificate)
            try OperatorKeys.write(certificate.serialized(), to: currentCertificate)
        } catch let error as RelayError {
            throw error
        } catch {
            throw RelayError(status: 500, code: "operatorKeys", message: "cannot install the certificate: \(error)")
        }
    }

    /// `keys install-revocation`: stores a root-signed revocation list, served to clients; it
    /// must be newer than the one stored.
    public static func installRevocationList(operator directory: URL, list: ServerKeyRevocationList) throws(RelayError) {
        let keys = try OperatorKeys.load(directory: directory, development: false, now: 0)
        do { try list.verify(rootKey: keys.rootKey) } catch { throw .forbidden }
        if let current = keys.revocationList, current.sequence >= list.sequence { throw .conflict("the stored list \(current.sequence) is not older") }
        if list.revokes(keys.serverCertificate.keyID) {
            throw .conflict("the list revokes the key this relay issues with: install a new server key first")
        }
        do {
            let file = directory.appendingPathComponent("revocation-list")
            try? FileManager.default.removeItem(at: file)
            try OperatorKeys.write(list.serialized(), to: file)
        } catch {
            throw RelayError(status: 500, code: "operatorKeys", message: "cannot write the revocation list: \(error)")
        }
    }
}
