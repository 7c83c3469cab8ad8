import SealpostCrypto

/// `GET /v1/accounts/{account}/devices`: what a sender needs to seal to every device of an
/// account (`Spec/relay.md`, "Directory").
///
/// `u8 version = 0x02 ‖ Encode(account key) (33) ‖ lp16(signed device list) ‖ u8 n ‖ n × (
/// device certificate (126) ‖ u8 has key ‖ [signed envelope key (110)] )`, devices in device-list
/// order. (Version 1 lacked the account key, so a first contact could not pin it.)
public struct AccountDevices: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 2

    /// One device.
    public struct Device: Sendable, Hashable {
        /// Its certificate.
        public let certificate: DeviceCertificate
        /// Its current envelope key, once published.
        public let envelopeKey: SignedEnvelopeKey?

        /// A device entry.
        public init(certificate: DeviceCertificate, envelopeKey: SignedEnvelopeKey?) {
            self.certificate = certificate
            self.envelopeKey = envelopeKey
        }
    }

    /// The account key the relay registered the account with: what a first contact pins (trust
    /// on first use), and what later answers are compared with.
    public let accountKey: Ed25519.PublicKey
    /// The account's signed device list (verify it against the pinned account key).
    public let deviceList: DeviceList
    /// The registered devices.
    public let devices: [Device]

    /// An answer.
    public init(accountKey: Ed25519.PublicKey, deviceList: DeviceList, devices: [Device]) throws(WireError) {
        guard devices.count <= DeviceList.maximumDevices else { throw .countOutOfBounds(field: "devices", maximum: DeviceList.maximumDevices, got: devices.count) }
        self.accountKey = accountKey
        self.deviceList = deviceList
        self.devices = devices
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.raw(KeyEncoding.encode(accountKey))
        writer.lp16(deviceList.serialized())
        writer.u8(UInt8(devices.count))
        for device in devices {
            device.certificate.write(to: &writer)
            if let key = device.envelopeKey {
                writer.u8(1)
                writer.raw(key.serialized())
            } else {
                writer.u8(0)
            }
        }
        return writer.bytes
    }

    /// Parses strictly (signatures are not checked).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "account devices")
        try reader.version(Self.version)
        accountKey = try KeyEncoding.readIdentityKey(&reader, field: "account key")
        deviceList = try DeviceList(serialized: try reader.lp16("device list", maximum: 8_192))
        let count = Int(try reader.u8())
        guard count <= DeviceList.maximumDevices else { throw .countOutOfBounds(field: "devices", maximum: DeviceList.maximumDevices, got: count) }
        var devices: [Device] = []
        for _ in 0..<count {
            let certificate = try DeviceCertificate(reading: &reader)
            let key = try reader.flag("has envelope key") ? try SignedEnvelopeKey(serialized: try reader.raw(SignedEnvelopeKey.byteCount)) : nil
            devices.append(Device(certificate: certificate, envelopeKey: key))
        }
        self.devices = devices
        try reader.finish()
    }
}

/// `GET /v1/operator`: the operator's root key, the server certificates it signed, and its
/// latest revocation list (`Spec/relay.md`, "Operator").
///
/// `u8 version = 0x01 ‖ Encode(root key) ‖ u8 n ‖ n × server certificate (118) ‖ lp16(revocation list, or empty)`
public struct OperatorInfo: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The most server certificates one answer carries.
    public static let maximumCertificates = 16

    /// The operator root key: check it against the pinned fingerprint.
    public let rootKey: Ed25519.PublicKey
    /// The server certificates in use.
    public let serverCertificates: [ServerCertificate]
    /// The latest revocation list, if the root ever signed one.
    public let revocationList: ServerKeyRevocationList?

    /// An answer.
    public init(rootKey: Ed25519.PublicKey, serverCertificates: [ServerCertificate], revocationList: ServerKeyRevocationList?) throws(WireError) {
        guard serverCertificates.count <= Self.maximumCertificates else {
            throw .countOutOfBounds(field: "server certificates", maximum: Self.maximumCertificates, got: serverCertificates.count)
        }
        self.rootKey = rootKey
        self.serverCertificates = serverCertificates
        self.revocationList = revocationList
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.raw(KeyEncoding.encode(rootKey))
        writer.u8(UInt8(serverCertificates.count))
        for certificate in serverCertificates { writer.raw(certificate.serialized()) }
        writer.lp16(revocationList?.serialized() ?? [])
        return writer.bytes
    }

    /// Parses strictly (signatures are not checked: ``OperatorTrust`` does).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "operator info")
        try reader.version(Self.version)
        rootKey = try KeyEncoding.readIdentityKey(&reader, field: "root key")
        let count = Int(try reader.u8())
        guard count <= Self.maximumCertificates else { throw .countOutOfBounds(field: "server certificates", maximum: Self.maximumCertificates, got: count) }
        var certificates: [ServerCertificate] = []
        for _ in 0..<count { certificates.append(try ServerCertificate(serialized: try reader.raw(ServerCertificate.byteCount))) }
        serverCertificates = certificates
        let list = try reader.lp16("revocation list", maximum: 1 + 8 + 8 + 2 + 4 * ServerKeyRevocationList.maximumRevokedKeys + 64)
        revocationList = list.isEmpty ? nil : try ServerKeyRevocationList(serialized: list)
        try reader.finish()
    }
}

/// A device's acknowledgement of delivered envelopes, by mailbox sequence number: the WebSocket
/// frame a device sends, and the body of `POST /v1/messages/acknowledge`.
///
/// `u8 version = 0x01 ‖ u16 n (1 … 1 000) ‖ n × u64 sequence`
public struct Acknowledgement: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The most sequence numbers one acknowledgement names.
    public static let maximumSequences = 1_000

    /// The sequence numbers.
    public let sequences: [UInt64]

    /// An acknowledgement.
    public init(sequences: [UInt64]) throws(WireError) {
        guard (1...Self.maximumSequences).contains(sequences.count) else {
            throw .countOutOfBounds(field: "sequences", maximum: Self.maximumSequences, got: sequences.count)
        }
        self.sequences = sequences
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 3 + 8 * sequences.count)
        writer.u8(Self.version)
        writer.u16(UInt16(sequences.count))
        for sequence in sequences { writer.u64(sequence) }
        return writer.bytes
    }

    /// Parses strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "acknowledgement")
        try reader.version(Self.version)
        let count = Int(try reader.u16())
        guard (1...Self.maximumSequences).contains(count) else { throw .countOutOfBounds(field: "sequences", maximum: Self.maximumSequences, got: count) }
        var sequences: [UInt64] = []
        for _ in 0..<count { sequences.append(try reader.u64()) }
        self.sequences = sequences
        try reader.finish()
    }
}

/// The relay's answer to an upload whose device set is stale (409, `staleDevices`): per account,
/// the devices the upload missed, the ones it named that the account does not have, and the ones
/// sealed to an envelope key the device replaced too long ago (`Spec/relay.md`, "Sealed send").
///
/// `u8 version = 0x01 ‖ u8 n ‖ n × ( account id ‖ u8 a ‖ a × u32 missing ‖ u8 b ‖ b × u32 extra ‖ u8 c ‖ c × u32 stale key )`
public struct StaleDevices: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1

    /// One account's differences.
    public struct Account: Sendable, Hashable {
        /// The account.
        public let accountID: AccountID
        /// Registered devices the upload did not name.
        public let missing: [DeviceID]
        /// Devices the upload named that are not registered.
        public let extra: [DeviceID]
        /// Devices whose part was sealed to an envelope key replaced too long ago.
        public let staleKeys: [DeviceID]

        /// An entry.
        public init(accountID: AccountID, missing: [DeviceID], extra: [DeviceID], staleKeys: [DeviceID]) {
            self.accountID = accountID
            self.missing = missing
            self.extra = extra
            self.staleKeys = staleKeys
        }
    }

    /// The accounts with differences.
    public let accounts: [Account]

    /// An answer. - Precondition: each list at most 255 entries (device lists hold 32).
    public init(accounts: [Account]) {
        self.accounts = accounts
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.u8(UInt8(min(accounts.count, 255)))
        for account in accounts.prefix(255) {
            writer.raw(account.accountID.rawRepresentation)
            for list in [account.missing, account.extra, account.staleKeys] {
                writer.u8(UInt8(min(list.count, 255)))
                for id in list.prefix(255) { writer.u32(id.value) }
            }
        }
        return writer.bytes
    }

    /// Parses strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "stale devices")
        try reader.version(Self.version)
        var accounts: [Account] = []
        for _ in 0..<Int(try reader.u8()) {
            let account = try AccountID.read(from: &reader)
            var lists: [[DeviceID]] = []
            for _ in 0..<3 {
                var list: [DeviceID] = []
                for _ in 0..<Int(try reader.u8()) { list.append(try DeviceID.read(from: &reader)) }
                lists.append(list)
            }
            accounts.append(Account(accountID: account, missing: lists[0], extra: lists[1], staleKeys: lists[2]))
        }
        self.accounts = accounts
        try reader.finish()
    }
}
