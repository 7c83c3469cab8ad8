import SealpostCrypto
import SealpostWire

/// The content of an envelope, encrypted once for every recipient under a fresh key K
/// (`Spec/envelope.md`, "Content").
///
/// ```
/// okm        = HKDF-SHA256(salt = "", ikm = K, info = "sealpost/envelope-content/v1" ‖ envelope id, 64)
/// key        = okm[0..<32]      commitment = okm[32..<64]
/// c          = commitment ‖ ChaCha20-Poly1305(key, nonce = 00^12, pad(content), ad = 0x01 ‖ envelope id)
/// ```
/// ChaCha20-Poly1305 alone is not key-committing: a sender could craft one ciphertext that opens
/// to different contents under two keys given to two recipients. The commitment, derived from K
/// beside the encryption key, makes c open under one K only. Each K encrypts exactly one content,
/// so the all-zero nonce is never reused under a key.
public struct PreparedContent: Sendable {
    /// The envelope id, bound into the content and every part.
    public let envelopeID: EnvelopeID
    /// `c`: what the upload carries once.
    public let content: [UInt8]
    /// `SHA-256(c)`, which every recipient's inner message commits to.
    public let contentHash: [UInt8]
    let contentKey: SecretBytes

    static let contentKeyByteCount = 32
    static let label = Array("sealpost/envelope-content/v1".utf8)

    /// Pads and encrypts `plaintext` under a fresh random key.
    /// - Throws: ``EnvelopeError/invalidInput(_:)`` for content over ``EnvelopePadding/maximumContentBytes``.
    public init(_ plaintext: [UInt8], envelopeID: EnvelopeID) throws(EnvelopeError) {
        try self.init(plaintext, envelopeID: envelopeID, contentKey: .random(count: Self.contentKeyByteCount))
    }

    /// With a given key: for vectors only (`package` access). Never call it twice with one key
    /// for different plaintexts: the nonce is fixed. An outbox restores a stored content with
    /// ``init(restoring:content:contentKey:)`` instead, which encrypts nothing.
    package init(_ plaintext: [UInt8], envelopeID: EnvelopeID, contentKey: SecretBytes) throws(EnvelopeError) {
        guard plaintext.count <= EnvelopePadding.maximumContentBytes else {
            throw .invalidInput("content is \(plaintext.count) bytes, at most \(EnvelopePadding.maximumContentBytes)")
        }
        guard contentKey.count == Self.contentKeyByteCount else { throw .invalidInput("a content key is 32 bytes") }
        let (key, commitment) = try Self.derive(contentKey, envelopeID: envelopeID)
        let padded: [UInt8]
        do { padded = try EnvelopePadding.padContent(plaintext) } catch { throw .invalidInput("\(error)") }
        let content = commitment + ChaCha20Poly1305.seal(padded, using: key, nonce: try Self.zeroNonce(), authenticating: Self.associatedData(envelopeID))
        self.envelopeID = envelopeID
        self.content = content
        self.contentHash = SHA256.hash(content)
        self.contentKey = contentKey
    }

    /// A prepared content as an outbox stored it (``envelopeID``, ``content`` and the key from
    /// ``storedContentKey``), for re-sealing a retry under the same id without encrypting again.
    /// - Throws: ``EnvelopeError/authenticationFailed`` if the key's commitment is not the one
    ///   in `content`; ``EnvelopeError/invalidInput(_:)`` for a key that is not 32 bytes.
    public init(restoring envelopeID: EnvelopeID, content: [UInt8], contentKey: SecretBytes) throws(EnvelopeError) {
        guard contentKey.count == Self.contentKeyByteCount else { throw .invalidInput("a content key is 32 bytes") }
        let commitmentCount = SealedEnvelope.commitmentByteCount
        guard content.count >= commitmentCount + ChaCha20Poly1305.tagByteCount else { throw .authenticationFailed }
        let (_, commitment) = try Self.derive(contentKey, envelopeID: envelopeID)
        guard SecretBytes(copying: commitment).constantTimeEquals(Array(content[..<commitmentCount])) else { throw .authenticationFailed }
        self.envelopeID = envelopeID
        self.content = content
        self.contentHash = SHA256.hash(content)
        self.contentKey = contentKey
    }

    /// The content key K, for the outbox record that must survive a crash until the upload
    /// succeeded (store it encrypted, as the vault stores every secret).
    public var storedContentKey: SecretBytes { contentKey }

    /// The content-key message for this content (vectors only: it holds K).
    package static func contentKeyPlaintext(_ prepared: PreparedContent) -> [UInt8] {
        ContentKeyMessage.plaintext(for: prepared)
    }

    package static func associatedData(_ envelopeID: EnvelopeID) -> [UInt8] {
        [SealedEnvelope.version] + envelopeID.rawRepresentation
    }

    package static func derive(_ contentKey: SecretBytes, envelopeID: EnvelopeID) throws(EnvelopeError) -> (key: AEADKey, commitment: [UInt8]) {
        do {
            let okm = try HKDFSHA256.deriveKey(inputKeyMaterial: contentKey, salt: [], info: label + envelopeID.rawRepresentation, outputByteCount: 64)
            return (try AEADKey(okm.prefix(32)), okm.slice(32..<64).withUnsafeBytes { Array($0) })
        } catch {
            // 64 bytes of output and a 32-byte key are within every bound: unreachable.
            throw .invalidInput("content key derivation: \(error)")
        }
    }

    /// The all-zero nonce: each content key encrypts one content.
    package static func zeroNonce() throws(EnvelopeError) -> ChaCha20Poly1305.Nonce {
        do { return try ChaCha20Poly1305.Nonce(rawRepresentation: [UInt8](repeating: 0, count: ChaCha20Poly1305.nonceByteCount)) } catch {
            throw .invalidInput("nonce: \(error)")  // 12 bytes: unreachable
        }
    }

    /// Checks the commitment, decrypts and unpads `c` with the key an inner message carried.
    /// - Throws: ``EnvelopeError/authenticationFailed`` for a wrong key (commitment or tag);
    ///   ``EnvelopeError/invalidPadding(_:)``.
    static func open(_ content: [UInt8], envelopeID: EnvelopeID, contentKey: SecretBytes) throws(EnvelopeError) -> [UInt8] {
        let commitmentCount = SealedEnvelope.commitmentByteCount
        guard content.count >= commitmentCount + ChaCha20Poly1305.tagByteCount else { throw .authenticationFailed }
        let (key, commitment) = try derive(contentKey, envelopeID: envelopeID)
        guard SecretBytes(copying: commitment).constantTimeEquals(Array(content[..<commitmentCount])) else { throw .authenticationFailed }
        guard let padded = try? ChaCha20Poly1305.open(Array(content[commitmentCount...]), using: key, nonce: try zeroNonce(), authenticating: associatedData(envelopeID)) else {
            throw .authenticationFailed
        }
        let plaintext: [UInt8]
        do { plaintext = try EnvelopePadding.unpad(padded, field: "content padding") } catch { throw .invalidPadding("content") }
        guard padded.count == EnvelopePadding.contentBucket(forPaddedLength: plaintext.count + 1) else { throw .invalidPadding("content") }
        return plaintext
    }
}

/// The plaintext every recipient's inner ratchet message carries (`Spec/envelope.md`, "Content
/// key message"), 81 bytes:
///
/// `u8 version = 0x01 ‖ envelope id (16) ‖ K (32) ‖ SHA-256(c) (32)`
///
/// The ratchet authenticates it as the sender's, so the sender vouches for the envelope id and
/// for the one content every recipient device gets; it gives each recipient forward secrecy and
/// post-compromise security for K.
struct ContentKeyMessage {
    static let version: UInt8 = 1
    static let byteCount = 1 + EnvelopeID.byteCount + 32 + 32

    let envelopeID: EnvelopeID
    let contentKey: SecretBytes
    let contentHash: [UInt8]

    /// The 81 bytes, in an array the caller wipes after use.
    static func plaintext(for prepared: PreparedContent) -> [UInt8] {
        var writer = ByteWriter(capacity: byteCount)
        writer.u8(version)
        writer.raw(prepared.envelopeID.rawRepresentation)
        prepared.contentKey.withUnsafeBytes { writer.raw($0) }
        writer.raw(prepared.contentHash)
        return writer.takeBytes()
    }

    init(plaintext bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "content key message")
        try reader.version(Self.version)
        envelopeID = try EnvelopeID(rawRepresentation: try reader.raw(EnvelopeID.byteCount))
        var key = try reader.raw(32)
        contentKey = SecretBytes(wiping: &key)
        contentHash = try reader.raw(32)
        try reader.finish()
    }
}
