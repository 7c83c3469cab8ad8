/// Argon2id (RFC 9106, version 0x13) password-based key derivation, through libsodium's
/// `crypto_pwhash` with `crypto_pwhash_ALG_ARGON2ID13`.
///
/// libsodium fixes the parallelism at 1 lane and takes no secret or associated data; the two
/// costs, iterations (`t`, libsodium's "opslimit") and memory (`m`, in bytes, libsodium's
/// "memlimit"), are the ``Parameters``.
public enum Argon2id {
    /// Bytes in a salt.
    public static let saltByteCount = 16
    /// The shortest output libsodium produces.
    public static let minimumOutputByteCount = 16
    /// The longest output Sealpost asks for: far above any key, and a bound on allocation.
    public static let maximumOutputByteCount = 1024

    /// Argon2id cost parameters.
    ///
    /// Bounded so that a stored or received parameter set can never demand unbounded work:
    /// iterations from 1 to ``maximumIterations``, memory from 8 KiB to ``maximumMemoryBytes``.
    public struct Parameters: Sendable, Hashable, CustomStringConvertible {
        /// Passes over memory (`t`).
        public let iterations: Int
        /// Memory in bytes (`m` × 1024); a multiple of 1 KiB.
        public let memoryBytes: Int

        /// The most iterations accepted: 16 passes over a large memory already takes many
        /// seconds on a phone; no named profile needs more.
        public static let maximumIterations = 16
        /// The least memory libsodium accepts for Argon2id.
        public static let minimumMemoryBytes = 8 * 1024
        /// The most memory accepted: 1 GiB, libsodium's `SENSITIVE` level. Parameters can come from
        /// a file an attacker edited; on systems that overcommit memory (Linux) or kill apps over
        /// a memory limit (iOS), a larger request would end the process rather than fail, so the
        /// bound, not ``CryptoError/Code/resourceExhausted``, is the real protection.
        public static let maximumMemoryBytes = 1024 * 1024 * 1024

        /// libsodium's `INTERACTIVE` level: 2 passes over 64 MiB.
        public static let interactive = Parameters(validatedIterations: 2, memoryBytes: 64 * 1024 * 1024)
        /// libsodium's `MODERATE` level: 3 passes over 256 MiB.
        public static let moderate = Parameters(validatedIterations: 3, memoryBytes: 256 * 1024 * 1024)
        /// libsodium's `SENSITIVE` level: 4 passes over 1 GiB.
        public static let sensitive = Parameters(validatedIterations: 4, memoryBytes: 1024 * 1024 * 1024)

        /// Custom parameters, validated.
        /// - Throws: ``CryptoError/Code/invalidParameters`` if either cost is out of bounds or the
        ///   memory is not a whole number of KiB.
        public init(iterations: Int, memoryBytes: Int) throws {
            guard (1...Self.maximumIterations).contains(iterations) else {
                throw CryptoError(.invalidParameters, subject: "Argon2id", detail: "iterations must be 1 to \(Self.maximumIterations), got \(iterations)")
            }
            guard (Self.minimumMemoryBytes...Self.maximumMemoryBytes).contains(memoryBytes), memoryBytes.isMultiple(of: 1024) else {
                throw CryptoError(
                    .invalidParameters, subject: "Argon2id",
                    detail: "memory must be a multiple of 1024 from \(Self.minimumMemoryBytes) to \(Self.maximumMemoryBytes) bytes, got \(memoryBytes)")
            }
            self.init(validatedIterations: iterations, memoryBytes: memoryBytes)
        }

        package init(validatedIterations iterations: Int, memoryBytes: Int) {
            self.iterations = iterations
            self.memoryBytes = memoryBytes
        }

        /// `Argon2id(t=…, m=… KiB, p=1)`.
        public var description: String { "Argon2id(t=\(iterations), m=\(memoryBytes / 1024) KiB, p=1)" }
    }

    /// Derives `outputByteCount` bytes from `password` and `salt`.
    ///
    /// - Parameters:
    ///   - password: The passphrase bytes (UTF-8 for text), as a secret.
    ///   - salt: 16 random bytes, stored beside the derived key's use.
    ///   - parameters: The costs.
    ///   - outputByteCount: 16 to 1024.
    /// - Throws: ``CryptoError/Code/invalidLength`` for a salt that is not 16 bytes;
    ///   ``CryptoError/Code/invalidParameters`` for an output length out of range;
    ///   ``CryptoError/Code/resourceExhausted`` if the memory cannot be allocated.
    public static func deriveKey(
        password: SecretBytes, salt: [UInt8], parameters: Parameters, outputByteCount: Int
    ) throws -> SecretBytes {
        guard salt.count == saltByteCount else {
            throw CryptoError.invalidLength("Argon2id salt", expected: saltByteCount, got: salt.count)
        }
        guard (minimumOutputByteCount...maximumOutputByteCount).contains(outputByteCount) else {
            throw CryptoError(.invalidParameters, subject: "Argon2id", detail: "output must be \(minimumOutputByteCount) to \(maximumOutputByteCount) bytes, got \(outputByteCount)")
        }
        return try PasswordHashBackend.argon2id(password, salt, parameters.iterations, parameters.memoryBytes, outputByteCount)
    }
}
