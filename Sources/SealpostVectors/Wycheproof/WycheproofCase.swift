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
        switch expectation {
        case .accept: evaluate(operation, rejectWith: nil, verdict: verdict.rawValue)
        case .reject(let code): evaluate(operation, rejectWith: code.rawValue, verdict: verdict.rawValue)
        }
    }
}
