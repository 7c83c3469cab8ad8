import SealpostCrypto

/// One Wycheproof test case, read from its file in place.
struct WycheproofCase {
    /// Wycheproof's verdict for the case.
    enum Verdict: String {
        case valid, invalid, acceptable
    }

    let id: Int
    let verdict: Verdict
    let flags: Set<String>
    let fields: JSONFields
    let group: JSONFields

    /// What Sealpost must do with the case: succeed with the listed output, or fail with `code`.
    enum Expectation {
        case accept
        case reject(CryptoError.Code)
    }

    /// Runs `operation` and compares what happened with `expectation`.
    ///
    /// `operation` throws ``CheckFailure`` when an output differs from the file's, and
    /// `CryptoError` when the implementation rejects the input.
    func expect(_ expectation: Expectation, _ operation: () throws -> Void) -> CheckOutcome {
        do {
            try operation()
            switch expectation {
            case .accept: return .passed
            case .reject(let code): return .failed("\(verdict.rawValue) case accepted, but Sealpost must reject it with \(code.rawValue)")
            }
        } catch let failure as CheckFailure {
            return .failed(failure.reason)
        } catch let failure as VectorFormatError {
            return .failed("malformed test: \(failure)")
        } catch {
            let code = errorCode(error)
            switch expectation {
            case .accept: return .failed("\(verdict.rawValue) case rejected with \(code) (\(error))")
            case .reject(let expected):
                return code == expected.rawValue ? .passed : .failed("rejected with \(code), expected \(expected.rawValue)")
            }
        }
    }
}
