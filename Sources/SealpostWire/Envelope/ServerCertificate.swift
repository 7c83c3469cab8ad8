import SealpostCrypto

/// The operator root key's statement that a server signing key may issue sender certificates
/// during a validity window (`Spec/envelope.md`, "Operator trust chain").
///
/// Wire form, 118 bytes:
/// ```
/// u8 version = 0x01 ‖ u32 server key id ‖ Encode(server key) (33) ‖ u64 not before ‖ u64 not after
///   ‖ signature (64)
/// ```
/// The signature is the operator root's, in domain `sealpost/server-certificate/v1`, over
/// `lp16(u32 key id) ‖ lp16(Encode(server key)) ‖ lp16(u64 not before) ‖ lp16(u64 not after)`.
public struct ServerCertificate: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Bytes in the encoding.
    public static let byteCount = 1 + 4 + KeyEncoding.identityKeyByteCount + 8 + 8 + Ed25519.signatureByteCount

    /// The server key's id, which sender certificates name.
    public let keyID: UInt32
    /// The server signing key.
    public let serverKey: Ed25519.PublicKey
    /// The first second at which the key may have issued a certificate.
    public let notBefore: UInt64
    /// The last second at which the key may have issued a certificate still in use.
    public let notAfter: UInt64
    /// The operator root's signature.
    public let signature: Ed25519.Signature

    /// Signs a certificate with the operator root key.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` if `notAfter` precedes `notBefore`.
    public static func issue(
        rootKey: Ed25519.PrivateKey, keyID: UInt32, serverKey: Ed25519.PublicKey, notBefore: UInt64, notAfter: UInt64
    ) throws(WireError) -> ServerCertificate {
        guard notBefore <= notAfter else { throw .invalidValue(field: "server certificate", reason: "validity window ends before it starts") }
        let signature = rootKey.signature(for: payload(keyID, serverKey, notBefore, notAfter).bytes, in: SignatureDomains.serverCertificate)
        return ServerCertificate(keyID: keyID, serverKey: serverKey, notBefore: notBefore, notAfter: notAfter, signature: signature)
    }

    private init(keyID: UInt32, serverKey: Ed25519.PublicKey, notBefore: UInt64, notAfter: UInt64, signature: Ed25519.Signature) {
        self.keyID = keyID
        self.serverKey = serverKey
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.signature = signature
    }

    static func payload(_ keyID: UInt32, _ serverKey: Ed25519.PublicKey, _ notBefore: UInt64, _ notAfter: UInt64) -> SignedPayload {
        var payload = SignedPayload()
        payload.field(keyID)
        payload.field(KeyEncoding.encode(serverKey))
        payload.field(notBefore)
        payload.field(notAfter)
        return payload
    }

    /// Checks the operator root's signature.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(rootKey: Ed25519.PublicKey) throws(WireError) {
        try rootKey.check(signature, over: Self.payload(keyID, serverKey, notBefore, notAfter), in: SignatureDomains.serverCertificate)
    }

    /// The 118-byte encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        writer.u8(Self.version)
        writer.u32(keyID)
        writer.raw(KeyEncoding.encode(serverKey))
        writer.u64(notBefore)
        writer.u64(notAfter)
        writer.raw(signature.rawRepresentation)
        return writer.bytes
    }

    /// Parses the encoding strictly (the signature is not checked: see ``verify(rootKey:)``).
    /// - Throws: ``WireError``; a window that ends before it starts is ``WireError/invalidValue(field:reason:)``.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "server certificate")
        try reader.version(Self.version)
        keyID = try reader.u32()
        serverKey = try KeyEncoding.readIdentityKey(&reader, field: "server key")
        notBefore = try reader.u64()
        notAfter = try reader.u64()
        signature = try readSignature(&reader)
        try reader.finish()
        guard notBefore <= notAfter else { throw .invalidValue(field: "server certificate", reason: "validity window ends before it starts") }
    }
}
