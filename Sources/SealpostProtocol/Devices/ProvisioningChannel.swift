import SealpostCrypto
import SealpostWire

/// The end-to-end channel between a new device and an existing device of the account while they
/// link (`Spec/devices.md`, "Provisioning"), over three write-once slots at the relay:
///
/// 1. existing → relay: `u8 version = 0x01 ‖ its ephemeral X25519 public key (32)`;
/// 2. new → existing: the new device's request (its device public key), sealed;
/// 3. existing → new: the link package (account key, certificate, device list, contacts…), sealed.
///
/// Key schedule, with `dh = X25519(own ephemeral, other's ephemeral)`:
/// ```
/// th  = SHA-256("sealpost/provisioning/v1/transcript" ‖ code bytes ‖ existing device's key)
/// okm = HKDF-SHA256(salt = code secret, ikm = dh, info = "sealpost/provisioning/v1/keys" ‖ th, L = 68)
/// request key = okm[0 ..< 32], package key = okm[32 ..< 64],
/// SAS = u32be(okm[64 ..< 68]) mod 1 000 000, six digits
/// ```
/// Slots 2 and 3 are ChaCha20-Poly1305 under their key with the zero nonce (each key seals one
/// message) and `th` as associated data. The secret comes from the code, which the existing
/// device read from the new one's screen; the relay never sees it, so it cannot choose an
/// ephemeral key whose SAS matches (`Spec/devices.md` says what the comparison then guards against).
public struct ProvisioningChannel: Sendable {
    /// The short authentication string both devices show: six digits, `123 456`.
    public let shortAuthenticationString: String
    /// The transcript hash both sides bound the channel to.
    public let transcriptHash: [UInt8]
    let requestKey: AEADKey
    let packageKey: AEADKey

    package static let transcriptLabel = Array("sealpost/provisioning/v1/transcript".utf8)
    package static let keysLabel = Array("sealpost/provisioning/v1/keys".utf8)
    static let requestVersion: UInt8 = 1
    static let zeroNonce = try! ChaCha20Poly1305.Nonce(rawRepresentation: [UInt8](repeating: 0, count: ChaCha20Poly1305.nonceByteCount))
    /// The largest link package this build seals or opens (the relay's slot bound, less the tag).
    public static let maximumPackageBytes = (4 << 20) - ChaCha20Poly1305.tagByteCount

    init(code: ProvisioningCode, existingKey: X25519.PublicKey, sharedSecret: SharedSecret) throws(ProvisioningError) {
        let transcript = SHA256.hash(Self.transcriptLabel + code.bytes + existingKey.rawRepresentation)
        do {
            let prk = HKDFSHA256.extract(salt: code.secret, inputKeyMaterial: sharedSecret.secretBytes)
            let okm = try HKDFSHA256.expand(pseudoRandomKey: prk, info: Self.keysLabel + transcript, outputByteCount: 68)
            requestKey = try AEADKey(okm.slice(0..<32))
            packageKey = try AEADKey(okm.slice(32..<64))
            let number = okm.slice(64..<68).withUnsafeBytes { $0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } } % 1_000_000
            let digits = String(number)
            let padded = String(repeating: "0", count: 6 - digits.count) + digits
            shortAuthenticationString = String(padded.prefix(3)) + " " + String(padded.suffix(3))
        } catch {
            throw .malformed("the key schedule failed")
        }
        transcriptHash = transcript
    }

    // MARK: The existing device's side

    /// The existing device, having read `code`: its first message (slot 1) and the channel.
    /// - Parameter ephemeral: A fresh key; tests and vectors pass their own.
    public static func answer(_ code: ProvisioningCode, ephemeral: X25519.PrivateKey = .generate()) throws(ProvisioningError) -> (message: [UInt8], channel: ProvisioningChannel) {
        let shared: SharedSecret
        do { shared = try ephemeral.sharedSecret(with: code.publicKey) } catch { throw .malformed("the code's key is a low-order point") }
        let channel = try ProvisioningChannel(code: code, existingKey: ephemeral.publicKey, sharedSecret: shared)
        return ([Self.requestVersion] + ephemeral.publicKey.rawRepresentation, channel)
    }

    /// The new device's request (slot 2): its device public key.
    /// - Throws: ``ProvisioningError/authenticationFailed`` for a message not sealed under this
    ///   channel; ``ProvisioningError/malformed(_:)`` for one that does not parse.
    public func openRequest(_ sealed: [UInt8]) throws(ProvisioningError) -> Ed25519.PublicKey {
        let plain: [UInt8]
        do { plain = try ChaCha20Poly1305.open(sealed, using: requestKey, nonce: Self.zeroNonce, authenticating: transcriptHash) } catch {
            throw .authenticationFailed
        }
        do {
            var reader = ByteReader(plain, structure: "provisioning request")
            try reader.version(Self.requestVersion)
            let key = try Ed25519.PublicKey(rawRepresentation: try reader.raw(32))
            try reader.finish()
            return key
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// Seals the link package (slot 3) for the new device.
    /// - Throws: ``ProvisioningError/malformed(_:)`` for a package over ``maximumPackageBytes``.
    public func sealPackage(_ package: SecretBytes) throws(ProvisioningError) -> [UInt8] {
        guard package.count <= Self.maximumPackageBytes else { throw .malformed("the link package is over 4 MiB") }
        return ChaCha20Poly1305.seal(secret: package, using: packageKey, nonce: Self.zeroNonce, authenticating: transcriptHash)
    }

    // MARK: The new device's side

    /// The new device, on reading the existing device's first message (slot 1) with the
    /// ephemeral key whose public half is in `code`.
    /// - Throws: ``ProvisioningError/malformed(_:)`` for a message that does not parse or a
    ///   low-order key.
    public static func accept(_ message: [UInt8], code: ProvisioningCode, ephemeral: X25519.PrivateKey) throws(ProvisioningError) -> ProvisioningChannel {
        do {
            var reader = ByteReader(message, structure: "provisioning answer")
            try reader.version(Self.requestVersion)
            let key = try X25519.PublicKey(rawRepresentation: try reader.raw(32))
            try reader.finish()
            let shared = try ephemeral.sharedSecret(with: key)
            return try ProvisioningChannel(code: code, existingKey: key, sharedSecret: shared)
        } catch let error as ProvisioningError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// Seals the new device's request (slot 2): its device public key.
    public func sealRequest(deviceKey: Ed25519.PublicKey) -> [UInt8] {
        ChaCha20Poly1305.seal([Self.requestVersion] + deviceKey.rawRepresentation, using: requestKey, nonce: Self.zeroNonce, authenticating: transcriptHash)
    }

    /// Opens the link package (slot 3).
    /// - Throws: ``ProvisioningError/authenticationFailed`` for a package not sealed under
    ///   this channel.
    public func openPackage(_ sealed: [UInt8]) throws(ProvisioningError) -> SecretBytes {
        guard sealed.count <= Self.maximumPackageBytes + ChaCha20Poly1305.tagByteCount else { throw .malformed("the link package is over 4 MiB") }
        do { return try ChaCha20Poly1305.openSecret(sealed, using: packageKey, nonce: Self.zeroNonce, authenticating: transcriptHash) } catch {
            throw .authenticationFailed
        }
    }
}
