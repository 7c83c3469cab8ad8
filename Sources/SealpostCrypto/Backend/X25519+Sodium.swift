internal import CSodium

/// libsodium calls for X25519. Every return code is checked.
enum X25519Backend {
    /// `crypto_scalarmult_base`: the public key for a private scalar.
    static func publicKey(for secret: SecretBytes) -> [UInt8] {
        Sodium.ensureReady()
        return [UInt8](unsafeUninitializedCapacity: X25519.keyByteCount) { out, initialized in
            let rc = secret.withUnsafeBytes { scalar in
                crypto_scalarmult_base(out.baseAddress!, scalar.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            // libsodium 1.0.18's crypto_scalarmult_base always returns 0 (a clamped scalar times
            // the base point is never the identity); the check guards against a broken library.
            precondition(rc == 0, "crypto_scalarmult_base failed")
            initialized = X25519.keyByteCount
        }
    }

    /// `crypto_scalarmult`: the shared secret, or `lowOrderPoint` for the all-zero output.
    static func agree(_ secret: SecretBytes, _ peer: [UInt8]) throws -> SecretBytes {
        Sodium.ensureReady()
        var rc: Int32 = 0
        let shared = SecretBytes(count: X25519.keyByteCount) { out in
            rc = secret.withUnsafeBytes { scalar in
                peer.withUnsafeBufferPointer { point in
                    crypto_scalarmult(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        scalar.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        point.baseAddress!)
                }
            }
        }
        // libsodium returns -1 exactly when the output is all zeros (it checks in constant time).
        guard rc == 0 else { throw CryptoError(.lowOrderPoint, subject: "X25519 peer public key") }
        return shared
    }
}
