import SealpostCrypto

/// An account's stable identifier: 16 random bytes the relay assigns at registration.
///
/// It never changes for the life of the account (a new account key does not change it), so it
/// is what safety numbers, certificates and associated data bind. Its text form is 32 lowercase
/// hex digits (`Spec/identity.md`).
public struct AccountID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Bytes in an account id.
    public static let byteCount = 16

    /// The 16 bytes.
    public let rawRepresentation: [UInt8]

    /// Wraps 16 bytes.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for any other length.
    public init(rawRepresentation: [UInt8]) throws(WireError) {
        guard rawRepresentation.count == Self.byteCount else {
            throw .invalidValue(field: "account id", reason: "must be \(Self.byteCount) bytes, got \(rawRepresentation.count)")
        }
        self.rawRepresentation = rawRepresentation
    }

    /// Parses the 32-hex-digit text form.
    public init(hex: String) throws(WireError) {
        guard let bytes = try? Hex.decode(hex) else { throw .invalidValue(field: "account id", reason: "not hexadecimal") }
        try self.init(rawRepresentation: bytes)
    }

    /// A fresh random account id.
    public static func random() -> AccountID {
        // 16 bytes from the system generator: the length is right by construction.
        AccountID(unchecked: SecureRandom.bytes(count: byteCount))
    }

    init(unchecked bytes: [UInt8]) {
        rawRepresentation = bytes
    }

    /// Reads 16 bytes.
    static func read(from reader: inout ByteReader) throws(WireError) -> AccountID {
        AccountID(unchecked: try reader.raw(byteCount))
    }

    /// The 32-hex-digit text form.
    public var description: String { Hex.encode(rawRepresentation) }

    /// Byte-wise order, as device lists and safety numbers sort.
    public static func < (lhs: AccountID, rhs: AccountID) -> Bool {
        lhs.rawRepresentation.lexicographicallyPrecedes(rhs.rawRepresentation)
    }
}

/// A device of an account: a number from 1 to 2^32 − 1, assigned by the device list and never
/// reused within the account. 0 is never a device id.
public struct DeviceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The number.
    public let value: UInt32

    /// Wraps a device number.
    /// - Throws: ``WireError/invalidValue(field:reason:)`` for 0.
    public init(_ value: UInt32) throws(WireError) {
        guard value != 0 else { throw .invalidValue(field: "device id", reason: "0 is not a device id") }
        self.value = value
    }

    static func read(from reader: inout ByteReader) throws(WireError) -> DeviceID {
        try DeviceID(try reader.u32())
    }

    /// The number in decimal.
    public var description: String { String(value) }

    /// Numeric order.
    public static func < (lhs: DeviceID, rhs: DeviceID) -> Bool { lhs.value < rhs.value }
}

/// One device of one account: the address of a mailbox.
public struct DeviceAddress: Sendable, Hashable, CustomStringConvertible {
    /// The account.
    public let accountID: AccountID
    /// The device.
    public let deviceID: DeviceID

    /// An address from its parts.
    public init(accountID: AccountID, deviceID: DeviceID) {
        self.accountID = accountID
        self.deviceID = deviceID
    }

    /// `account/device`.
    public var description: String { "\(accountID)/\(deviceID)" }
}
