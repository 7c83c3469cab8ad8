/// Why bytes from the network or from storage were rejected.
///
/// Structural problems each have their own case and say what was expected. A signature that does
/// not verify is the single case ``authenticationFailed``; checks made after a signature verified
/// (ages, list membership, rollback) have their own cases again. No case carries secret bytes.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended inside `structure`.
    case truncated(structure: String, needed: Int, remaining: Int)
    /// Bytes were left after the last field of `structure`.
    case trailingBytes(structure: String, count: Int)
    /// The version byte names a format this build does not read.
    case unsupportedVersion(structure: String, version: UInt8)
    /// A length prefix exceeds the field's bound.
    case lengthOutOfBounds(field: String, maximum: Int, got: Int)
    /// A count of items exceeds its bound.
    case countOutOfBounds(field: String, maximum: Int, got: Int)
    /// A type byte is not one this field allows.
    case unknownType(field: String, type: UInt8)
    /// A field's value is not allowed (a zero id, a flag byte other than 0 or 1, duplicates).
    case invalidValue(field: String, reason: String)
    /// A signature did not verify. Deliberately says no more.
    case authenticationFailed

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .truncated: "truncated"
        case .trailingBytes: "trailingBytes"
        case .unsupportedVersion: "unsupportedVersion"
        case .lengthOutOfBounds: "lengthOutOfBounds"
        case .countOutOfBounds: "countOutOfBounds"
        case .unknownType: "unknownType"
        case .invalidValue: "invalidValue"
        case .authenticationFailed: "authenticationFailed"
        }
    }

    /// A sentence naming the problem; never secret bytes.
    public var description: String {
        switch self {
        case .truncated(let structure, let needed, let remaining):
            "\(structure) is truncated: needed \(needed) more bytes, \(remaining) left"
        case .trailingBytes(let structure, let count): "\(structure) has \(count) trailing bytes"
        case .unsupportedVersion(let structure, let version): "\(structure) version \(version) is not supported"
        case .lengthOutOfBounds(let field, let maximum, let got): "\(field) is \(got) bytes, at most \(maximum) allowed"
        case .countOutOfBounds(let field, let maximum, let got): "\(field) has \(got) items, at most \(maximum) allowed"
        case .unknownType(let field, let type): "\(field) has unknown type byte 0x\(String(type, radix: 16))"
        case .invalidValue(let field, let reason): "\(field): \(reason)"
        case .authenticationFailed: "authentication failed"
        }
    }
}
