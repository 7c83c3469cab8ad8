internal import CSodium

/// libsodium calls for the two ChaCha20-Poly1305 AEADs. Every return code is checked.
enum AEADBackend {
    enum Algorithm {
        case chacha20Poly1305IETF
        case xchacha20Poly1305IETF
    }

    static let tagByteCount = 16

    /// `crypto_aead_*_encrypt`: writes `ciphertext ‖ tag` into one exactly sized array.
    static func seal(
        _ algorithm: Algorithm, _ plaintext: [UInt8], _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) -> [UInt8] {
        Sodium.ensureReady()
        let outputCount = plaintext.count + tagByteCount
        return [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            var written: UInt64 = 0
            let rc = key.withUnsafeBytes { keyBytes in
                plaintext.withCBytes { message, messageCount in
                    associatedData.withCBytes { ad, adCount in
                        nonce.withCBytes { npub, _ in
                            let k = keyBytes.cBytes
                            switch algorithm {
                            case .chacha20Poly1305IETF:
                                return crypto_aead_chacha20poly1305_ietf_encrypt(
                                    out.baseAddress!, &written, message, UInt64(messageCount),
                                    ad, UInt64(adCount), nil, npub, k)
                            case .xchacha20Poly1305IETF:
                                return crypto_aead_xchacha20poly1305_ietf_encrypt(
                                    out.baseAddress!, &written, message, UInt64(messageCount),
                                    ad, UInt64(adCount), nil, npub, k)
                            }
                        }
                    }
                }
            }
            // Encryption fails only for messages over 256 GiB, which no array here can hold.
            precondition(rc == 0 && written == UInt64(outputCount), "AEAD encryption failed")
            initialized = outputCount
        }
    }

    /// `crypto_aead_*_decrypt`: the plaintext, or `authenticationFailed`.
    static func open(
        _ algorithm: Algorithm, _ sealed: [UInt8], _ key: SecretBytes, _ nonce: [UInt8], _ associatedData: [UInt8]
    ) throws -> [UInt8] {
        Sodium.ensureReady()
        guard sealed.count >= tagByteCount else { throw CryptoError.authenticationFailed }
        let outputCount = sealed.count - tagByteCount
        var rc: Int32 = -1
        let plaintext = [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            var written: UInt64 = 0
            rc = key.withUnsafeBytes { keyBytes in
                sealed.withCBytes { ciphertext, ciphertextCount in
                    associatedData.withCBytes { ad, adCount in
                        nonce.withCBytes { npub, _ in
                            let k = keyBytes.cBytes
                            switch algorithm {
                            case .chacha20Poly1305IETF:
                                return crypto_aead_chacha20poly1305_ietf_decrypt(
                                    out.baseAddress, &written, nil, ciphertext, UInt64(ciphertextCount),
                                    ad, UInt64(adCount), npub, k)
                            case .xchacha20Poly1305IETF:
                                return crypto_aead_xchacha20poly1305_ietf_decrypt(
                                    out.baseAddress, &written, nil, ciphertext, UInt64(ciphertextCount),
                                    ad, UInt64(adCount), npub, k)
                            }
                        }
                    }
                }
            }
            // libsodium writes nothing on failure; report the buffer as fully written either way
            // so the array is well formed, and discard it below when authentication failed.
            if rc != 0 { out.initialize(repeating: 0) }
            initialized = outputCount
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return plaintext
    }
}
