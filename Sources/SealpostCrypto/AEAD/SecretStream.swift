internal import CSodium

/// libsodium's `crypto_secretstream_xchacha20poly1305`: a sequence of messages under one key,
/// each authenticated with its position, so a stream whose messages are dropped, repeated,
/// reordered or cut short is detected (the last message carries ``Tag/final``).
///
/// Sealpost uses it for backups (`Spec/devices.md`, "Backups"). The 24-byte header is drawn at
/// random by ``Encryptor/init(key:)``; each message grows by ``overheadByteCount`` bytes.
public enum SecretStream {
    /// Bytes in a stream header.
    public static let headerByteCount = 24
    /// Bytes a message grows by (a tag byte and a 16-byte MAC).
    public static let overheadByteCount = 17

    /// What a message says about the stream.
    public enum Tag: UInt8, Sendable {
        /// An ordinary message.
        case message = 0
        /// The end of a set of messages (not the stream).
        case push = 1
        /// The key is ratcheted after this message.
        case rekey = 2
        /// The last message of the stream.
        case final = 3
    }

    /// The stream state (key and nonce), wiped with `sodium_memzero` when released.
    final class State {
        let pointer = UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state>.allocate(capacity: 1)
        init() { sodium_memzero(pointer, MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size) }
        deinit {
            sodium_memzero(pointer, MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size)
            pointer.deallocate()
        }
    }

    /// Encrypts a stream. One encryptor per stream, used by one task at a time.
    public final class Encryptor {
        /// The header the decryptor needs, sent before the first message.
        public let header: [UInt8]
        private let state = State()

        /// A stream under `key` with a fresh random header.
        public init(key: AEADKey) {
            Sodium.ensureReady()
            var header = [UInt8](repeating: 0, count: SecretStream.headerByteCount)
            let pointer = state.pointer
            let rc = key.secret.withUnsafeBytes { keyBytes in
                crypto_secretstream_xchacha20poly1305_init_push(pointer, &header, keyBytes.cBytes)
            }
            precondition(rc == 0, "crypto_secretstream init_push failed")
            self.header = header
        }

        /// A stream under `key` with a given header, for test vectors only: a real stream's header
        /// is random. libsodium's `init_pull` sets exactly the state `init_push` sets for a header.
        /// - Throws: ``CryptoError/Code/invalidLength`` for a header that is not 24 bytes.
        package init(key: AEADKey, header: [UInt8]) throws {
            guard header.count == SecretStream.headerByteCount else {
                throw CryptoError.invalidLength("secretstream header", expected: SecretStream.headerByteCount, got: header.count)
            }
            Sodium.ensureReady()
            let pointer = state.pointer
            let rc = key.secret.withUnsafeBytes { keyBytes in
                crypto_secretstream_xchacha20poly1305_init_pull(pointer, header, keyBytes.cBytes)
            }
            precondition(rc == 0, "crypto_secretstream init_pull failed")
            self.header = header
        }

        /// Encrypts the next message (a secret: it is read in place, never copied to a public array).
        /// - Returns: The ciphertext, ``SecretStream/overheadByteCount`` bytes longer.
        public func push(_ message: SecretBytes, authenticating associatedData: [UInt8] = [], tag: Tag = .message) -> [UInt8] {
            message.withUnsafeBytes { bytes in
                var out = [UInt8](repeating: 0, count: bytes.count + SecretStream.overheadByteCount)
                var written: UInt64 = 0
                let rc = associatedData.withCBytes { ad, adCount in
                    crypto_secretstream_xchacha20poly1305_push(
                        state.pointer, &out, &written, bytes.cBytes, UInt64(bytes.count), ad, UInt64(adCount), tag.rawValue)
                }
                precondition(rc == 0 && written == UInt64(out.count), "crypto_secretstream push failed")
                return out
            }
        }
    }

    /// Decrypts a stream, message by message, in order.
    public final class Decryptor {
        private let state = State()

        /// A stream under `key` that starts with `header`.
        /// - Throws: ``CryptoError/Code/invalidLength`` for a header that is not 24 bytes.
        public init(key: AEADKey, header: [UInt8]) throws {
            guard header.count == SecretStream.headerByteCount else {
                throw CryptoError.invalidLength("secretstream header", expected: SecretStream.headerByteCount, got: header.count)
            }
            Sodium.ensureReady()
            let rc = key.secret.withUnsafeBytes { keyBytes in
                crypto_secretstream_xchacha20poly1305_init_pull(state.pointer, header, keyBytes.cBytes)
            }
            guard rc == 0 else { throw CryptoError(.authenticationFailed, subject: "secretstream header") }
        }

        /// Verifies and decrypts the next message.
        /// - Returns: The plaintext (as a secret) and the message's tag.
        /// - Throws: ``CryptoError/Code/authenticationFailed`` for a message that is not the
        ///   stream's next one under this key and associated data (a failed message leaves the
        ///   state unchanged); ``CryptoError/Code/invalidLength`` for one shorter than the overhead.
        public func pull(_ ciphertext: [UInt8], authenticating associatedData: [UInt8] = []) throws -> (message: SecretBytes, tag: Tag) {
            guard ciphertext.count >= SecretStream.overheadByteCount else {
                throw CryptoError.invalidLength("secretstream message", expected: SecretStream.overheadByteCount, got: ciphertext.count)
            }
            var tag: UInt8 = 0
            var rc: Int32 = -1
            let message = SecretBytes(count: ciphertext.count - SecretStream.overheadByteCount, initializingWith: { out in
                var written: UInt64 = 0
                rc = ciphertext.withCBytes { c, cCount in
                    associatedData.withCBytes { ad, adCount in
                        crypto_secretstream_xchacha20poly1305_pull(
                            state.pointer, out.baseAddress?.assumingMemoryBound(to: UInt8.self), &written, &tag, c, UInt64(cCount), ad, UInt64(adCount))
                    }
                }
                if rc != 0, let base = out.baseAddress { sodium_memzero(base, out.count) }
            })
            guard rc == 0, let parsed = Tag(rawValue: tag) else { throw CryptoError(.authenticationFailed, subject: "secretstream message") }
            return (message, parsed)
        }
    }
}
