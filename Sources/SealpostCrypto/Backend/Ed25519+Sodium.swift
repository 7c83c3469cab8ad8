internal import CSodium

/// libsodium calls for Ed25519. Every return code is checked.
enum Ed25519Backend {
    /// `crypto_sign_seed_keypair`: libsodium's 64-byte secret key and the public key.
    static func keyPair(seed: SecretBytes) -> (SecretBytes, [UInt8]) {
        Sodium.ensureReady()
        var publicKey = [UInt8](repeating: 0, count: Ed25519.keyByteCount)
        let expanded = SecretBytes(count: Int(crypto_sign_SECRETKEYBYTES)) { secretKey in
            let rc = seed.withUnsafeBytes { seedBytes in
                crypto_sign_seed_keypair(
                    &publicKey,
                    secretKey.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    seedBytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            precondition(rc == 0, "crypto_sign_seed_keypair cannot fail for a 32-byte seed")
        }
        return (expanded, publicKey)
    }

    /// `crypto_sign_detached`.
    static func sign(_ message: [UInt8], _ expanded: SecretBytes) -> [UInt8] {
        Sodium.ensureReady()
        return [UInt8](unsafeUninitializedCapacity: Ed25519.signatureByteCount) { out, initialized in
            let rc = expanded.withUnsafeBytes { secretKey in
                message.withCBytes { messageBytes, messageCount in
                    crypto_sign_detached(
                        out.baseAddress!, nil,
                        messageBytes, UInt64(messageCount),
                        secretKey.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
            precondition(rc == 0, "crypto_sign_detached cannot fail")
            initialized = Ed25519.signatureByteCount
        }
    }

    /// `crypto_sign_verify_detached`: true only for a valid signature.
    static func verify(_ signature: [UInt8], _ message: [UInt8], _ publicKey: [UInt8]) -> Bool {
        Sodium.ensureReady()
        guard signature.count == Ed25519.signatureByteCount, publicKey.count == Ed25519.keyByteCount else { return false }
        return signature.withUnsafeBufferPointer { sig in
            message.withCBytes { messageBytes, messageCount in
                publicKey.withUnsafeBufferPointer { key in
                    crypto_sign_verify_detached(sig.baseAddress!, messageBytes, UInt64(messageCount), key.baseAddress!) == 0
                }
            }
        }
    }

    /// `crypto_sign_ed25519_pk_to_curve25519`.
    static func convertPublicKey(_ publicKey: [UInt8]) throws -> [UInt8] {
        Sodium.ensureReady()
        var out = [UInt8](repeating: 0, count: X25519.keyByteCount)
        let rc = publicKey.withUnsafeBufferPointer { crypto_sign_ed25519_pk_to_curve25519(&out, $0.baseAddress!) }
        guard rc == 0 else { throw CryptoError(.invalidPublicKey, subject: "Ed25519 public key") }
        return out
    }

    /// `crypto_sign_ed25519_sk_to_curve25519`.
    static func convertPrivateKey(_ expanded: SecretBytes) -> SecretBytes {
        Sodium.ensureReady()
        return SecretBytes(count: X25519.keyByteCount) { out in
            let rc = expanded.withUnsafeBytes { secretKey in
                crypto_sign_ed25519_sk_to_curve25519(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                    secretKey.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            precondition(rc == 0, "crypto_sign_ed25519_sk_to_curve25519 cannot fail")
        }
    }
}
