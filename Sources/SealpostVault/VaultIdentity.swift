import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The device's identity as the vault keeps it: the ``DeviceIdentity`` and, on a device that holds
/// it, the account private key (`Spec/vault.md`, "Identity and key stores").
public struct StoredIdentity: Sendable {
    /// Who this device is, with its device private key.
    public let identity: DeviceIdentity
    /// The account private key, on devices that hold it (it signs device certificates and lists).
    public let accountKey: Ed25519.PrivateKey?

    /// An identity to store.
    /// - Throws: ``VaultError/storage(_:)`` if `accountKey` is not the identity's account key.
    public init(identity: DeviceIdentity, accountKey: Ed25519.PrivateKey?) throws(VaultError) {
        if let accountKey, accountKey.publicKey != identity.accountKey { throw .storage("the account private key is not the identity's account key") }
        self.identity = identity
        self.accountKey = accountKey
    }

    /// `u8 version = 0x01 ‖ account id (16) ‖ account key (32) ‖ lp16(device certificate)
    /// ‖ device key seed (32) ‖ u8 has account private key (0/1) ‖ [account key seed (32)]`.
    func serialized() -> SecretBytes {
        // Sized up front, so no copy holding the seeds is left behind by a reallocation.
        var writer = ByteWriter(capacity: 1 + 16 + 32 + 2 + DeviceCertificate.byteCount + 32 + 1 + 32)
        writer.u8(1)
        writer.raw(identity.accountID.rawRepresentation)
        writer.raw(identity.accountKey.rawRepresentation)
        writer.lp16(identity.certificate.serialized())
        identity.deviceKey.seed.withUnsafeBytes { writer.raw($0) }
        writer.u8(accountKey == nil ? 0 : 1)
        accountKey?.seed.withUnsafeBytes { writer.raw($0) }
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    init(serialized secret: SecretBytes) throws(VaultError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        do {
            var reader = ByteReader(bytes, structure: "identity")
            try reader.version(1)
            let accountID = try AccountID(rawRepresentation: try reader.raw(16))
            let accountPublicKey = try Ed25519.PublicKey(rawRepresentation: try reader.raw(32))
            let certificate = try DeviceCertificate(serialized: try reader.lp16("device certificate", maximum: DeviceCertificate.byteCount))
            var deviceSeed = try reader.raw(32)
            let deviceKey = try Ed25519.PrivateKey(seed: SecretBytes(wiping: &deviceSeed))
            var accountKey: Ed25519.PrivateKey?
            if try reader.flag("has account private key") {
                var seed = try reader.raw(32)
                accountKey = try Ed25519.PrivateKey(seed: SecretBytes(wiping: &seed))
            }
            try reader.finish()
            try self.init(
                identity: try DeviceIdentity(accountID: accountID, accountKey: accountPublicKey, certificate: certificate, deviceKey: deviceKey), accountKey: accountKey)
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("identity: \(error)")
        }
    }
}

extension VaultTransaction {
    /// The fixed ids of the one-per-vault records.
    static let identityID = RecordID(unchecked: [UInt8](repeating: 0, count: 15) + [1])
    static let envelopeKeyStoreID = RecordID(unchecked: [UInt8](repeating: 0, count: 15) + [2])

    /// The device's identity.
    public func identity() throws(VaultError) -> StoredIdentity? {
        try get(table: VaultTables.identity, id: Self.identityID).map { (bytes) throws(VaultError) in try StoredIdentity(serialized: bytes) }
    }

    /// Stores the device's identity (at registration, or when a new certificate is issued).
    public mutating func putIdentity(_ identity: StoredIdentity) throws(VaultError) {
        try put(identity.serialized(), table: VaultTables.identity, id: Self.identityID)
    }

    /// The envelope-key store.
    public func envelopeKeyStore() throws(VaultError) -> EnvelopeKeyStore? {
        guard let bytes = try get(table: VaultTables.prekeys, id: Self.envelopeKeyStoreID) else { return nil }
        do { return try EnvelopeKeyStore(serialized: bytes) } catch { throw .storage("envelope-key store: \(error)") }
    }

    /// Stores the envelope-key store: a rotation's new key before it is published, its
    /// confirmation after.
    public mutating func putEnvelopeKeyStore(_ store: EnvelopeKeyStore) throws(VaultError) {
        try put(store.serialized(), table: VaultTables.prekeys, id: Self.envelopeKeyStoreID)
    }
}

extension Vault {
    /// The device's identity, or `nil` before registration (a read transaction).
    public func identity() throws(VaultError) -> StoredIdentity? {
        try read(table: VaultTables.identity, id: VaultTransaction.identityID).map { (bytes) throws(VaultError) in try StoredIdentity(serialized: bytes) }
    }

    /// The envelope-key store, as last committed (a read transaction).
    public func envelopeKeyStore() throws(VaultError) -> EnvelopeKeyStore? {
        guard let bytes = try read(table: VaultTables.prekeys, id: VaultTransaction.envelopeKeyStoreID) else { return nil }
        do { return try EnvelopeKeyStore(serialized: bytes) } catch { throw .storage("envelope-key store: \(error)") }
    }
}
