import SealpostCrypto

/// `POST /v1/accounts`: a new account for an account key (`Spec/relay.md`, "Registration").
///
/// `u8 version = 0x01 ‖ lp8(invite code) ‖ Encode(account key) (33)`; the invite code is empty
/// under an open policy. The answer is `u8 version = 0x01 ‖ account id (16)`.
public struct AccountRegistration: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The longest invite code.
    public static let maximumInviteBytes = 64

    /// The invite code, or empty.
    public let inviteCode: [UInt8]
    /// The account key the account is bound to: only lists it signs are accepted for it.
    public let accountKey: Ed25519.PublicKey

    /// A registration request.
    public init(inviteCode: [UInt8] = [], accountKey: Ed25519.PublicKey) throws(WireError) {
        guard inviteCode.count <= Self.maximumInviteBytes else {
            throw .lengthOutOfBounds(field: "invite code", maximum: Self.maximumInviteBytes, got: inviteCode.count)
        }
        self.inviteCode = inviteCode
        self.accountKey = accountKey
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.lp8(inviteCode)
        writer.raw(KeyEncoding.encode(accountKey))
        return writer.bytes
    }

    /// Parses strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "account registration")
        try reader.version(Self.version)
        inviteCode = try reader.lp8("invite code", maximum: Self.maximumInviteBytes)
        accountKey = try KeyEncoding.readIdentityKey(&reader, field: "account key")
        try reader.finish()
    }
}

/// A device's relay credential: 32 random bytes the device keeps; the relay stores only its
/// verifier, `SHA-256("sealpost/relay-credential/v1" ‖ credential)`, and compares in constant time.
public enum RelayCredential {
    /// Bytes in a credential.
    public static let byteCount = 32

    /// The verifier the relay stores.
    public static func verifier(of credential: SecretBytes) -> [UInt8] {
        var input = Array("sealpost/relay-credential/v1".utf8)
        credential.withUnsafeBytes { input.append(contentsOf: $0) }
        defer { _ = SecretBytes(wiping: &input) }
        return SHA256.hash(input)
    }
}

/// `PUT /v1/devices`: a device joins its account's mailbox system (`Spec/relay.md`,
/// "Registration").
///
/// ```
/// u8 version = 0x01 ‖ lp16(signed device list) ‖ device certificate (126)
///   ‖ credential verifier (32) ‖ u64 time ‖ signature (64)
/// ```
/// The device list must be signed by the account key and name the device; the certificate too.
/// The signature is the **device key's**, in domain `sealpost/relay-device-registration/v1`, over
/// `lp16(relay origin) ‖ lp16(certificate) ‖ lp16(credential verifier) ‖ lp16(u64 time)`: only
/// the device itself can bind a credential to its mailbox, and only at this relay.
public struct DeviceRegistration: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The signature domain.
    public static let domain = SignatureDomain("sealpost/relay-device-registration/v1")

    /// The account's signed device list, naming the device.
    public let deviceList: DeviceList
    /// The device's certificate.
    public let certificate: DeviceCertificate
    /// The verifier of the device's credential.
    public let credentialVerifier: [UInt8]
    /// When the device signed (the relay accepts its own time ± 5 minutes).
    public let time: UInt64
    /// The device key's signature.
    public let signature: Ed25519.Signature

    /// Signs a registration with the device key.
    public static func sign(
        deviceList: DeviceList, certificate: DeviceCertificate, credential: SecretBytes, time: UInt64, origin: String, deviceKey: Ed25519.PrivateKey
    ) -> DeviceRegistration {
        let verifier = RelayCredential.verifier(of: credential)
        let payload = payload(origin: origin, certificate: certificate, verifier: verifier, time: time)
        return DeviceRegistration(
            deviceList: deviceList, certificate: certificate, credentialVerifier: verifier, time: time,
            signature: deviceKey.signature(for: payload.bytes, in: domain))
    }

    private init(deviceList: DeviceList, certificate: DeviceCertificate, credentialVerifier: [UInt8], time: UInt64, signature: Ed25519.Signature) {
        self.deviceList = deviceList
        self.certificate = certificate
        self.credentialVerifier = credentialVerifier
        self.time = time
        self.signature = signature
    }

    static func payload(origin: String, certificate: DeviceCertificate, verifier: [UInt8], time: UInt64) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(Array(origin.utf8.prefix(1_024)))
        payload.field(certificate.serialized())
        payload.field(verifier)
        payload.field(time)
        return payload
    }

    /// Checks the device key's signature for `origin`.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(origin: String) throws(WireError) {
        try certificate.deviceKey.check(signature, over: Self.payload(origin: origin, certificate: certificate, verifier: credentialVerifier, time: time), in: Self.domain)
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.lp16(deviceList.serialized())
        certificate.write(to: &writer)
        writer.raw(credentialVerifier)
        writer.u64(time)
        writer.raw(signature.rawRepresentation)
        return writer.bytes
    }

    /// Parses strictly (signatures are not checked).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "device registration")
        try reader.version(Self.version)
        deviceList = try DeviceList(serialized: try reader.lp16("device list", maximum: 8_192))
        certificate = try DeviceCertificate(reading: &reader)
        credentialVerifier = try reader.raw(32)
        time = try reader.u64()
        signature = try readSignature(&reader)
        try reader.finish()
    }
}

/// `PUT /v1/access`: an account's delivery-access settings (`Spec/envelope.md`, "Delivery
/// access keys"): `u8 version = 0x01 ‖ u8 anyone may write (0 or 1) ‖ u8 has verifier (0 or 1)
/// ‖ [verifier (32)]`.
public struct AccessSettings: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1

    /// Whether senders without an access key may write (sealed) to the account.
    public let anyoneMayWrite: Bool
    /// The verifier of the account's current access key.
    public let verifier: DeliveryAccessVerifier?

    /// Settings.
    public init(anyoneMayWrite: Bool, verifier: DeliveryAccessVerifier?) {
        self.anyoneMayWrite = anyoneMayWrite
        self.verifier = verifier
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.u8(anyoneMayWrite ? 1 : 0)
        if let verifier {
            writer.u8(1)
            writer.raw(verifier.rawRepresentation)
        } else {
            writer.u8(0)
        }
        return writer.bytes
    }

    /// Parses strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "access settings")
        try reader.version(Self.version)
        anyoneMayWrite = try reader.flag("anyone may write")
        verifier = try reader.flag("has verifier") ? try DeliveryAccessVerifier(rawRepresentation: try reader.raw(32)) : nil
        try reader.finish()
    }
}
