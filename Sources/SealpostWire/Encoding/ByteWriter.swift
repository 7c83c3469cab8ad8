/// Builds the binary encodings of `Spec/README.md`: big-endian integers and length prefixes.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer; `capacity` reserves space up front.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// `u8(value)`.
    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    /// `u16(value)`, big-endian.
    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    /// `u32(value)`, big-endian.
    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// `u64(value)`, big-endian.
    public mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Raw bytes of a length the format fixes.
    public mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// Hands over the bytes and empties the writer, so the caller holds the only reference to the
    /// buffer (and can wipe it in place).
    public mutating func takeBytes() -> [UInt8] {
        let out = bytes
        bytes = []
        return out
    }

    /// Raw bytes from a buffer (a secret's), without an intermediate array.
    public mutating func raw(_ value: UnsafeRawBufferPointer) { bytes.append(contentsOf: value) }

    /// `lp8(value)`. - Precondition: at most 255 bytes (callers bound their fields first).
    public mutating func lp8(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt8.max), "lp8 field over 255 bytes")
        u8(UInt8(value.count))
        raw(value)
    }

    /// `lp16(value)`. - Precondition: at most 65 535 bytes.
    public mutating func lp16(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt16.max), "lp16 field over 65535 bytes")
        u16(UInt16(value.count))
        raw(value)
    }

    /// `lp32(value)`. - Precondition: at most 2^32 − 1 bytes.
    public mutating func lp32(_ value: [UInt8]) {
        precondition(value.count <= Int(UInt32.max), "lp32 field too long")
        u32(UInt32(value.count))
        raw(value)
    }
}
