/// A vector file that does not follow the format of `Spec/vectors.md`.
///
/// These are problems with the file, not with the implementation under test: a verifier reports
/// them as a failed file, never as passed tests.
public enum VectorFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file is not JSON, or not an object at the top.
    case notJSON(String)
    /// The `schema` field names a format this verifier does not read.
    case unsupportedSchema(String)
    /// A required field is missing or has the wrong type.
    case missingField(String, location: String, expected: String)
    /// A byte-string field is not valid hex.
    case invalidHex(String, location: String, reason: String)
    /// A field has a value outside its allowed set.
    case invalidValue(String, location: String, reason: String)
    /// `numberOfTests` does not match the tests in the file.
    case wrongTestCount(declared: Int, actual: Int)
    /// Two tests share a `tcId`.
    case duplicateTestID(Int)
    /// A group's `type` is not one this verifier knows.
    case unknownGroupType(String, location: String)
    /// A flag is used without an entry in `notes`.
    case undocumentedFlag(String, location: String)

    /// A sentence naming the problem and where it is.
    public var description: String {
        switch self {
        case .notJSON(let reason): "not a JSON object: \(reason)"
        case .unsupportedSchema(let schema): "unsupported schema \"\(schema)\" (this verifier reads \(VectorFile.schema))"
        case .missingField(let name, let location, let expected): "\(location): field \"\(name)\" must be \(expected)"
        case .invalidHex(let name, let location, let reason): "\(location): field \"\(name)\": \(reason)"
        case .invalidValue(let name, let location, let reason): "\(location): field \"\(name)\": \(reason)"
        case .wrongTestCount(let declared, let actual): "numberOfTests says \(declared), the file has \(actual)"
        case .duplicateTestID(let id): "tcId \(id) is used more than once"
        case .unknownGroupType(let type, let location): "\(location): unknown group type \"\(type)\""
        case .undocumentedFlag(let flag, let location): "\(location): flag \"\(flag)\" has no entry in notes"
        }
    }
}
