import SealpostCrypto
import SealpostWire

/// The handshake's associated data, transcript and key derivation (`Spec/handshake.md`, "Key
/// derivation"), shared by both sides so that they cannot drift apart.
enum HandshakeKeySchedule {
    /// PQXDH's `info`: application, curve, hash and KEM joined by `_` (PQXDH rev. 3 §2.2), with
    /// Sealpost's version.
    static let info = "Sealpost-v1_CURVE25519_SHA-256_ML-KEM-1024"
    /// Prefix of the session output's HKDF info.
    static let sessionInfo = Array((info + ":session").utf8)
    /// Prefix of the key-confirmation key's HKDF info.
    static let confirmationInfo = Array((info + ":confirmation").utf8)
    /// The first field of the transcript.
    static let transcriptLabel = Array("sealpost/pqxdh-transcript/v1".utf8)

    /// One side of the handshake, as bound into `AD`.
    struct Party {
        let accountKey: Ed25519.PublicKey
        let deviceKey: Ed25519.PublicKey
        let accountID: AccountID
        let deviceID: DeviceID

        var encoded: [UInt8] {
            var writer = ByteWriter(capacity: 86)
            writer.raw(KeyEncoding.encode(accountKey))
            writer.raw(KeyEncoding.encode(deviceKey))
            writer.raw(accountID.rawRepresentation)
            writer.u32(deviceID.value)
            return writer.bytes
        }
    }

    /// `AD = initiator (86 bytes) ‖ responder (86 bytes)`, each
    /// `Encode(account key) ‖ Encode(device key) ‖ account id ‖ u32 device id`.
    static func associatedData(initiator: Party, responder: Party) -> [UInt8] {
        initiator.encoded + responder.encoded
    }

    /// The public values both sides agree on, each `lp16`-prefixed, hashed with SHA-256.
    static func transcriptHash(
        associatedData: [UInt8], baseKey: X25519.PublicKey, signedPrekeyID: UInt32, signedPrekey: X25519.PublicKey,
        kemPrekeyID: UInt32, kemPrekeyKind: KEMPrekeyKind, kemPrekey: MLKEM1024.PublicKey, kemCiphertext: [UInt8],
        oneTimePrekey: OneTimePrekey?
    ) -> [UInt8] {
        var transcript = SignedPayload()
        transcript.field(transcriptLabel)
        transcript.field(associatedData)
        transcript.field(KeyEncoding.encode(baseKey))
        transcript.field(signedPrekeyID)
        transcript.field(KeyEncoding.encode(signedPrekey))
        transcript.field(kemPrekeyID)
        transcript.field(kemPrekeyKind.rawValue)
        transcript.field(SHA256.hash(KeyEncoding.encode(kemPrekey)))
        transcript.field(kemCiphertext)
        if let oneTimePrekey {
            var writer = ByteWriter(capacity: 37)
            writer.u32(oneTimePrekey.id)
            writer.raw(KeyEncoding.encode(oneTimePrekey.key))
            transcript.field(writer.bytes)
        } else {
            transcript.field([UInt8]())
        }
        return SHA256.hash(transcript.bytes)
    }

    /// `PRK = HKDF-Extract(00^32, FF^32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS)`; then the 64-byte session
    /// output and the confirmation tag.
    static func derive(
        dhOutputs: [SharedSecret], kemSecret: SharedSecret, associatedData: [UInt8], transcriptHash: [UInt8]
    ) -> (secret: HandshakeSecret, confirmation: SecretBytes) {
        let discontinuity = SecretBytes(copying: [UInt8](repeating: 0xFF, count: 32))
        let ikm = SecretBytes(concatenating: [discontinuity] + dhOutputs.map(\.secretBytes) + [kemSecret.secretBytes])
        let prk = HKDFSHA256.extract(salt: [UInt8](repeating: 0, count: 32), inputKeyMaterial: ikm)
        // Output lengths are constants far below HKDF's limit, and the PRK is 32 bytes, so
        // neither expansion can fail.
        guard let session = try? HKDFSHA256.expand(pseudoRandomKey: prk, info: sessionInfo + transcriptHash, outputByteCount: 64),
              let confirmationKey = try? HKDFSHA256.expand(pseudoRandomKey: prk, info: confirmationInfo + transcriptHash, outputByteCount: 32)
        else { preconditionFailure("HKDF-Expand failed for constant lengths") }
        let secret = HandshakeSecret(
            rootKey: session.slice(0..<32), chainKey: session.slice(32..<64), associatedData: associatedData, transcriptHash: transcriptHash)
        return (secret, HMACSHA256.authenticationCode(for: transcriptHash, using: confirmationKey))
    }

    /// `DH(private, public)`, with a low-order public key reported as malformed.
    static func dh(_ privateKey: X25519.PrivateKey, _ publicKey: X25519.PublicKey, _ field: String) throws(HandshakeError) -> SharedSecret {
        do {
            return try privateKey.sharedSecret(with: publicKey)
        } catch {
            throw .malformed(.invalidValue(field: field, reason: "low-order X25519 key"))
        }
    }

    /// The X25519 form of a device identity key.
    static func dhKey(_ key: Ed25519.PublicKey, _ field: String) throws(HandshakeError) -> X25519.PublicKey {
        do {
            return try key.x25519PublicKey()
        } catch {
            throw .malformed(.invalidValue(field: field, reason: "identity key has no X25519 form (small order or torsion)"))
        }
    }
}
