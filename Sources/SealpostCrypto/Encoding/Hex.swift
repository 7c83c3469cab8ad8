/// Lowercase hexadecimal, as used in vector files, the spec and key fingerprints.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case). An odd length or a non-hex character is an error.
    public static func decode(_ string: String) throws(HexError) -> [UInt8] {
        let utf8 = Array(string.utf8)
        guard utf8.count.isMultiple(of: 2) else { throw .oddLength(utf8.count) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(of: utf8[index]) else { throw .invalidCharacter(offset: index) }
            guard let low = value(of: utf8[index + 1]) else { throw .invalidCharacter(offset: index + 1) }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a hex string did not decode.
public enum HexError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The string has an odd number of characters.
    case oddLength(Int)
    /// The character at `offset` is not a hex digit.
    case invalidCharacter(offset: Int)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .oddLength(let count): "hex string has an odd length (\(count) characters)"
        case .invalidCharacter(let offset): "hex string has a non-hex character at offset \(offset)"
        }
    }
}
