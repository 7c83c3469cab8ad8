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
                    part.withCBytes { checked(crypto_auth_hmacsha256_update(&state, $0, UInt64($1))) }
                }
            }
        }
    }

    /// HMAC-SHA-256 of `message` under `key`, both raw buffers (either may be secret).
    static func mac(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> SecretBytes {
        mac(key: key) { state in
            checked(crypto_auth_hmacsha256_update(&state, message.cBytes, UInt64(message.count)))
        }
    }

    /// Keys an HMAC state with `key`, lets `absorb` feed it, and finalizes into a secret.
    private static func mac(
        key: UnsafeRawBufferPointer, absorb: (inout crypto_auth_hmacsha256_state) -> Void
    ) -> SecretBytes {
        Sodium.ensureReady()
        return SecretBytes(count: HMACSHA256.byteCount) { out in
            var state = crypto_auth_hmacsha256_state()
            checked(crypto_auth_hmacsha256_init(&state, key.cBytes, key.count))
            absorb(&state)
            checked(crypto_auth_hmacsha256_final(&state, out.baseAddress!.assumingMemoryBound(to: UInt8.self)))
            // The state holds the keyed inner and outer hash contexts: wipe it.
            withUnsafeMutableBytes(of: &state) { wipe($0) }
        }
    }

    /// HKDF-Expand (RFC 5869 §2.3) into a secret of `count` bytes. `count` is already checked.
    static func hkdfExpand(_ prk: SecretBytes, _ info: [UInt8], count: Int) -> SecretBytes {
        prk.withUnsafeBytes { hkdfExpand(prk: $0, info, count: count) }
    }

    /// HKDF (RFC 5869 §2): the PRK lives only in a stack buffer that is wiped before returning,
    /// so a derivation allocates nothing but its output.
    static func hkdf(_ ikm: SecretBytes, salt: [UInt8], info: [UInt8], count: Int) -> SecretBytes {
        salt.withUnsafeBytes { hkdf(ikm, salt: $0, info: info, count: count) }
    }

    /// HKDF with the salt as a raw buffer (a secret's, for the ratchet's root key).
    static func hkdf(_ ikm: SecretBytes, salt: UnsafeRawBufferPointer, info: [UInt8], count: Int) -> SecretBytes {
        Sodium.ensureReady()
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACSHA256.byteCount) { prk in
            var state = crypto_auth_hmacsha256_state()
            checked(crypto_auth_hmacsha256_init(&state, salt.cBytes, salt.count))
            ikm.withUnsafeBytes { checked(crypto_auth_hmacsha256_update(&state, $0.cBytes, UInt64($0.count))) }
            checked(crypto_auth_hmacsha256_final(&state, prk.baseAddress!))
            withUnsafeMutableBytes(of: &state) { wipe($0) }
            defer { wipe(UnsafeMutableRawBufferPointer(prk)) }
            return hkdfExpand(prk: UnsafeRawBufferPointer(prk), info, count: count)
        }
    }

    private static func hkdfExpand(prk: UnsafeRawBufferPointer, _ info: [UInt8], count: Int) -> SecretBytes {
        Sodium.ensureReady()
        return SecretBytes(count: count) { out in
            // Key the HMAC once; each block starts from a copy of the keyed state.
            var keyed = crypto_auth_hmacsha256_state()
            checked(crypto_auth_hmacsha256_init(&keyed, prk.cBytes, prk.count))
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACSHA256.byteCount) { block in
                let blockBytes = block.baseAddress!
                var produced = 0
                var counter: UInt8 = 1
                while produced < count {
                    var state = keyed
                    if counter > 1 {
                        checked(crypto_auth_hmacsha256_update(&state, blockBytes, UInt64(HMACSHA256.byteCount)))
                    }
                    info.withCBytes { checked(crypto_auth_hmacsha256_update(&state, $0, UInt64($1))) }
                    checked(crypto_auth_hmacsha256_update(&state, &counter, 1))
                    checked(crypto_auth_hmacsha256_final(&state, blockBytes))
                    withUnsafeMutableBytes(of: &state) { wipe($0) }
                    let take = min(HMACSHA256.byteCount, count - produced)
                    UnsafeMutableRawBufferPointer(rebasing: out[produced..<(produced + take)])
                        .copyMemory(from: UnsafeRawBufferPointer(start: blockBytes, count: take))
                    produced += take
                    counter &+= 1
                }
                wipe(UnsafeMutableRawBufferPointer(block))
            }
            withUnsafeMutableBytes(of: &keyed) { wipe($0) }
        }
    }
}

/// Checks a libsodium HMAC return code. libsodium 1.0.18's HMAC-SHA-256 functions always return 0;
/// anything else would mean a broken library, not bad input.
@inline(__always)
private func checked(_ rc: Int32) {
    precondition(rc == 0, "libsodium HMAC-SHA-256 call failed")
}
