/// SHA-256 (FIPS 180-4), through libsodium's `crypto_hash_sha256`.
public enum SHA256 {
    /// Bytes in a digest.
    public static let byteCount = 32

    /// The SHA-256 digest of `message`.
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        HashBackend.sha256(message)
    }
}

/// SHA-512 (FIPS 180-4), through libsodium's `crypto_hash_sha512`.
public enum SHA512 {
    /// Bytes in a digest.
    public static let byteCount = 64

    /// The SHA-512 digest of `message`.
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        HashBackend.sha512(message)
    }
}
