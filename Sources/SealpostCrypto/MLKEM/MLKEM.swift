/// The two ML-KEM (FIPS 203) parameter sets Sealpost uses.
///
/// The post-quantum KEM is the one primitive libsodium 1.0.18 lacks; it comes from apple/swift-crypto
/// (BoringSSL's implementation). Sealpost's handshake uses ML-KEM-1024, as Signal's PQXDH does;
/// ML-KEM-768 is offered for completeness and measured beside it.
public enum MLKEMParameterSet: String, Sendable, Hashable, CaseIterable {
    /// ML-KEM-768 (NIST security category 3).
    case mlkem768 = "ML-KEM-768"
    /// ML-KEM-1024 (NIST security category 5).
    case mlkem1024 = "ML-KEM-1024"

    /// Bytes in the private-key seed `d ‖ z` (FIPS 203 §7.1).
    public var seedByteCount: Int { 64 }
    /// Bytes in an encapsulation (public) key.
    public var publicKeyByteCount: Int { self == .mlkem768 ? 1184 : 1568 }
    /// Bytes in a ciphertext.
    public var ciphertextByteCount: Int { self == .mlkem768 ? 1088 : 1568 }
    /// Bytes in a shared secret.
    public var sharedSecretByteCount: Int { 32 }
}

/// A parameter set as a type, so that a 768 key can never be used where a 1024 key is expected.
public protocol MLKEMVariant: Sendable {
    /// The parameter set this type stands for.
    static var parameterSet: MLKEMParameterSet { get }
}

/// ML-KEM-768: `MLKEM768.PrivateKey`, `MLKEM768.PublicKey`.
public enum MLKEM768: MLKEMVariant {
    /// ``MLKEMParameterSet/mlkem768``.
    public static var parameterSet: MLKEMParameterSet { .mlkem768 }
    /// An ML-KEM-768 private key.
    public typealias PrivateKey = MLKEMPrivateKey<MLKEM768>
    /// An ML-KEM-768 public (encapsulation) key.
    public typealias PublicKey = MLKEMPublicKey<MLKEM768>
}

/// ML-KEM-1024: `MLKEM1024.PrivateKey`, `MLKEM1024.PublicKey`.
public enum MLKEM1024: MLKEMVariant {
    /// ``MLKEMParameterSet/mlkem1024``.
    public static var parameterSet: MLKEMParameterSet { .mlkem1024 }
    /// An ML-KEM-1024 private key.
    public typealias PrivateKey = MLKEMPrivateKey<MLKEM1024>
    /// An ML-KEM-1024 public (encapsulation) key.
    public typealias PublicKey = MLKEMPublicKey<MLKEM1024>
}

/// An ML-KEM encapsulation key. Not secret.
///
/// The key is parsed once, when it is created, and the parsed form is kept for encapsulation.
public struct MLKEMPublicKey<Variant: MLKEMVariant>: Sendable, Hashable {
    /// The FIPS 203 encoding of the encapsulation key.
    public let rawRepresentation: [UInt8]
    let parsed: MLKEMBackend.ParsedPublicKey

    /// Parses an encapsulation key.
    /// - Throws: ``CryptoError/Code/invalidLength`` for a wrong length;
    ///   ``CryptoError/Code/invalidPublicKey`` if a coefficient is not reduced modulo q (FIPS 203
    ///   §7.2's modulus check).
    public init(rawRepresentation: [UInt8]) throws {
        let set = Variant.parameterSet
        guard rawRepresentation.count == set.publicKeyByteCount else {
            throw CryptoError.invalidLength("\(set.rawValue) public key", expected: set.publicKeyByteCount, got: rawRepresentation.count)
        }
        self.parsed = try MLKEMBackend.parsePublicKey(rawRepresentation, set)
        self.rawRepresentation = rawRepresentation
    }

    init(derived rawRepresentation: [UInt8], parsed: MLKEMBackend.ParsedPublicKey) {
        self.rawRepresentation = rawRepresentation
        self.parsed = parsed
    }

    /// Keys are equal when their encodings are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawRepresentation == rhs.rawRepresentation }
    /// Hashes the encoding.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawRepresentation) }

    /// Encapsulates a fresh shared secret to this key (randomness drawn inside swift-crypto).
    /// - Returns: The 32-byte shared secret and the ciphertext to send.
    public func encapsulate() -> (sharedSecret: SharedSecret, ciphertext: [UInt8]) {
        let (secret, ciphertext) = MLKEMBackend.encapsulate(parsed)
        return (SharedSecret(bytes: secret), ciphertext)
    }
}

/// An ML-KEM private (decapsulation) key, held as its 64-byte seed `d ‖ z`.
///
/// The seed lives in ``SecretBytes`` (wiped on release). swift-crypto's expanded key object is
/// built only for the moment of a decapsulation; its internal copies are BoringSSL's and cannot be
/// wiped from here — the one documented exception to Sealpost's wiping rule (`Spec/primitives.md`).
public struct MLKEMPrivateKey<Variant: MLKEMVariant>: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let seedBytes: SecretBytes
    /// The matching encapsulation key.
    public let publicKey: MLKEMPublicKey<Variant>

    /// Generates a new key from a random seed.
    public static func generate() -> Self {
        // The seed is drawn from libsodium; FIPS 203 allows any 64 uniformly random bytes.
        Self(validatedSeed: SecretBytes.random(count: Variant.parameterSet.seedByteCount))
    }

    /// Expands a 64-byte seed `d ‖ z` into the key pair.
    /// - Throws: ``CryptoError/Code/invalidLength`` unless `seed` is 64 bytes.
    public init(seed: SecretBytes) throws {
        let set = Variant.parameterSet
        guard seed.count == set.seedByteCount else {
            throw CryptoError.invalidLength("\(set.rawValue) private key seed", expected: set.seedByteCount, got: seed.count)
        }
        self.init(validatedSeed: seed)
    }

    private init(validatedSeed seed: SecretBytes) {
        self.seedBytes = seed
        let (raw, parsed) = MLKEMBackend.publicKey(seed: seed, Variant.parameterSet)
        self.publicKey = MLKEMPublicKey(derived: raw, parsed: parsed)
    }

    /// The 64-byte seed, for storage in an encrypted vault.
    public var seed: SecretBytes { seedBytes }

    /// Decapsulates `ciphertext`.
    ///
    /// A well-formed but tampered ciphertext does not fail here: ML-KEM's implicit rejection
    /// returns a pseudorandom secret, and the failure shows at the first AEAD check that uses it.
    /// - Throws: ``CryptoError/Code/invalidLength`` for a ciphertext of the wrong length.
    public func decapsulate(_ ciphertext: [UInt8]) throws -> SharedSecret {
        let set = Variant.parameterSet
        guard ciphertext.count == set.ciphertextByteCount else {
            throw CryptoError.invalidLength("\(set.rawValue) ciphertext", expected: set.ciphertextByteCount, got: ciphertext.count)
        }
        return SharedSecret(bytes: MLKEMBackend.decapsulate(seed: seedBytes, ciphertext, set))
    }

    /// `MLKEM…PrivateKey(redacted)`.
    public var description: String { "\(Variant.parameterSet.rawValue).PrivateKey(redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror with no children.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
