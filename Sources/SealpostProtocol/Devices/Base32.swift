/// RFC 4648 base32 (A–Z, 2–7) without padding, as recovery keys and provisioning codes write
/// bytes for people and QR codes. Callers holding secrets wipe what they pass and get back.
package enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Why text did not decode.
    package enum Failure: Error {
        /// A character outside the alphabet and the ignored separators.
        case invalidCharacter
        /// Padding bits that are not zero, or a length no byte string has.
        case nonCanonical
    }

    /// The characters for `bytes`, the last one padded with zero bits.
    package static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var letters: [UInt8] = []
        letters.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                letters.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { letters.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return letters
    }

    /// The 5-bit values of `text`: upper or lower case; spaces, tabs, line breaks and hyphens
    /// are skipped.
    package static func values(_ text: [UInt8]) throws(Failure) -> [UInt8] {
        var values: [UInt8] = []
        values.reserveCapacity(text.count)
        for character in text {
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(character - UInt8(ascii: "a"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): values.append(character - UInt8(ascii: "2") + 26)
            case UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: throw .invalidCharacter
            }
        }
        return values
    }

    /// The bytes of 5-bit `values`; the padding bits of the last value must be zero and fewer
    /// than 5 (one text per byte string).
    package static func decode(values: [UInt8]) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 5 / 8)
        var buffer: UInt32 = 0, bits = 0
        for value in values {
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        guard bits < 5, buffer & ((1 << UInt32(bits)) - 1) == 0 else {
            _ = bytes.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
            throw .nonCanonical
        }
        return bytes
    }
}
