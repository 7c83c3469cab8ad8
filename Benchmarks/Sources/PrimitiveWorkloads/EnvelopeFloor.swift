import CSodiumDirect

/// The floor of sealing and opening an envelope: the libsodium calls the layer cannot avoid, made
/// directly, on the same lengths as a 1 KiB message in an established session.
///
/// Per message, seal: two `randombytes_buf` (content key, envelope id); the content HKDF (extract
/// and two expand blocks); ChaCha20-Poly1305 of the 1 088-byte padded content; SHA-256 of the
/// 1 136-byte content field; the ratchet's chain step and message-key HKDF (four HMACs), a random
/// nonce and XChaCha20-Poly1305 of the 81-byte content-key message; HPKE's ephemeral key (random
/// scalar and base-point multiplication), its DH, the key schedule and ChaCha20-Poly1305 of the
/// 384-byte padded part. Open: the same hash, DH, key schedule and AEADs the other way, one Ed25519
/// verification (the sender certificate), and the commitment compare.
///
/// HPKE's key schedule at the floor is six HMAC-SHA-256: `eae_prk`, `shared_secret`, `info_hash`,
/// `secret`, `key`, `base_nonce`. RFC 9180 also computes `psk_id_hash` (a constant in base mode,
/// which an implementation can precompute) and `exporter_secret` (unused by a seal or open);
/// Sealpost, like the floor, precomputes the first and derives the second only on export.
struct EnvelopeFloor: Sendable {
    /// The sealed part's plaintext length: a ratchet session message (163 bytes) with the version
    /// byte, the 130-byte sender certificate and its length prefix, padded to 384.
    static let partBytes = 384
    /// The content-key message the ratchet encrypts.
    static let keyMessageBytes = 81

    static let contentLabel = Array("sealpost/envelope-content/v1".utf8)
    static let kemSuite: [UInt8] = Array("KEM".utf8) + [0x00, 0x20]
    static let suite: [UInt8] = Array("HPKE".utf8) + [0x00, 0x20, 0x00, 0x01, 0x00, 0x03]
    static let hpke = Array("HPKE-v1".utf8)
    static let eaePrefix = hpke + kemSuite + Array("eae_prk".utf8)
    static let sharedSecretPrefix: [UInt8] = [0, 32] + hpke + kemSuite + Array("shared_secret".utf8)
    static let infoHashPrefix = hpke + suite + Array("info_hash".utf8)
    static let secretInput = hpke + suite + Array("secret".utf8)
    static let keyPrefix: [UInt8] = [0, 32] + hpke + suite + Array("key".utf8)
    static let noncePrefix: [UInt8] = [0, 12] + hpke + suite + Array("base_nonce".utf8)
    static let messageKeyInfo = Array("sealpost/ratchet/message-key/v1".utf8)
    static let zeroNonce = [UInt8](repeating: 0, count: 12)

    /// `mode ‖ psk_id_hash`: the constant head of HPKE's key-schedule context in base mode.
    let contextHead: [UInt8]
    /// HPKE's `info` for a part: label, version, account id, device id, key id (45 bytes).
    let info = Array("sealpost/envelope/v1".utf8) + [UInt8](repeating: 0x11, count: 1 + 16 + 4 + 4)
    /// The ratchet's associated data: the session's AD and the header, as the ratchet floor uses.
    let ratchetAD = [UInt8](repeating: 7, count: 172 + 41)
    let chainKey: [UInt8]

    init() {
        _ = sodium_init()
        var pskIDHash = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: [], into: &pskIDHash) { state in Self.update(&state, Self.hpke + Self.suite + Array("psk_id_hash".utf8)) }
        contextHead = [0] + pskIDHash
        var chain = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&chain, 32)
        chainKey = chain
    }

    // MARK: HMAC

    @inline(__always)
    static func hmac(key: [UInt8], writing out: UnsafeMutablePointer<UInt8>, _ body: (inout crypto_auth_hmacsha256_state) -> Void) {
        var state = crypto_auth_hmacsha256_state()
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)
        body(&state)
        _ = crypto_auth_hmacsha256_final(&state, out)
    }

    @inline(__always)
    static func hmac(key: [UInt8], into out: inout [UInt8], _ body: (inout crypto_auth_hmacsha256_state) -> Void) {
        out.withUnsafeMutableBufferPointer { hmac(key: key, writing: $0.baseAddress!, body) }
    }

    @inline(__always)
    static func update(_ state: inout crypto_auth_hmacsha256_state, _ bytes: [UInt8]) {
        _ = crypto_auth_hmacsha256_update(&state, bytes, UInt64(bytes.count))
    }

    @inline(__always)
    static func update(_ state: inout crypto_auth_hmacsha256_state, byte: UInt8) {
        var value = byte
        _ = crypto_auth_hmacsha256_update(&state, &value, 1)
    }

    // MARK: Key derivations

    /// The content's HKDF: `okm[0..<32]` the ChaCha20-Poly1305 key, `okm[32..<64]` the commitment.
    func contentKeys(_ contentKey: [UInt8], envelopeID: [UInt8]) -> [UInt8] {
        var prk = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: [], into: &prk) { Self.update(&$0, contentKey) }
        return output(64) { out in
            Self.hmac(key: prk, writing: out) { state in
                Self.update(&state, Self.contentLabel)
                Self.update(&state, envelopeID)
                Self.update(&state, byte: 1)
            }
            Self.hmac(key: prk, writing: out + 32) { state in
                _ = crypto_auth_hmacsha256_update(&state, out, 32)
                Self.update(&state, Self.contentLabel)
                Self.update(&state, envelopeID)
                Self.update(&state, byte: 2)
            }
        }
    }

    /// The ratchet's message key (KDF_CK, with the next chain key) and its AEAD key (HKDF, one block).
    func ratchetKey() -> [UInt8] {
        var messageKey = [UInt8](repeating: 0, count: 32)
        var next = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: chainKey, into: &messageKey) { Self.update(&$0, byte: 1) }
        Self.hmac(key: chainKey, into: &next) { Self.update(&$0, byte: 2) }
        consume(next)
        var prk = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: [], into: &prk) { Self.update(&$0, messageKey) }
        var key = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: prk, into: &key) { state in
            Self.update(&state, Self.messageKeyInfo)
            Self.update(&state, byte: 1)
        }
        return key
    }

    /// HPKE's KEM shared secret and base-mode key schedule from the DH output: the AEAD key
    /// (`[0..<32]`) and base nonce (`[32..<44]`).
    func hpkeKeys(dh: [UInt8], enc: [UInt8], recipientKey: [UInt8]) -> [UInt8] {
        var eae = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: [], into: &eae) { state in
            Self.update(&state, Self.eaePrefix)
            Self.update(&state, dh)
        }
        var shared = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: eae, into: &shared) { state in
            Self.update(&state, Self.sharedSecretPrefix)
            Self.update(&state, enc)
            Self.update(&state, recipientKey)
            Self.update(&state, byte: 1)
        }
        var infoHash = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: [], into: &infoHash) { state in
            Self.update(&state, Self.infoHashPrefix)
            Self.update(&state, info)
        }
        var secret = [UInt8](repeating: 0, count: 32)
        Self.hmac(key: shared, into: &secret) { Self.update(&$0, Self.secretInput) }
        return output(64) { out in
            Self.hmac(key: secret, writing: out) { state in
                Self.update(&state, Self.keyPrefix)
                Self.update(&state, contextHead)
                Self.update(&state, infoHash)
                Self.update(&state, byte: 1)
            }
            Self.hmac(key: secret, writing: out + 32) { state in
                Self.update(&state, Self.noncePrefix)
                Self.update(&state, contextHead)
                Self.update(&state, infoHash)
                Self.update(&state, byte: 1)
            }
        }
    }

    // MARK: AEADs

    static func chachaSeal(_ plaintext: [UInt8], key: UnsafePointer<UInt8>, nonce: UnsafePointer<UInt8>, ad: [UInt8], into out: UnsafeMutablePointer<UInt8>) -> Int32 {
        var written: UInt64 = 0
        return crypto_aead_chacha20poly1305_ietf_encrypt(out, &written, plaintext, UInt64(plaintext.count), ad, UInt64(ad.count), nil, nonce, key)
    }

    static func chachaOpen(_ ciphertext: ArraySlice<UInt8>, key: UnsafePointer<UInt8>, nonce: UnsafePointer<UInt8>, ad: [UInt8]) -> ([UInt8], Int32) {
        var result: Int32 = 0
        let plaintext = output(ciphertext.count - 16) { out in
            var written: UInt64 = 0
            result = ciphertext.withUnsafeBufferPointer { input in
                crypto_aead_chacha20poly1305_ietf_decrypt(out, &written, nil, input.baseAddress!, UInt64(input.count), ad, UInt64(ad.count), nonce, key)
            }
        }
        return (plaintext, result)
    }
}

/// The inputs of the floor's open: a valid envelope under fixed keys, made with the same calls.
struct EnvelopeFloorMessage: Sendable {
    let floor: EnvelopeFloor
    let recipientSecret: [UInt8]
    let recipientKey: [UInt8]
    let enc: [UInt8]
    let envelopeID: [UInt8]
    let content: [UInt8]
    let innerNonce: [UInt8]
    let inner: [UInt8]
    let sealedPart: [UInt8]
    let certificate: HandshakeWorkloads.DirectSignature

    /// Signed bytes of a sender certificate: the label's length byte, the 30-byte label and five
    /// length-prefixed fields (16 + 4 + 33 + 8 + 4).
    static let certificateSignedBytes = 1 + 30 + 2 * 5 + 16 + 4 + 33 + 8 + 4

    init(floor: EnvelopeFloor, plaintextBytes: Int, paddedBytes: Int) {
        self.floor = floor
        var secret = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&secret, 32)
        var publicKey = [UInt8](repeating: 0, count: 32)
        _ = crypto_scalarmult_base(&publicKey, secret)
        var ephemeral = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&ephemeral, 32)
        var encapsulated = [UInt8](repeating: 0, count: 32)
        _ = crypto_scalarmult_base(&encapsulated, ephemeral)
        var id = [UInt8](repeating: 0, count: 16)
        randombytes_buf(&id, 16)
        var contentKey = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&contentKey, 32)

        var padded = [UInt8](repeating: 0x61, count: plaintextBytes) + [0x80]
        padded += [UInt8](repeating: 0, count: paddedBytes - padded.count)
        let okm = floor.contentKeys(contentKey, envelopeID: id)
        let content = output(32 + paddedBytes + 16) { out in
            okm.withUnsafeBufferPointer { keys in
                out.update(from: keys.baseAddress! + 32, count: 32)
                precondition(EnvelopeFloor.chachaSeal(padded, key: keys.baseAddress!, nonce: EnvelopeFloor.zeroNonce, ad: [1] + id, into: out + 32) == 0)
            }
        }
        let hash = output(32) { _ = crypto_hash_sha256($0, content, UInt64(content.count)) }
        let keyMessage = [1] + id + contentKey + hash
        var nonce = [UInt8](repeating: 0, count: 24)
        randombytes_buf(&nonce, 24)
        let ratchetKey = floor.ratchetKey()
        let ad = floor.ratchetAD
        inner = output(EnvelopeFloor.keyMessageBytes + 16) { out in
            var written: UInt64 = 0
            precondition(crypto_aead_xchacha20poly1305_ietf_encrypt(out, &written, keyMessage, UInt64(keyMessage.count), ad, UInt64(ad.count), nil, nonce, ratchetKey) == 0)
        }
        var dh = [UInt8](repeating: 0, count: 32)
        _ = crypto_scalarmult(&dh, ephemeral, publicKey)
        let hpkeKeys = floor.hpkeKeys(dh: dh, enc: encapsulated, recipientKey: publicKey)
        let part = [UInt8](repeating: 0x5A, count: EnvelopeFloor.partBytes)
        sealedPart = output(EnvelopeFloor.partBytes + 16) { out in
            hpkeKeys.withUnsafeBufferPointer { keys in
                precondition(EnvelopeFloor.chachaSeal(part, key: keys.baseAddress!, nonce: keys.baseAddress! + 32, ad: [1] + id + hash, into: out) == 0)
            }
        }
        recipientSecret = secret
        recipientKey = publicKey
        enc = encapsulated
        envelopeID = id
        self.content = content
        innerNonce = nonce
        certificate = HandshakeWorkloads.DirectSignature(length: Self.certificateSignedBytes)
    }

    /// The floor of opening: returns the sum of the C calls' results, 0 when all succeeded.
    func open() -> Int32 {
        var status: Int32 = 0
        let hash = output(32) { _ = crypto_hash_sha256($0, content, UInt64(content.count)) }
        var dh = [UInt8](repeating: 0, count: 32)
        status |= crypto_scalarmult(&dh, recipientSecret, enc)
        let hpkeKeys = floor.hpkeKeys(dh: dh, enc: enc, recipientKey: recipientKey)
        let part = hpkeKeys.withUnsafeBufferPointer { keys in
            EnvelopeFloor.chachaOpen(sealedPart[...], key: keys.baseAddress!, nonce: keys.baseAddress! + 32, ad: [1] + envelopeID + hash)
        }
        status |= part.1
        consume(part.0)
        status |= certificate.verify()
        let ratchetKey = floor.ratchetKey()
        let keyMessage = output(EnvelopeFloor.keyMessageBytes) { out in
            var written: UInt64 = 0
            status |= crypto_aead_xchacha20poly1305_ietf_decrypt(
                out, &written, nil, inner, UInt64(inner.count), floor.ratchetAD, UInt64(floor.ratchetAD.count), innerNonce, ratchetKey)
        }
        // The content key is bytes 17..<49 of the content-key message.
        let okm = floor.contentKeys(Array(keyMessage[17..<49]), envelopeID: envelopeID)
        status |= sodium_memcmp(hash, Array(keyMessage[49..<81]), 32)
        let body = okm.withUnsafeBufferPointer { keys in
            status |= sodium_memcmp(keys.baseAddress! + 32, content, 32)
            return EnvelopeFloor.chachaOpen(content[32...], key: keys.baseAddress!, nonce: EnvelopeFloor.zeroNonce, ad: [1] + envelopeID)
        }
        status |= body.1
        consume(body.0)
        return status
    }

    /// The floor of sealing `plaintext` (padded to `paddedBytes`) to this message's recipient key:
    /// returns the sum of the C calls' results, 0 when all succeeded.
    func seal(_ plaintext: [UInt8], paddedBytes: Int) -> Int32 {
        var status: Int32 = 0
        var contentKey = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&contentKey, 32)
        var id = [UInt8](repeating: 0, count: 16)
        randombytes_buf(&id, 16)
        let okm = floor.contentKeys(contentKey, envelopeID: id)
        var padded = plaintext
        padded.reserveCapacity(paddedBytes)
        padded.append(0x80)
        padded.append(contentsOf: repeatElement(0, count: paddedBytes - plaintext.count - 1))
        let content = output(32 + paddedBytes + 16) { out in
            okm.withUnsafeBufferPointer { keys in
                out.update(from: keys.baseAddress! + 32, count: 32)
                status |= EnvelopeFloor.chachaSeal(padded, key: keys.baseAddress!, nonce: EnvelopeFloor.zeroNonce, ad: [1] + id, into: out + 32)
            }
        }
        let hash = output(32) { _ = crypto_hash_sha256($0, content, UInt64(content.count)) }
        // The ratchet: key, nonce and AEAD of the content-key message.
        let keyMessage = [1] + id + contentKey + hash
        let ratchetKey = floor.ratchetKey()
        var nonce = [UInt8](repeating: 0, count: 24)
        randombytes_buf(&nonce, 24)
        let inner = output(EnvelopeFloor.keyMessageBytes + 16) { out in
            var written: UInt64 = 0
            status |= crypto_aead_xchacha20poly1305_ietf_encrypt(
                out, &written, keyMessage, UInt64(keyMessage.count), floor.ratchetAD, UInt64(floor.ratchetAD.count), nil, nonce, ratchetKey)
        }
        consume(inner)
        // HPKE: ephemeral key, DH, key schedule, the part's AEAD.
        var ephemeral = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&ephemeral, 32)
        var encapsulated = [UInt8](repeating: 0, count: 32)
        status |= crypto_scalarmult_base(&encapsulated, ephemeral)
        var dh = [UInt8](repeating: 0, count: 32)
        status |= crypto_scalarmult(&dh, ephemeral, recipientKey)
        let hpkeKeys = floor.hpkeKeys(dh: dh, enc: encapsulated, recipientKey: recipientKey)
        let part = [UInt8](repeating: 0x5A, count: EnvelopeFloor.partBytes)
        let sealed = output(EnvelopeFloor.partBytes + 16) { out in
            hpkeKeys.withUnsafeBufferPointer { keys in
                status |= EnvelopeFloor.chachaSeal(part, key: keys.baseAddress!, nonce: keys.baseAddress! + 32, ad: [1] + id + hash, into: out)
            }
        }
        consume(sealed)
        consume(content)
        return status
    }
}
