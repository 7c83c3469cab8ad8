/// An error from a Sealpost primitive.
///
/// Structural problems (a length, a parameter) each have their own ``Code`` and say what was
/// expected and what was given. Every cryptographic failure — a bad AEAD tag, a bad signature, a
/// wrong MAC — is the single code ``Code/authenticationFailed``, which deliberately does not say
/// why. No error ever carries key bytes or other secret material.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is: stable, machine-readable, and the value vector files name.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        /// An input had the wrong length (a key, a nonce, a signature, a ciphertext, a salt).
        case invalidLength
        /// Authentication failed: a tag, signature or MAC did not verify. Intentionally says no more.
        case authenticationFailed
        /// An X25519 agreement produced the all-zero output: the peer's key is a low-order point,
        /// so the result would not depend on our private key.
        case lowOrderPoint
        /// A public key is not a valid encoding (an Ed25519 point that does not decode, or an
        /// ML-KEM key whose coefficients are out of range).
        case invalidPublicKey
        /// More output was asked of a KDF than it can produce (HKDF-SHA-256: 8 160 bytes).
        case outputTooLong
        /// A parameter is out of its allowed range (Argon2id limits, output lengths).
        case invalidParameters
        /// The operation could not get the memory it needs (Argon2id).
        case resourceExhausted
    }

    /// The kind of failure.
    public let code: Code
    /// What was being checked, for the message. Never secret.
    let subject: String
    /// Expected and given values for structural failures. Never secret.
    let detail: String

    init(_ code: Code, subject: String = "", detail: String = "") {
        self.code = code
        self.subject = subject
        self.detail = detail
    }

    /// Authentication failed; no reason is given, by design.
    public static let authenticationFailed = CryptoError(.authenticationFailed)

    static func invalidLength(_ subject: String, expected: Int, got: Int) -> CryptoError {
        CryptoError(.invalidLength, subject: subject, detail: "expected \(expected) bytes, got \(got)")
    }

    static func invalidLength(_ subject: String, expected: ClosedRange<Int>, got: Int) -> CryptoError {
        CryptoError(
            .invalidLength, subject: subject,
            detail: "expected \(expected.lowerBound) to \(expected.upperBound) bytes, got \(got)")
    }

    /// A sentence a person can act on.
    public var description: String {
        switch code {
        case .invalidLength: "invalid length for \(subject): \(detail)"
        case .authenticationFailed: "authentication failed"
        case .lowOrderPoint: "X25519 peer public key is a low-order point (all-zero shared secret)"
        case .invalidPublicKey: "\(subject) is not a valid public key encoding"
        case .outputTooLong: "\(subject) output too long: \(detail)"
        case .invalidParameters: "invalid parameters for \(subject): \(detail)"
        case .resourceExhausted: "\(subject) could not allocate the memory it needs: \(detail)"
        }
    }

    /// Errors compare by code only, so `error == .authenticationFailed` reads naturally.
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
