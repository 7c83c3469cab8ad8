internal import CSodium

/// libsodium's `crypto_pwhash` for Argon2id.
enum PasswordHashBackend {
    static func argon2id(
        _ password: SecretBytes, _ salt: [UInt8], _ iterations: Int, _ memoryBytes: Int, _ count: Int
    ) throws -> SecretBytes {
        Sodium.ensureReady()
        var rc: Int32 = 0
        let output = SecretBytes(count: count) { out in
            rc = password.withUnsafeBytes { passwordBytes in
                salt.withUnsafeBufferPointer { saltBytes in
                    crypto_pwhash(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(count),
                        UnsafeRawPointer(passwordBytes.cBytes).assumingMemoryBound(to: CChar.self), UInt64(passwordBytes.count),
                        saltBytes.baseAddress!,
                        UInt64(iterations), Int(memoryBytes),
                        crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        // All inputs are validated before this call, so a failure means the allocation failed.
        guard rc == 0 else {
            throw CryptoError(.resourceExhausted, subject: "Argon2id", detail: "\(memoryBytes / 1024) KiB requested")
        }
        return output
    }
}
