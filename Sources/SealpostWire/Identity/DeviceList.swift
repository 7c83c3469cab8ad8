import SealpostCrypto

/// An account's signed list of its devices: what senders encrypt to.
///
/// The relay stores and serves it but cannot forge, shorten or roll it back unnoticed: the account
/// key signs it, and its version only grows (a client pins the highest version it has seen).
///
/// Wire form (`Spec/identity.md`, "Device list"):
/// ```
/// u8 version = 0x01 ‖ account id (16) ‖ u64 list version ‖ u64 issued
///   ‖ u8 n ‖ n × (u32 device id ‖ Encode(device key) (33))
///   ‖ u16 m ‖ m × u32 revoked device id ‖ signature (64)
/// ```
/// Devices are sorted by id, ids are unique, and no revoked id appears among the devices. The
/// signature is the account key's, in domain `sealpost/device-list/v1`, over
/// `lp16(account id) ‖ lp16(u64 list version) ‖ lp16(u64 issued) ‖ lp16(devices) ‖ lp16(revoked)`,
/// where `devices` and `revoked` are the bytes of the two lists as encoded above, counts included.
public struct DeviceList: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The most devices an account may have: a phone, a few computers and tablets, with room.
    public static let maximumDevices = 32
    /// The most revoked ids a list carries. Ids are never reused, so older revocations are
    /// implied by the version counter; 1 024 covers years of device churn.
    public static let maximumRevoked = 1024

    /// One device in the list.
    public struct Entry: Sendable, Hashable {
        /// Its number.
        public let deviceID: DeviceID
        /// Its identity key.
        public let deviceKey: Ed25519.PublicKey

        /// A list entry.
        public init(deviceID: DeviceID, deviceKey: Ed25519.PublicKey) {
            self.deviceID = deviceID
            self.deviceKey = deviceKey
        }
    }

    /// The account.
    public let accountID: AccountID
    /// The list's version: grows with every change, never reused.
    public let listVersion: UInt64
    /// When it was signed.
    public let issuedAt: UInt64
    /// The devices, sorted by id.
    public let devices: [Entry]
    /// Revoked device ids, sorted.
    public let revoked: [DeviceID]
    /// The account key's signature.
    public let signature: Ed25519.Signature

    /// Signs a list with the account key.
    /// - Throws: ``WireError`` if the list breaks a rule (no devices, too many, duplicate ids, a
    ///   revoked id among the devices, version 0).
    public static func sign(
        accountKey: Ed25519.PrivateKey, accountID: AccountID, listVersion: UInt64, issuedAt: UInt64,
        devices: [Entry], revoked: [DeviceID]
    ) throws(WireError) -> DeviceList {
        let devices = devices.sorted { $0.deviceID < $1.deviceID }
        let revoked = revoked.sorted()
        try validate(listVersion: listVersion, devices: devices, revoked: revoked)
        let payload = signedPayload(accountID, listVersion, issuedAt, devices, revoked)
        return DeviceList(
            accountID: accountID, listVersion: listVersion, issuedAt: issuedAt, devices: devices, revoked: revoked,
            signature: accountKey.signature(for: payload.bytes, in: SignatureDomains.deviceList))
    }

    private init(
        accountID: AccountID, listVersion: UInt64, issuedAt: UInt64, devices: [Entry], revoked: [DeviceID], signature: Ed25519.Signature
    ) {
        self.accountID = accountID
        self.listVersion = listVersion
        self.issuedAt = issuedAt
        self.devices = devices
        self.revoked = revoked
        self.signature = signature
    }

    private static func validate(listVersion: UInt64, devices: [Entry], revoked: [DeviceID]) throws(WireError) {
        guard listVersion > 0 else { throw .invalidValue(field: "device list version", reason: "must be at least 1") }
        guard !devices.isEmpty else { throw .invalidValue(field: "device list", reason: "has no devices") }
        guard devices.count <= maximumDevices else { throw .countOutOfBounds(field: "devices", maximum: maximumDevices, got: devices.count) }
        guard revoked.count <= maximumRevoked else { throw .countOutOfBounds(field: "revoked devices", maximum: maximumRevoked, got: revoked.count) }
        for index in devices.indices.dropFirst() where devices[index - 1].deviceID >= devices[index].deviceID {
            throw .invalidValue(field: "devices", reason: "ids must be unique and sorted")
        }
        for index in revoked.indices.dropFirst() where revoked[index - 1] >= revoked[index] {
            throw .invalidValue(field: "revoked devices", reason: "ids must be unique and sorted")
        }
        let active = Set(devices.map(\.deviceID))
        if let clash = revoked.first(where: active.contains) {
            throw .invalidValue(field: "revoked devices", reason: "device \(clash) is both listed and revoked")
        }
    }

    private static func encodeDevices(_ devices: [Entry], into writer: inout ByteWriter) {
        writer.u8(UInt8(devices.count))
        for entry in devices {
            writer.u32(entry.deviceID.value)
            writer.raw(KeyEncoding.encode(entry.deviceKey))
        }
    }

    private static func encodeRevoked(_ revoked: [DeviceID], into writer: inout ByteWriter) {
        writer.u16(UInt16(revoked.count))
        for id in revoked { writer.u32(id.value) }
    }

    package static func signedPayload(
        _ accountID: AccountID, _ listVersion: UInt64, _ issuedAt: UInt64, _ devices: [Entry], _ revoked: [DeviceID]
    ) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(accountID.rawRepresentation)
        payload.field(listVersion)
        payload.field(issuedAt)
        var deviceBytes = ByteWriter()
        encodeDevices(devices, into: &deviceBytes)
        payload.field(deviceBytes.bytes)
        var revokedBytes = ByteWriter()
        encodeRevoked(revoked, into: &revokedBytes)
        payload.field(revokedBytes.bytes)
        return payload
    }

    /// Checks the account key's signature.
    /// - Throws: ``WireError/authenticationFailed`` if it does not verify under `accountKey`.
    public func verify(accountKey: Ed25519.PublicKey) throws(WireError) {
        try accountKey.check(
            signature, over: Self.signedPayload(accountID, listVersion, issuedAt, devices, revoked), in: SignatureDomains.deviceList)
    }

    /// The device with `id`, if it is listed.
    public func device(_ id: DeviceID) -> Entry? {
        devices.first { $0.deviceID == id }
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + 16 + 16 + 1 + devices.count * 37 + 2 + revoked.count * 4 + 64)
        writer.u8(Self.version)
        writer.raw(accountID.rawRepresentation)
        writer.u64(listVersion)
        writer.u64(issuedAt)
        Self.encodeDevices(devices, into: &writer)
        Self.encodeRevoked(revoked, into: &writer)
        writer.raw(signature.rawRepresentation)
        return writer.bytes
    }

    /// Parses the encoding strictly (the signature is not checked: see ``verify(accountKey:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "device list")
        try reader.version(Self.version)
        accountID = try AccountID.read(from: &reader)
        listVersion = try reader.u64()
        issuedAt = try reader.u64()
        let count = Int(try reader.u8())
        guard count <= Self.maximumDevices else { throw .countOutOfBounds(field: "devices", maximum: Self.maximumDevices, got: count) }
        var devices: [Entry] = []
        for _ in 0..<count {
            let id = try DeviceID.read(from: &reader)
            devices.append(Entry(deviceID: id, deviceKey: try KeyEncoding.readIdentityKey(&reader, field: "device list key")))
        }
        let revokedCount = Int(try reader.u16())
        guard revokedCount <= Self.maximumRevoked else {
            throw .countOutOfBounds(field: "revoked devices", maximum: Self.maximumRevoked, got: revokedCount)
        }
        var revoked: [DeviceID] = []
        for _ in 0..<revokedCount { revoked.append(try DeviceID.read(from: &reader)) }
        signature = try readSignature(&reader)
        try reader.finish()
        try Self.validate(listVersion: listVersion, devices: devices, revoked: revoked)
        self.devices = devices
        self.revoked = revoked
    }
}
