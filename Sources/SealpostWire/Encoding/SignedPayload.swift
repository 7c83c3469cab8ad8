import SealpostCrypto

/// The bytes an object's signature covers: its fields, each `lp16`-prefixed, in a fixed order.
///
/// Together with the ``SignatureDomain`` label that the signature itself prepends, a signed
/// payload is `u8(len(label)) ‖ label ‖ lp16(field₁) ‖ lp16(field₂) ‖ …` (`Spec/identity.md`,
/// "Signatures"). Prefixing every field, even fixed-length ones, makes the payload unambiguous
/// whatever a later version adds.
public struct SignedPayload: Sendable {
    /// The encoded fields.
    public private(set) var bytes: [UInt8] = []

    /// An empty payload.
    public init() {}

    /// Appends `lp16(field)`.
    /// - Precondition: at most 65 535 bytes (every signed field is bounded far below that).
    public mutating func field(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt16.max), "signed field over 65535 bytes")
        appendLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// Appends `lp16(u32(value))`.
    public mutating func field(_ value: UInt32) {
        appendLength(4)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends `lp16(u64(value))`.
    public mutating func field(_ value: UInt64) {
        appendLength(8)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends `lp16(u8(value))`.
    public mutating func field(_ value: UInt8) {
        appendLength(1)
        bytes.append(value)
    }

    private mutating func appendLength(_ count: Int) {
        bytes.append(UInt8(count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: count))
    }
}

/// The signature domains of `Spec/identity.md`, `Spec/handshake.md` and `Spec/envelope.md`.
public enum SignatureDomains {
    /// An account key certifying a device.
    public static let deviceCertificate = SignatureDomain("sealpost/device-certificate/v1")
    /// An account key signing its device list.
    public static let deviceList = SignatureDomain("sealpost/device-list/v1")
    /// A device key signing an X25519 signed prekey.
    public static let signedPrekey = SignatureDomain("sealpost/signed-prekey/v1")
    /// A device key signing an ML-KEM-1024 prekey.
    public static let kemPrekey = SignatureDomain("sealpost/kem-prekey/v1")
    /// A device key reporting a message it could not decrypt.
    public static let decryptionError = SignatureDomain("sealpost/decryption-error/v1")
    /// A device key signing its X25519 envelope key (`Spec/envelope.md`).
    public static let envelopeKey = SignatureDomain("sealpost/envelope-key/v1")
    /// The operator root key certifying a server signing key.
    public static let serverCertificate = SignatureDomain("sealpost/server-certificate/v1")
    /// The operator root key revoking server signing keys.
    public static let serverKeyRevocation = SignatureDomain("sealpost/server-key-revocation/v1")
    /// A server signing key certifying a sending device.
    public static let senderCertificate = SignatureDomain("sealpost/sender-certificate/v1")
}

/// Reads a 64-byte signature.
func readSignature(_ reader: inout ByteReader) throws(WireError) -> Ed25519.Signature {
    let bytes = try reader.raw(Ed25519.signatureByteCount)
    guard let signature = try? Ed25519.Signature(rawRepresentation: bytes) else {
        throw .invalidValue(field: "signature", reason: "not 64 bytes")
    }
    return signature
}

extension Ed25519.PublicKey {
    /// Verifies a signature, mapping failure to ``WireError/authenticationFailed``.
    func check(_ signature: Ed25519.Signature, over payload: SignedPayload, in domain: SignatureDomain) throws(WireError) {
        guard isValidSignature(signature, for: payload.bytes, in: domain) else { throw .authenticationFailed }
    }
}
