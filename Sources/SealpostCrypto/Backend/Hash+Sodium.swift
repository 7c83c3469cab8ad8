internal import CSodium

/// libsodium calls for SHA-2.
enum HashBackend {
    static func sha256(_ message: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        return [UInt8](unsafeUninitializedCapacity: SHA256.byteCount) { out, initialized in
            let rc = message.withCBytes { crypto_hash_sha256(out.baseAddress!, $0, UInt64($1)) }
            precondition(rc == 0, "crypto_hash_sha256 cannot fail")
            initialized = SHA256.byteCount
        }
    }

    static func sha512(_ message: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        return [UInt8](unsafeUninitializedCapacity: SHA512.byteCount) { out, initialized in
            let rc = message.withCBytes { crypto_hash_sha512(out.baseAddress!, $0, UInt64($1)) }
            precondition(rc == 0, "crypto_hash_sha512 cannot fail")
            initialized = SHA512.byteCount
        }
    }
}

/// libsodium calls for HMAC-SHA-256 with keys of any length.
enum HMACBackend {
    /// HMAC-SHA-256 of the concatenation of `parts` under `key`, as a secret.
    static func mac(_ key: SecretBytes, _ parts: [[UInt8]]) -> SecretBytes {
        key.withUnsafeBytes { keyBytes in
            mac(key: keyBytes) { state in
                for part in parts {
                    part.withCBytes { _ = crypto_auth_hmacsha256_update(&state, $0, UInt64($1)) }
                }
            }
        }
    }

    /// HMAC-SHA-256 of `message` under `key`, both raw buffers (either may be secret).
    static func mac(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> SecretBytes {
        mac(key: key) { state in
            _ = crypto_auth_hmacsha256_update(&state, message.cBytes, UInt64(message.count))
        }
    }

    /// Keys an HMAC state with `key`, lets `absorb` feed it, and finalizes into a secret.
    private static func mac(
        key: UnsafeRawBufferPointer, absorb: (inout crypto_auth_hmacsha256_state) -> Void
    ) -> SecretBytes {
        Sodium.ensureReady()
        return SecretBytes(count: HMACSHA256.byteCount) { out in
            var state = crypto_auth_hmacsha256_state()
            _ = crypto_auth_hmacsha256_init(&state, key.cBytes, key.count)
            absorb(&state)
            _ = crypto_auth_hmacsha256_final(&state, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            // The state holds the keyed inner and outer hash contexts: wipe it.
            withUnsafeMutableBytes(of: &state) { wipe($0) }
        }
    }

    /// HKDF-Expand (RFC 5869 §2.3) into a secret of `count` bytes. `count` is already checked.
    static func hkdfExpand(_ prk: SecretBytes, _ info: [UInt8], count: Int) -> SecretBytes {
        Sodium.ensureReady()
        return SecretBytes(count: count) { out in
            // Key the HMAC once; each block starts from a copy of the keyed state.
            var keyed = crypto_auth_hmacsha256_state()
            prk.withUnsafeBytes { keyBytes in
                _ = crypto_auth_hmacsha256_init(&keyed, keyBytes.cBytes, keyBytes.count)
            }
            var block = [UInt8](repeating: 0, count: HMACSHA256.byteCount)
            var produced = 0
            var counter: UInt8 = 1
            while produced < count {
                var state = keyed
                if counter > 1 {
                    _ = crypto_auth_hmacsha256_update(&state, block, UInt64(block.count))
                }
                info.withCBytes { _ = crypto_auth_hmacsha256_update(&state, $0, UInt64($1)) }
                _ = crypto_auth_hmacsha256_update(&state, &counter, 1)
                _ = crypto_auth_hmacsha256_final(&state, &block)
                withUnsafeMutableBytes(of: &state) { wipe($0) }
                let take = min(HMACSHA256.byteCount, count - produced)
                block.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: out[produced..<(produced + take)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<take]))
                }
                produced += take
                counter &+= 1
            }
            wipe(&block)
            withUnsafeMutableBytes(of: &keyed) { wipe($0) }
        }
    }
}
