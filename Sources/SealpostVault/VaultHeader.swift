import SealpostCrypto
import SealpostWire

/// The vault file's header (`Spec/vault.md`, "Header"), 98 bytes:
///
/// ```
/// u8 version = 0x01 ‖ u8 kdf = 0x01 (Argon2id v1.3, one lane)
/// ‖ u32 iterations ‖ u32 memory KiB ‖ salt (16)
/// ‖ nonce (24) ‖ wrapped data key (32 + 16)
/// ```
/// The data key is wrapped with XChaCha20-Poly1305 under the master key
/// `Argon2id(passphrase, salt, iterations, memory, 32)`, with associated data
/// `"sealpost/vault-header/v1" ‖ header[0 ..< 26]`: every field before the nonce is authenticated,
/// so altering the costs or the salt fails exactly as a wrong passphrase does.
package struct VaultHeader: Equatable {
    static let version: UInt8 = 1
    static let kdfArgon2id: UInt8 = 1
    static let byteCount = 98
    static let label = Array("sealpost/vault-header/v1".utf8)

    let parameters: VaultParameters
    let salt: [UInt8]
    let nonce: XChaCha20Poly1305.Nonce
    let wrappedKey: [UInt8]

    /// The authenticated prefix: version, kdf, costs, salt.
    static func prefix(_ parameters: VaultParameters, salt: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(capacity: 26)
        writer.u8(version)
        writer.u8(kdfArgon2id)
        writer.u32(UInt32(parameters.argon2.iterations))
        writer.u32(UInt32(parameters.argon2.memoryBytes / 1024))
        writer.raw(salt)
        return writer.bytes
    }

    var associatedData: [UInt8] { Self.label + Self.prefix(parameters, salt: salt) }

    /// Wraps `dataKey` under `passphrase` with fresh salt and nonce.
    static func wrap(_ dataKey: SecretBytes, passphrase: SecretBytes, parameters: VaultParameters) throws(VaultError) -> VaultHeader {
        try wrap(dataKey, passphrase: passphrase, parameters: parameters, salt: SecureRandom.bytes(count: Argon2id.saltByteCount), nonce: .random())
    }

    /// With a given salt and nonce: for vectors (`package` access).
    package static func wrap(
        _ dataKey: SecretBytes, passphrase: SecretBytes, parameters: VaultParameters, salt: [UInt8], nonce: XChaCha20Poly1305.Nonce
    ) throws(VaultError) -> VaultHeader {
        let master = try masterKey(passphrase, salt: salt, parameters: parameters)
        let ad = label + prefix(parameters, salt: salt)
        return VaultHeader(parameters: parameters, salt: salt, nonce: nonce, wrappedKey: XChaCha20Poly1305.seal(secret: dataKey, using: master, nonce: nonce, authenticating: ad))
    }

    package static func masterKey(_ passphrase: SecretBytes, salt: [UInt8], parameters: VaultParameters) throws(VaultError) -> AEADKey {
        do {
            return try AEADKey(try Argon2id.deriveKey(password: passphrase, salt: salt, parameters: parameters.argon2, outputByteCount: 32))
        } catch {
            throw .storage("key derivation failed: \(error)")  // memory could not be allocated
        }
    }

    /// Unwraps the data key: the key check. A wrong passphrase and an altered header both fail here.
    package func unwrap(passphrase: SecretBytes) throws(VaultError) -> SecretBytes {
        let master = try Self.masterKey(passphrase, salt: salt, parameters: parameters)
        do { return try XChaCha20Poly1305.openSecret(wrappedKey, using: master, nonce: nonce, authenticating: associatedData) } catch {
            throw .authenticationFailed
        }
    }

    package func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        writer.raw(Self.prefix(parameters, salt: salt))
        writer.raw(nonce.rawRepresentation)
        writer.raw(wrappedKey)
        return writer.bytes
    }

    /// Parses strictly, bounding the costs before anything is derived.
    package init(serialized bytes: [UInt8]) throws(VaultError) {
        do {
            var reader = ByteReader(bytes, structure: "vault header")
            try reader.version(Self.version)
            let kdf = try reader.u8()
            guard kdf == Self.kdfArgon2id else { throw VaultError.unsupportedParameters("key-derivation function \(kdf)") }
            let iterations = Int(try reader.u32())
            let memoryKiB = Int(try reader.u32())
            guard (1...VaultParameters.maximumIterations).contains(iterations),
                (Argon2id.Parameters.minimumMemoryBytes / 1024...VaultParameters.maximumMemoryBytes / 1024).contains(memoryKiB)
            else { throw VaultError.unsupportedParameters("Argon2id t and m out of the allowed range") }
            parameters = VaultParameters(argon2: Argon2id.Parameters(validatedIterations: iterations, memoryBytes: memoryKiB * 1024))
            salt = try reader.raw(Argon2id.saltByteCount)
            nonce = try XChaCha20Poly1305.Nonce(rawRepresentation: try reader.raw(XChaCha20Poly1305.nonceByteCount))
            wrappedKey = try reader.raw(32 + XChaCha20Poly1305.tagByteCount)
            try reader.finish()
        } catch let error as VaultError {
            throw error
        } catch {
            throw .malformedHeader("\(error)")
        }
    }

    private init(parameters: VaultParameters, salt: [UInt8], nonce: XChaCha20Poly1305.Nonce, wrappedKey: [UInt8]) {
        self.parameters = parameters
        self.salt = salt
        self.nonce = nonce
        self.wrappedKey = wrappedKey
    }
}
