/// Hybrid Public Key Encryption (RFC 9180), **base mode**, with the one suite Sealpost uses:
/// DHKEM(X25519, HKDF-SHA256) (kem_id 0x0020), HKDF-SHA256 (kdf_id 0x0001), ChaCha20-Poly1305
/// (aead_id 0x0003). Built on ``X25519``, ``HKDFSHA256`` and ``ChaCha20Poly1305``; checked against
/// RFC 9180's test vectors and against swift-crypto's HPKE (`Spec/primitives.md`, "HPKE").
public enum HPKE {
    /// Bytes in an encapsulated key (`enc`): an X25519 public key.
    public static let encapsulatedKeyByteCount = 32

    static let kemSuiteID: [UInt8] = Array("KEM".utf8) + [0x00, 0x20]
    static let suiteID: [UInt8] = Array("HPKE".utf8) + [0x00, 0x20, 0x00, 0x01, 0x00, 0x03]
    static let version: [UInt8] = Array("HPKE-v1".utf8)
    static let modeBase: UInt8 = 0x00

    /// `LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm)`.
    static func labeledExtract(salt: [UInt8], suite: [UInt8], label: String, ikm: SecretBytes) -> SecretBytes {
        let prefix = SecretBytes(copying: version + suite + Array(label.utf8))
        return HKDFSHA256.extract(salt: salt, inputKeyMaterial: SecretBytes(concatenating: [prefix, ikm]))
    }

    /// `LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L)`.
    static func labeledExpand(prk: SecretBytes, suite: [UInt8], label: String, info: [UInt8], length: Int) throws -> SecretBytes {
        guard (0...Int(UInt16.max)).contains(length) else {
            throw CryptoError(.outputTooLong, subject: "HPKE LabeledExpand", detail: "at most 65535 bytes, asked for \(length)")
        }
        let labeled = [UInt8(length >> 8), UInt8(length & 0xFF)] + version + suite + Array(label.utf8) + info
        return try HKDFSHA256.expand(pseudoRandomKey: prk, info: labeled, outputByteCount: length)
    }

    /// `DeriveKeyPair(ikm)` for X25519 (RFC 9180 §7.1.3): `sk = LabeledExpand(LabeledExtract("",
    /// "dkp_prk", ikm), "sk", "", 32)`.
    public static func deriveKeyPair(inputKeyMaterial: SecretBytes) throws -> X25519.PrivateKey {
        let prk = labeledExtract(salt: [], suite: kemSuiteID, label: "dkp_prk", ikm: inputKeyMaterial)
        return try X25519.PrivateKey(rawRepresentation: try labeledExpand(prk: prk, suite: kemSuiteID, label: "sk", info: [], length: 32))
    }

    /// `ExtractAndExpand(dh, kem_context)`: the KEM's shared secret.
    static func extractAndExpand(_ dh: SharedSecret, kemContext: [UInt8]) throws -> SecretBytes {
        let prk = labeledExtract(salt: [], suite: kemSuiteID, label: "eae_prk", ikm: dh.secretBytes)
        return try labeledExpand(prk: prk, suite: kemSuiteID, label: "shared_secret", info: kemContext, length: 32)
    }

    /// The base-mode key schedule (RFC 9180 §5.1) from the KEM's shared secret.
    struct KeySchedule {
        let key: AEADKey
        let baseNonce: [UInt8]
        /// The key schedule's `secret`; the exporter secret is derived from it only when asked for.
        let secret: SecretBytes
        let context: [UInt8]

        /// `psk_id_hash` of base mode (an empty PSK id): the same for every context, computed once.
        static let pskIDHash = labeledExtract(salt: [], suite: suiteID, label: "psk_id_hash", ikm: SecretBytes(copying: [])).withUnsafeBytes { Array($0) }

        init(sharedSecret: SecretBytes, info: [UInt8]) throws {
            let infoHash = labeledExtract(salt: [], suite: suiteID, label: "info_hash", ikm: SecretBytes(copying: info))
            context = [modeBase] + Self.pskIDHash + infoHash.withUnsafeBytes { Array($0) }
            secret = HKDFSHA256.extract(salt: sharedSecret, inputKeyMaterial: SecretBytes(copying: version + suiteID + Array("secret".utf8)))
            key = try AEADKey(try labeledExpand(prk: secret, suite: suiteID, label: "key", info: context, length: 32))
            baseNonce = try labeledExpand(prk: secret, suite: suiteID, label: "base_nonce", info: context, length: 12).withUnsafeBytes { Array($0) }
        }

        /// `base_nonce XOR I2OSP(seq, 12)`.
        func nonce(_ sequence: UInt64) -> ChaCha20Poly1305.Nonce {
            var bytes = baseNonce
            for index in 0..<8 { bytes[11 - index] ^= UInt8(truncatingIfNeeded: sequence >> (8 * UInt64(index))) }
            return ChaCha20Poly1305.Nonce(trusted: bytes)  // 12 bytes by construction
        }

        /// `exporter_secret`, derived on demand: sealing and opening never need it.
        func exporterSecret() throws -> SecretBytes {
            try labeledExpand(prk: secret, suite: suiteID, label: "exp", info: context, length: 32)
        }

        func export(context exporterContext: [UInt8], length: Int) throws -> SecretBytes {
            let exporterSecret = try exporterSecret()
            return try labeledExpand(prk: exporterSecret, suite: suiteID, label: "sec", info: exporterContext, length: length)
        }
    }

    /// The sending side of a base-mode context.
    public struct Sender: Sendable {
        /// `enc`: send it to the recipient with the ciphertexts.
        public let encapsulatedKey: [UInt8]
        let schedule: KeySchedule
        var sequence: UInt64 = 0

        /// Sets up a context to `recipientKey` (RFC 9180 §5.1.1 `SetupBaseS`), with a fresh
        /// ephemeral key.
        /// - Throws: ``CryptoError/Code/lowOrderPoint`` for a low-order recipient key.
        public init(recipientKey: X25519.PublicKey, info: [UInt8]) throws {
            try self.init(recipientKey: recipientKey, info: info, ephemeral: .generate())
        }

        /// With a given ephemeral key: for RFC 9180's test vectors only (`package` access).
        package init(recipientKey: X25519.PublicKey, info: [UInt8], ephemeral: X25519.PrivateKey) throws {
            let dh = try ephemeral.sharedSecret(with: recipientKey)
            let enc = ephemeral.publicKey.rawRepresentation
            let shared = try HPKE.extractAndExpand(dh, kemContext: enc + recipientKey.rawRepresentation)
            encapsulatedKey = enc
            schedule = try KeySchedule(sharedSecret: shared, info: info)
        }

        /// Encrypts the next message (`ContextS.Seal`).
        /// - Throws: ``CryptoError/Code/invalidParameters`` after 2^64 − 1 messages.
        public mutating func seal(_ plaintext: [UInt8], authenticating associatedData: [UInt8] = []) throws -> [UInt8] {
            guard sequence < UInt64.max else { throw CryptoError(.invalidParameters, subject: "HPKE", detail: "message limit reached") }
            defer { sequence += 1 }
            return ChaCha20Poly1305.seal(plaintext, using: schedule.key, nonce: schedule.nonce(sequence), authenticating: associatedData)
        }

        /// `Context.Export(exporter_context, L)`.
        public func export(context: [UInt8], outputByteCount: Int) throws -> SecretBytes {
            try schedule.export(context: context, length: outputByteCount)
        }
    }

    /// The receiving side of a base-mode context.
    public struct Recipient: Sendable {
        let schedule: KeySchedule
        var sequence: UInt64 = 0

        /// Sets up a context from `enc` (RFC 9180 §5.1.1 `SetupBaseR`).
        /// - Throws: ``CryptoError/Code/invalidLength`` for an `enc` that is not 32 bytes;
        ///   ``CryptoError/Code/lowOrderPoint`` for a low-order `enc`.
        public init(privateKey: X25519.PrivateKey, encapsulatedKey: [UInt8], info: [UInt8]) throws {
            let ephemeral = try X25519.PublicKey(rawRepresentation: encapsulatedKey)
            let dh = try privateKey.sharedSecret(with: ephemeral)
            let shared = try HPKE.extractAndExpand(dh, kemContext: encapsulatedKey + privateKey.publicKey.rawRepresentation)
            schedule = try KeySchedule(sharedSecret: shared, info: info)
        }

        /// Decrypts the next message (`ContextR.Open`).
        /// - Throws: ``CryptoError/Code/authenticationFailed``.
        public mutating func open(_ ciphertext: [UInt8], authenticating associatedData: [UInt8] = []) throws -> [UInt8] {
            guard sequence < UInt64.max else { throw CryptoError(.invalidParameters, subject: "HPKE", detail: "message limit reached") }
            let plaintext = try ChaCha20Poly1305.open(ciphertext, using: schedule.key, nonce: schedule.nonce(sequence), authenticating: associatedData)
            sequence += 1
            return plaintext
        }

        /// `Context.Export(exporter_context, L)`.
        public func export(context: [UInt8], outputByteCount: Int) throws -> SecretBytes {
            try schedule.export(context: context, length: outputByteCount)
        }
    }
}
