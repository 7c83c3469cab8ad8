import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// What a registered device keeps about its relay and its own account, beside its identity
/// (`Spec/client.md`, "Profile"): one protected vault record.
struct ClientProfile: Sendable {
    /// The relay.
    var endpoint: RelayEndpoint
    /// The operator root fingerprint the user pinned.
    var rootFingerprint: String
    /// The operator's root key, server certificates and revocation list, as last fetched.
    var operatorInfo: OperatorInfo
    /// The device's relay credential (the relay keeps only its hash).
    var credential: SecretBytes
    /// The account's delivery access secret, shared with contacts inside messages.
    var accessSecret: DeliveryAccessSecret
    /// The account's user name at the relay.
    var userName: String

    /// The fixed id of the profile record (table `identity`).
    static let recordID = RecordID(rawRepresentation: [UInt8](repeating: 0, count: 15) + [3])!

    /// `u8 version = 0x01 ‖ lp16(url) ‖ lp16(origin) ‖ lp8(root fingerprint) ‖ lp16(operator info)
    /// ‖ credential (32) ‖ access secret (32) ‖ lp8(user name)`.
    func serialized() -> SecretBytes {
        var writer = ByteWriter(capacity: 4_096)
        writer.u8(1)
        writer.lp16(Array(endpoint.url.utf8))
        writer.lp16(Array(endpoint.origin.utf8))
        writer.lp8(Array(rootFingerprint.utf8))
        writer.lp16(operatorInfo.serialized())
        credential.withUnsafeBytes { writer.raw($0) }
        accessSecret.rawRepresentation.withUnsafeBytes { writer.raw($0) }
        writer.lp8(Array(userName.utf8))
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    init(endpoint: RelayEndpoint, rootFingerprint: String, operatorInfo: OperatorInfo, credential: SecretBytes, accessSecret: DeliveryAccessSecret, userName: String) {
        self.endpoint = endpoint
        self.rootFingerprint = rootFingerprint
        self.operatorInfo = operatorInfo
        self.credential = credential
        self.accessSecret = accessSecret
        self.userName = userName
    }

    init(serialized secret: SecretBytes) throws(ClientError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        self = try checked("client profile") {
            var reader = ByteReader(bytes, structure: "client profile")
            try reader.version(1)
            func text(_ field: String, _ raw: [UInt8]) throws -> String {
                guard let text = String(validating: raw, as: UTF8.self) else { throw ClientError.invalidData("\(field) is not UTF-8") }
                return text
            }
            let url = try text("url", try reader.lp16("url", maximum: 2_048))
            let origin = try text("origin", try reader.lp16("origin", maximum: 2_048))
            let fingerprint = try text("fingerprint", try reader.lp8("fingerprint", maximum: 255))
            let info = try OperatorInfo(serialized: try reader.lp16("operator info", maximum: Int(UInt16.max)))
            var credential = try reader.raw(32)
            var access = try reader.raw(DeliveryAccessSecret.byteCount)
            let name = try text("user name", try reader.lp8("user name", maximum: 64))
            try reader.finish()
            return ClientProfile(
                endpoint: RelayEndpoint(url: url, origin: origin), rootFingerprint: fingerprint, operatorInfo: info,
                credential: SecretBytes(wiping: &credential), accessSecret: try DeliveryAccessSecret(SecretBytes(wiping: &access)), userName: name)
        }
    }

    /// The operator trust this profile pins: the root by fingerprint, then every certificate and
    /// the revocation list of the stored operator info.
    func trust() throws(ClientError) -> OperatorTrust {
        do {
            var trust = try OperatorTrust(rootKey: operatorInfo.rootKey, fingerprint: rootFingerprint)
            if let list = operatorInfo.revocationList { try trust.apply(list) }
            for certificate in operatorInfo.serverCertificates { try? trust.add(certificate) }
            return trust
        } catch {
            throw .untrustedOperator("\(error)")
        }
    }

    /// `Authorization: Sealpost <account>.<device>.<credential>`.
    func authorization(for address: DeviceAddress) -> String {
        "Sealpost \(address.accountID).\(address.deviceID).\(credential.withUnsafeBytes { Hex.encode($0) })"
    }
}
