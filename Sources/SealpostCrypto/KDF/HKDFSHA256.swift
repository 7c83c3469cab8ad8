/// HKDF with SHA-256 (RFC 5869), built on ``HMACSHA256`` because libsodium 1.0.18 has no HKDF.
public enum HKDFSHA256 {
    /// The most bytes HKDF-Expand can produce: 255 blocks of 32 bytes (RFC 5869 §2.3).
    public static let maximumOutputByteCount = 255 * HMACSHA256.byteCount

    /// HKDF-Extract (RFC 5869 §2.2): `PRK = HMAC-SHA-256(salt, IKM)`.
    ///
    /// An empty `salt` means a string of 32 zero bytes, as the RFC says; HMAC's zero-padding of
    /// short keys makes the two identical.
    public static func extract(salt: [UInt8], inputKeyMaterial: SecretBytes) -> SecretBytes {
        salt.withUnsafeBytes { saltBytes in
            inputKeyMaterial.withUnsafeBytes { ikm in
                HMACBackend.mac(key: saltBytes, message: ikm)
            }
        }
    }

    /// HKDF-Extract with a secret salt (HPKE's `secret` step salts with the KEM's shared secret).
    public static func extract(salt: SecretBytes, inputKeyMaterial: SecretBytes) -> SecretBytes {
        salt.withUnsafeBytes { saltBytes in
            inputKeyMaterial.withUnsafeBytes { ikm in HMACBackend.mac(key: saltBytes, message: ikm) }
        }
    }

    /// HKDF-Expand (RFC 5869 §2.3): `outputByteCount` bytes of keying material.
    ///
    /// - Parameters:
    ///   - pseudoRandomKey: At least 32 bytes, normally an ``extract(salt:inputKeyMaterial:)`` output.
    ///   - info: Context and application-specific information: Sealpost's versioned labels.
    ///   - outputByteCount: 0 to ``maximumOutputByteCount``.
    /// - Throws: ``CryptoError/Code/outputTooLong`` past 8 160 bytes;
    ///   ``CryptoError/Code/invalidLength`` for a PRK shorter than 32 bytes.
    public static func expand(pseudoRandomKey: SecretBytes, info: [UInt8], outputByteCount: Int) throws -> SecretBytes {
        guard pseudoRandomKey.count >= HMACSHA256.byteCount else {
            throw CryptoError(.invalidLength, subject: "HKDF pseudorandom key", detail: "expected at least 32 bytes, got \(pseudoRandomKey.count)")
        }
        try checkOutputLength(outputByteCount)
        return HMACBackend.hkdfExpand(pseudoRandomKey, info, count: outputByteCount)
    }

    /// HKDF (RFC 5869 §2): Extract then Expand.
    ///
    /// - Throws: ``CryptoError/Code/outputTooLong`` past 8 160 bytes.
    public static func deriveKey(
        inputKeyMaterial: SecretBytes, salt: [UInt8], info: [UInt8], outputByteCount: Int
    ) throws -> SecretBytes {
        try checkOutputLength(outputByteCount)
        return HMACBackend.hkdf(inputKeyMaterial, salt: salt, info: info, count: outputByteCount)
    }

    /// HKDF with a secret salt (the Double Ratchet's root key), never copied out of its storage.
    ///
    /// - Throws: ``CryptoError/Code/outputTooLong`` past 8 160 bytes.
    public static func deriveKey(
        inputKeyMaterial: SecretBytes, salt: SecretBytes, info: [UInt8], outputByteCount: Int
    ) throws -> SecretBytes {
        try checkOutputLength(outputByteCount)
        return salt.withUnsafeBytes { saltBytes in
            HMACBackend.hkdf(inputKeyMaterial, salt: saltBytes, info: info, count: outputByteCount)
        }
    }

    private static func checkOutputLength(_ count: Int) throws {
        guard count >= 0 else {
            throw CryptoError(.invalidParameters, subject: "HKDF-SHA-256", detail: "output length \(count) is negative")
        }
        guard count <= maximumOutputByteCount else {
            throw CryptoError(.outputTooLong, subject: "HKDF-SHA-256", detail: "at most \(maximumOutputByteCount) bytes, asked for \(count)")
        }
    }
}
