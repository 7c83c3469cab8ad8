/// Parses the binary encodings of `Spec/README.md` strictly: every read is bounds-checked, every
/// length prefix is checked against the field's maximum before anything is allocated, and
/// ``finish()`` rejects trailing bytes.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    private var offset: Int
    /// The structure being parsed, for error messages.
    public let structure: String

    /// Reads `bytes` as one `structure`.
    public init(_ bytes: [UInt8], structure: String) {
        self.bytes = bytes
        self.offset = 0
        self.structure = structure
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// The next `count` bytes.
    public mutating func raw(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw .truncated(structure: structure, needed: count, remaining: remaining)
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// `u8`.
    public mutating func u8() throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(structure: structure, needed: 1, remaining: remaining) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// `u16`, big-endian.
    public mutating func u16() throws(WireError) -> UInt16 {
        UInt16(try integer(2))
    }

    /// `u32`, big-endian.
    public mutating func u32() throws(WireError) -> UInt32 {
        UInt32(try integer(4))
    }

    /// `u64`, big-endian.
    public mutating func u64() throws(WireError) -> UInt64 {
        try integer(8)
    }

    private mutating func integer(_ width: Int) throws(WireError) -> UInt64 {
        guard remaining >= width else { throw .truncated(structure: structure, needed: width, remaining: remaining) }
        var value: UInt64 = 0
        for index in offset..<(offset + width) { value = value << 8 | UInt64(bytes[index]) }
        offset += width
        return value
    }

    /// `lp8` field of at most `maximum` bytes.
    public mutating func lp8(_ field: String, maximum: Int) throws(WireError) -> [UInt8] {
        let length = Int(try u8())
        guard length <= maximum else { throw .lengthOutOfBounds(field: field, maximum: maximum, got: length) }
        return try raw(length)
    }

    /// `lp16` field of at most `maximum` bytes.
    public mutating func lp16(_ field: String, maximum: Int) throws(WireError) -> [UInt8] {
        let length = Int(try u16())
        guard length <= maximum else { throw .lengthOutOfBounds(field: field, maximum: maximum, got: length) }
        return try raw(length)
    }

    /// `lp32` field of at most `maximum` bytes.
    public mutating func lp32(_ field: String, maximum: Int) throws(WireError) -> [UInt8] {
        let length = Int(try u32())
        guard length <= maximum else { throw .lengthOutOfBounds(field: field, maximum: maximum, got: length) }
        return try raw(length)
    }

    /// A flag byte: 0 or 1, anything else refused.
    public mutating func flag(_ field: String) throws(WireError) -> Bool {
        switch try u8() {
        case 0: false
        case 1: true
        case let other: throw .invalidValue(field: field, reason: "flag byte \(other), not 0 or 1")
        }
    }

    /// Reads the version byte and checks it is `expected`.
    public mutating func version(_ expected: UInt8) throws(WireError) {
        let version = try u8()
        guard version == expected else { throw .unsupportedVersion(structure: structure, version: version) }
    }

    /// Fails if any byte is left.
    public func finish() throws(WireError) {
        guard remaining == 0 else { throw .trailingBytes(structure: structure, count: remaining) }
    }
}
