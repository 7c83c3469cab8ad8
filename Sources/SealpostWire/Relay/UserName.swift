/// A user name in the relay's directory (`Spec/relay.md`, "User names"): 3 to 32 characters of
/// `a`–`z`, `0`–`9`, `.`, `_` and `-`, starting with a letter. Upper-case ASCII letters are folded
/// to lower case; nothing else is accepted, so no two names look alike through Unicode.
///
/// `PUT /v1/username` carries `u8 version = 0x01 ‖ lp8(name)`.
public struct UserName: Sendable, Hashable, CustomStringConvertible {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1

    /// The normalized name.
    public let value: String

    /// Normalizes and checks `text`.
    /// - Throws: ``WireError/invalidValue(field:reason:)``.
    public init(_ text: String) throws(WireError) {
        let lowered = String(text.unicodeScalars.map { scalar -> Character in
            ("A"..."Z").contains(scalar) ? Character(Unicode.Scalar(scalar.value + 32)!) : Character(scalar)
        })
        let allowed = lowered.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) }
        guard (3...32).contains(lowered.unicodeScalars.count), allowed, let first = lowered.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw .invalidValue(field: "user name", reason: "3 to 32 of a-z 0-9 . _ -, starting with a letter")
        }
        value = lowered
    }

    /// The name.
    public var description: String { value }

    /// The request body.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.lp8(Array(value.utf8))
        return writer.bytes
    }

    /// Parses strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "user name")
        try reader.version(Self.version)
        let raw = try reader.lp8("user name", maximum: 32)
        try reader.finish()
        guard let text = String(validating: raw, as: UTF8.self) else { throw .invalidValue(field: "user name", reason: "not UTF-8") }
        try self.init(text)
        guard value == text else { throw .invalidValue(field: "user name", reason: "not normalized") }
    }
}
