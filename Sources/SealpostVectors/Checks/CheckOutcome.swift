import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// Why a test case failed: the implementation's answer differed from the vector's.
public struct CheckFailure: Error, Sendable, CustomStringConvertible {
    /// What differed.
    public let reason: String

    /// A failure with its reason.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}

/// The outcome of one test case.
public enum CheckOutcome: Sendable, Equatable {
    /// The implementation did what the vector says.
    case passed
    /// It did not; the reason says how.
    case failed(String)
    /// The case was not run; the reason says why (Wycheproof groups outside Sealpost's scope).
    case skipped(String)
}

/// Runs `operation` and judges it against the test's result.
///
/// `operation` throws ``CheckFailure`` when an output differs from the vector, and
/// `CryptoError` (or another layer's coded error) when the implementation rejects the input.
/// A valid test must not throw; an invalid one must throw an error whose code is the test's
/// `error`.
func judge(_ test: VectorTest, _ operation: () throws -> Void) -> CheckOutcome {
    evaluate(operation, rejectWith: test.result == .valid ? nil : test.expectedError ?? "an error")
}

/// Runs `operation`: with `code` nil it must succeed; otherwise it must fail with that code.
func evaluate(_ operation: () throws -> Void, rejectWith code: String?, verdict: String = "") -> CheckOutcome {
    let label = verdict.isEmpty ? "" : "\(verdict) case "
    do {
        try operation()
        guard let code else { return .passed }
        return .failed("\(label)accepted, but must be rejected with \(code)")
    } catch let failure as CheckFailure {
        return .failed(failure.reason)
    } catch let failure as VectorFormatError {
        return .failed("malformed test: \(failure)")
    } catch {
        let got = errorCode(error)
        guard let code else { return .failed("\(label)rejected with \(got) (\(error)), but is valid") }
        return got == code ? .passed : .failed("rejected with \(got), expected \(code)")
    }
}

/// The machine-readable code of an error, as vector files name it.
func errorCode(_ error: any Error) -> String {
    switch error {
    case let error as CryptoError: error.code.rawValue
    case let error as WireError: error.code
    case let error as HandshakeError: error.code
    case let error as SessionError: error.code
    case let error as DecryptionErrorRejection: error.code
    case let error as EnvelopeError: error.code
    case let error as OperatorTrustError: error.code
    case let error as VaultError: error.code
    case let error as RecoveryKeyError: error.code
    case let error as ProvisioningError: error.code
    case let error as BackupError: error.code
    case is SafetyNumberMismatch: "mismatch"
    case SafetyNumberError.malformed as SafetyNumberError: "malformed"
    case SafetyNumberError.unsupportedVersion as SafetyNumberError: "unsupportedVersion"
    default: String(describing: type(of: error))
    }
}

/// Fails unless two byte strings are equal; names the field and both values (public test data).
func expectEqual(_ actual: [UInt8], _ expected: [UInt8], _ field: String) throws(CheckFailure) {
    guard actual == expected else {
        throw CheckFailure("\(field): got \(Hex.encode(actual)), expected \(Hex.encode(expected))")
    }
}

/// Fails unless a secret equals the expected bytes (compared in constant time, printed only on
/// failure, and only because vector values are public test data).
func expectEqual(_ actual: SecretBytes, _ expected: [UInt8], _ field: String) throws(CheckFailure) {
    guard actual.constantTimeEquals(expected) else {
        let got = actual.withUnsafeBytes { Hex.encode($0) }
        throw CheckFailure("\(field): got \(got), expected \(Hex.encode(expected))")
    }
}
