/// The system's cryptographically secure random generator, through libsodium.
///
/// Every random value in Sealpost (keys, nonces, ids, salts) comes from here, except the
/// randomness ML-KEM draws inside swift-crypto for key generation and encapsulation.
public enum SecureRandom {
    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        sodiumFill(buffer)
    }

    /// Returns `count` random bytes, for values that are not secret (nonces, ids, salts).
    /// Use ``SecretBytes/random(count:)`` for keys.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "cannot draw a negative number of random bytes")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}
