import SealpostCrypto

/// A signed X25519 prekey as published: id, creation time, key and the device key's signature.
///
/// Signature: device identity key, domain `sealpost/signed-prekey/v1`, over
/// `lp16(u32 id) ‖ lp16(u64 created) ‖ lp16(EncodeEC(key))`.
public struct SignedPrekey: Sendable, Hashable {
    /// Bytes in the encoding: `u32 id ‖ u64 created ‖ EncodeEC(key) ‖ signature`.
    public static let byteCount = 4 + 8 + KeyEncoding.x25519ByteCount + Ed25519.signatureByteCount

    /// The prekey's id, chosen by its device.
    public let id: UInt32
    /// When it was created (seconds since the Unix epoch).
    public let createdAt: UInt64
    /// The public key.
    public let key: X25519.PublicKey
    /// The device identity key's signature.
    public let signature: Ed25519.Signature

    /// Signs a prekey with the device identity key.
    public static func sign(id: UInt32, createdAt: UInt64, key: X25519.PublicKey, deviceKey: Ed25519.PrivateKey) -> SignedPrekey {
        SignedPrekey(
            id: id, createdAt: createdAt, key: key,
            signature: deviceKey.signature(for: payload(id, createdAt, key).bytes, in: SignatureDomains.signedPrekey))
    }

    /// A prekey with a signature as received; check it with ``verify(deviceKey:)``.
    public init(id: UInt32, createdAt: UInt64, key: X25519.PublicKey, signature: Ed25519.Signature) {
        self.id = id
        self.createdAt = createdAt
        self.key = key
        self.signature = signature
    }

    package static func payload(_ id: UInt32, _ createdAt: UInt64, _ key: X25519.PublicKey) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(id)
        payload.field(createdAt)
        payload.field(KeyEncoding.encode(key))
        return payload
    }

    /// Checks the device key's signature.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(deviceKey: Ed25519.PublicKey) throws(WireError) {
        try deviceKey.check(signature, over: Self.payload(id, createdAt, key), in: SignatureDomains.signedPrekey)
    }

    func write(to writer: inout ByteWriter) {
        writer.u32(id)
        writer.u64(createdAt)
        writer.raw(KeyEncoding.encode(key))
        writer.raw(signature.rawRepresentation)
    }

    init(reading reader: inout ByteReader) throws(WireError) {
        id = try reader.u32()
        createdAt = try reader.u64()
        key = try KeyEncoding.readX25519Key(&reader, field: "signed prekey")
        signature = try readSignature(&reader)
    }
}

/// Whether an ML-KEM prekey is used once or is the last-resort key.
public enum KEMPrekeyKind: UInt8, Sendable, Hashable {
    /// Handed out once by the relay, deleted by its device after one use.
    case oneTime = 0
    /// Handed out when no one-time key is left; kept until it rotates.
    case lastResort = 1
}

/// A signed ML-KEM-1024 prekey as published.
///
/// Signature: device identity key, domain `sealpost/kem-prekey/v1`, over
/// `lp16(u32 id) ‖ lp16(u64 created) ‖ lp16(u8 kind) ‖ lp16(EncodeKEM(key))`. The kind is signed,
/// so nobody can pass a one-time key off as the last-resort key or the reverse.
public struct KEMPrekey: Sendable, Hashable {
    /// Bytes in the encoding: `u32 id ‖ u64 created ‖ u8 kind ‖ EncodeKEM(key) ‖ signature`.
    public static let byteCount = 4 + 8 + 1 + KeyEncoding.mlkem1024ByteCount + Ed25519.signatureByteCount

    /// The prekey's id.
    public let id: UInt32
    /// When it was created.
    public let createdAt: UInt64
    /// One-time or last-resort.
    public let kind: KEMPrekeyKind
    /// The encapsulation key.
    public let key: MLKEM1024.PublicKey
    /// The device identity key's signature.
    public let signature: Ed25519.Signature

    /// Signs a KEM prekey with the device identity key.
    public static func sign(
        id: UInt32, createdAt: UInt64, kind: KEMPrekeyKind, key: MLKEM1024.PublicKey, deviceKey: Ed25519.PrivateKey
    ) -> KEMPrekey {
        KEMPrekey(
            id: id, createdAt: createdAt, kind: kind, key: key,
            signature: deviceKey.signature(for: payload(id, createdAt, kind, key).bytes, in: SignatureDomains.kemPrekey))
    }

    /// A prekey with a signature as received; check it with ``verify(deviceKey:)``.
    public init(id: UInt32, createdAt: UInt64, kind: KEMPrekeyKind, key: MLKEM1024.PublicKey, signature: Ed25519.Signature) {
        self.id = id
        self.createdAt = createdAt
        self.kind = kind
        self.key = key
        self.signature = signature
    }

    static func payload(_ id: UInt32, _ createdAt: UInt64, _ kind: KEMPrekeyKind, _ key: MLKEM1024.PublicKey) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(id)
        payload.field(createdAt)
        payload.field(kind.rawValue)
        payload.field(KeyEncoding.encode(key))
        return payload
    }

    /// Checks the device key's signature.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(deviceKey: Ed25519.PublicKey) throws(WireError) {
        try deviceKey.check(signature, over: Self.payload(id, createdAt, kind, key), in: SignatureDomains.kemPrekey)
    }

    func write(to writer: inout ByteWriter) {
        writer.u32(id)
        writer.u64(createdAt)
        writer.u8(kind.rawValue)
        writer.raw(KeyEncoding.encode(key))
        writer.raw(signature.rawRepresentation)
    }

    init(reading reader: inout ByteReader) throws(WireError) {
        id = try reader.u32()
        createdAt = try reader.u64()
        let kindByte = try reader.u8()
        guard let kind = KEMPrekeyKind(rawValue: kindByte) else { throw .unknownType(field: "KEM prekey kind", type: kindByte) }
        self.kind = kind
        key = try KeyEncoding.readMLKEMKey(&reader, field: "KEM prekey")
        signature = try readSignature(&reader)
    }
}

/// An unsigned one-time X25519 prekey (PQXDH §3.2: one-time curve prekeys are not signed).
public struct OneTimePrekey: Sendable, Hashable {
    /// Bytes in the encoding: `u32 id ‖ EncodeEC(key)`.
    public static let byteCount = 4 + KeyEncoding.x25519ByteCount

    /// The prekey's id.
    public let id: UInt32
    /// The public key.
    public let key: X25519.PublicKey

    /// A one-time prekey.
    public init(id: UInt32, key: X25519.PublicKey) {
        self.id = id
        self.key = key
    }

    func write(to writer: inout ByteWriter) {
        writer.u32(id)
        writer.raw(KeyEncoding.encode(key))
    }

    init(reading reader: inout ByteReader) throws(WireError) {
        id = try reader.u32()
        key = try KeyEncoding.readX25519Key(&reader, field: "one-time prekey")
    }
}

/// What an initiator fetches to start a session with one device (`Spec/handshake.md`, "Bundle").
///
/// Wire form:
/// ```
/// u8 version = 0x01 ‖ device certificate (126) ‖ signed prekey (109) ‖ KEM prekey (1 646)
///   ‖ u8 has one-time prekey (0 or 1) ‖ [u32 id ‖ EncodeEC(key)]
/// ```
/// Parsing checks structure only; ``SealpostProtocol``'s bundle verification checks every
/// signature, age and the device list.
public struct PrekeyBundle: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1

    /// The device's certificate from its account key.
    public let certificate: DeviceCertificate
    /// The device's current signed prekey.
    public let signedPrekey: SignedPrekey
    /// A one-time ML-KEM prekey, or the last-resort one.
    public let kemPrekey: KEMPrekey
    /// A one-time X25519 prekey, when the relay had one left.
    public let oneTimePrekey: OneTimePrekey?

    /// A bundle from its parts.
    public init(certificate: DeviceCertificate, signedPrekey: SignedPrekey, kemPrekey: KEMPrekey, oneTimePrekey: OneTimePrekey?) {
        self.certificate = certificate
        self.signedPrekey = signedPrekey
        self.kemPrekey = kemPrekey
        self.oneTimePrekey = oneTimePrekey
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 1 + DeviceCertificate.byteCount + SignedPrekey.byteCount + KEMPrekey.byteCount + 1 + OneTimePrekey.byteCount)
        writer.u8(Self.version)
        certificate.write(to: &writer)
        signedPrekey.write(to: &writer)
        kemPrekey.write(to: &writer)
        if let oneTimePrekey {
            writer.u8(1)
            oneTimePrekey.write(to: &writer)
        } else {
            writer.u8(0)
        }
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "prekey bundle")
        try reader.version(Self.version)
        certificate = try DeviceCertificate(reading: &reader)
        signedPrekey = try SignedPrekey(reading: &reader)
        kemPrekey = try KEMPrekey(reading: &reader)
        switch try reader.u8() {
        case 0:
            oneTimePrekey = nil
        case 1:
            oneTimePrekey = try OneTimePrekey(reading: &reader)
        case let flag:
            throw .invalidValue(field: "one-time prekey flag", reason: "must be 0 or 1, got \(flag)")
        }
        try reader.finish()
    }
}

extension SignedPrekey {
    /// The 109-byte encoding, as in a bundle (for storage).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        write(to: &writer)
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "signed prekey")
        self = try SignedPrekey(reading: &reader)
        try reader.finish()
    }
}

extension KEMPrekey {
    /// The 1 646-byte encoding, as in a bundle (for storage).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        write(to: &writer)
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "ML-KEM prekey")
        self = try KEMPrekey(reading: &reader)
        try reader.finish()
    }
}

extension OneTimePrekey {
    /// The 37-byte encoding, as in a bundle (for storage).
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        write(to: &writer)
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "one-time prekey")
        self = try OneTimePrekey(reading: &reader)
        try reader.finish()
    }
}
