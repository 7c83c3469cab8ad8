internal import CSodium

/// libsodium calls for the two ChaCha20-Poly1305 AEADs. Every return code is checked.
enum AEADBackend {
    enum Algorithm {
        case chacha20Poly1305IETF
        case xchacha20Poly1305IETF
    }

    static let tagByteCount = 16

    /// `crypto_aead_*_encrypt` of `message` into `out` (exactly `message.count + 16` bytes).
    private static func encrypt(
        _ algorithm: Algorithm, _ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
        _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) {
        Sodium.ensureReady()
        precondition(out.count == message.count + tagByteCount)
        var written: UInt64 = 0
        let rc = key.withUnsafeBytes { keyBytes in
            associatedData.withCBytes { ad, adCount in
                nonce.withCBytes { npub, _ in
                    let c = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    switch algorithm {
                    case .chacha20Poly1305IETF:
                        return crypto_aead_chacha20poly1305_ietf_encrypt(
                            c, &written, message.cBytes, UInt64(message.count), ad, UInt64(adCount), nil, npub, keyBytes.cBytes)
                    case .xchacha20Poly1305IETF:
                        return crypto_aead_xchacha20poly1305_ietf_encrypt(
                            c, &written, message.cBytes, UInt64(message.count), ad, UInt64(adCount), nil, npub, keyBytes.cBytes)
                    }
                }
            }
        }
        // libsodium aborts (sodium_misuse) rather than fail for messages over 256 GiB, which no
        // buffer here can hold; otherwise encryption always succeeds.
        precondition(rc == 0 && written == UInt64(out.count), "AEAD encryption failed")
    }

    /// `crypto_aead_*_decrypt` of `sealed` into `out` (exactly `sealed.count - 16` bytes).
    /// Returns whether the tag verified; on failure `out` is zeroed.
    private static func decrypt(
        _ algorithm: Algorithm, _ sealed: [UInt8], into out: UnsafeMutableRawBufferPointer,
        _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) -> Bool {
        Sodium.ensureReady()
        var written: UInt64 = 0
        let rc = key.withUnsafeBytes { keyBytes in
            sealed.withCBytes { ciphertext, ciphertextCount in
                associatedData.withCBytes { ad, adCount in
                    nonce.withCBytes { npub, _ in
                        let m = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                        switch algorithm {
                        case .chacha20Poly1305IETF:
                            return crypto_aead_chacha20poly1305_ietf_decrypt(
                                m, &written, nil, ciphertext, UInt64(ciphertextCount), ad, UInt64(adCount), npub, keyBytes.cBytes)
                        case .xchacha20Poly1305IETF:
                            return crypto_aead_xchacha20poly1305_ietf_decrypt(
                                m, &written, nil, ciphertext, UInt64(ciphertextCount), ad, UInt64(adCount), npub, keyBytes.cBytes)
                        }
                    }
                }
            }
        }
        guard rc == 0, written == UInt64(out.count) else {
            if out.count > 0 { wipe(out) }
            return false
        }
        return true
    }

    /// Seals public bytes: `ciphertext ‖ tag` in one exactly sized array.
    static func seal(
        _ algorithm: Algorithm, _ plaintext: [UInt8], _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) -> [UInt8] {
        plaintext.withUnsafeBytes { message in
            sealing(algorithm, message, key, nonce, associatedData)
        }
    }

    /// Seals secret bytes without copying them out of their storage first.
    static func seal(
        _ algorithm: Algorithm, _ plaintext: SecretBytes, _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) -> [UInt8] {
        plaintext.withUnsafeBytes { message in
            sealing(algorithm, message, key, nonce, associatedData)
        }
    }

    private static func sealing(
        _ algorithm: Algorithm, _ message: UnsafeRawBufferPointer, _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) -> [UInt8] {
        let outputCount = message.count + tagByteCount
        return [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            encrypt(algorithm, message, into: UnsafeMutableRawBufferPointer(out), key, nonce, associatedData)
            initialized = outputCount
        }
    }

    /// Opens into a public array, or throws `authenticationFailed`.
    static func open(
        _ algorithm: Algorithm, _ sealed: [UInt8], _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) throws -> [UInt8] {
        guard sealed.count >= tagByteCount else { throw CryptoError.authenticationFailed }
        let outputCount = sealed.count - tagByteCount
        var verified = false
        let plaintext = [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            verified = decrypt(algorithm, sealed, into: raw, key, nonce, associatedData)
            if !verified, outputCount > 0 { raw.initializeMemory(as: UInt8.self, repeating: 0) }
            initialized = outputCount
        }
        guard verified else { throw CryptoError.authenticationFailed }
        return plaintext
    }

    /// Opens straight into secret storage, so a decrypted key never sits in a public array.
    static func openSecret(
        _ algorithm: Algorithm, _ sealed: [UInt8], _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) throws -> SecretBytes {
        guard sealed.count >= tagByteCount else { throw CryptoError.authenticationFailed }
        var verified = false
        let secret = SecretBytes(count: sealed.count - tagByteCount) { out in
            verified = decrypt(algorithm, sealed, into: out, key, nonce, associatedData)
        }
        guard verified else { throw CryptoError.authenticationFailed }
        return secret
    }
}
