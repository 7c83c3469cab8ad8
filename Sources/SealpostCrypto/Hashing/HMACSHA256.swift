/// HMAC-SHA-256 (RFC 2104, RFC 4231) with keys of any length.
///
/// libsodium's one-shot `crypto_auth_hmacsha256` takes only 32-byte keys; this uses its
/// `init(state, key, keylen)` / `update` / `final` interface, which hashes keys longer than the
/// 64-byte block and zero-pads shorter ones exactly as RFC 2104 says.
public enum HMACSHA256 {
    /// Bytes in a full tag.
    public static let byteCount = 32
    /// The shortest truncated tag ``isValidAuthenticationCode(_:for:using:)`` accepts (128 bits,
    /// the floor RFC 2104 §5 and NIST SP 800-107 recommend).
    public static let minimumTruncatedByteCount = 16

    /// The 32-byte HMAC-SHA-256 of `message` under `key`.
    ///
    /// The result is returned as ``SecretBytes`` because Sealpost derives keys with HMAC (the
    /// ratchet's chain step); use ``isValidAuthenticationCode(_:for:using:)`` to check a tag.
    public static func authenticationCode(for message: [UInt8], using key: SecretBytes) -> SecretBytes {
        HMACBackend.mac(key, [message])
    }

    /// The HMAC of the plain concatenation of `parts`, without building it.
    ///
    /// The parts are not framed: `["ab", "c"]` and `["a", "bc"]` give the same tag. Callers whose
    /// parts vary in length must length-prefix them first.
    public static func authenticationCode(forConcatenationOf parts: [[UInt8]], using key: SecretBytes) -> SecretBytes {
        HMACBackend.mac(key, parts)
    }

    /// Whether `tag` is the HMAC-SHA-256 of `message` under `key`, or its first `tag.count` bytes.
    ///
    /// Compares in constant time. A tag shorter than ``minimumTruncatedByteCount`` or longer than
    /// ``byteCount`` never verifies.
    public static func isValidAuthenticationCode(_ tag: [UInt8], for message: [UInt8], using key: SecretBytes) -> Bool {
        guard (minimumTruncatedByteCount...byteCount).contains(tag.count) else { return false }
        let expected = HMACBackend.mac(key, [message])
        return expected.prefix(tag.count).constantTimeEquals(tag)
    }
}
