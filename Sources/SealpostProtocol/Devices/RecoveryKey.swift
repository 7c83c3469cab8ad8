import SealpostCrypto
import SealpostWire

/// The account key as a user writes it down (`Spec/devices.md`, "Recovery key"): with it and no
/// device at all, the user restores the account on a new device.
///
/// ```
/// bytes = u8 version = 0x01 ‖ account id (16) ‖ account key seed (32)
///         ‖ checksum = SHA-256("sealpost/recovery-key/v1" ‖ everything before)[0 ..< 4]       53 bytes
/// text  = RFC 4648 base32 of the bytes (A–Z, 2–7), no padding: 85 characters, in groups of 5
///         joined by '-'
/// ```
///
/// Reading accepts lower case and ignores spaces and hyphens; anything else, another length, a
/// non-zero padding bit, another version or a wrong checksum is refused. The text is a secret: it
/// is a ``SecretBytes`` here, never part of a description.
public struct RecoveryKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The account.
    public let accountID: AccountID
    /// The account private key.
    public let accountKey: Ed25519.PrivateKey

    static let version: UInt8 = 1
    static let label = Array("sealpost/recovery-key/v1".utf8)
    /// Bytes before base32.
    public static let byteCount = 1 + AccountID.byteCount + 32 + 4
    /// Characters of base32, without separators.
    public static let characterCount = (byteCount * 8 + 4) / 5

    /// The key of `accountID`'s account key.
    public init(accountID: AccountID, accountKey: Ed25519.PrivateKey) {
        self.accountID = accountID
        self.accountKey = accountKey
    }

    /// The text to write down.
    public var text: SecretBytes {
        var bytes = [Self.version] + accountID.rawRepresentation
        accountKey.seed.withUnsafeBytes { bytes.append(contentsOf: $0) }
        bytes += Self.checksum(bytes)
        defer { _ = SecretBytes(wiping: &bytes) }
        var letters = Base32.encode(bytes)
        defer { _ = SecretBytes(wiping: &letters) }
        var characters: [UInt8] = []
        characters.reserveCapacity(letters.count + letters.count / 5)
        for (index, letter) in letters.enumerated() {
            if index > 0, index % 5 == 0 { characters.append(UInt8(ascii: "-")) }
            characters.append(letter)
        }
        return SecretBytes(wiping: &characters)
    }

    static func checksum(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(label + bytes).prefix(4)) }

    /// Reads a written-down key.
    /// - Throws: ``RecoveryKeyError`` saying what is wrong, never which characters.
    public init(text: SecretBytes) throws(RecoveryKeyError) {
        var input = text.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &input) }
        var values: [UInt8]
        do { values = try Base32.values(input) } catch { throw .invalidCharacter }
        defer { _ = SecretBytes(wiping: &values) }
        guard values.count == Self.characterCount else { throw .wrongLength }
        var bytes: [UInt8]
        do { bytes = try Base32.decode(values: values) } catch { throw .nonCanonical }
        defer { _ = SecretBytes(wiping: &bytes) }
        guard bytes.count == Self.byteCount else { throw .nonCanonical }
        guard bytes[0] == Self.version else { throw .unsupportedVersion }
        let body = Array(bytes[..<(Self.byteCount - 4)])
        guard SecretBytes(copying: Self.checksum(body)).constantTimeEquals(Array(bytes.suffix(4))) else { throw .checksumMismatch }
        var seed = Array(bytes[(1 + AccountID.byteCount)..<(1 + AccountID.byteCount + 32)])
        do {
            accountID = try AccountID(rawRepresentation: Array(bytes[1..<(1 + AccountID.byteCount)]))
            accountKey = try Ed25519.PrivateKey(seed: SecretBytes(wiping: &seed))
        } catch {
            throw .nonCanonical
        }
    }

    /// `RecoveryKey(account …, redacted)`.
    public var description: String { "RecoveryKey(account \(accountID), redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror that shows only the account.
    public var customMirror: Mirror { Mirror(self, children: ["accountID": accountID], displayStyle: .struct) }
}

/// Why a written-down recovery key was refused (no case says which characters).
public enum RecoveryKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A character outside base32, spaces and hyphens.
    case invalidCharacter
    /// Not 85 base32 characters.
    case wrongLength
    /// The last character's padding bits are not zero.
    case nonCanonical
    /// A version this build does not read.
    case unsupportedVersion
    /// The checksum does not match: a typo.
    case checksumMismatch

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .invalidCharacter: "invalidCharacter"
        case .wrongLength: "wrongLength"
        case .nonCanonical: "nonCanonical"
        case .unsupportedVersion: "unsupportedVersion"
        case .checksumMismatch: "checksumMismatch"
        }
    }

    /// A sentence for the user.
    public var description: String {
        switch self {
        case .invalidCharacter: "the recovery key has a character that is not a letter or a digit 2–7"
        case .wrongLength: "the recovery key is not 85 characters long"
        case .nonCanonical: "the recovery key's last character is not one a key ends with"
        case .unsupportedVersion: "this recovery key is of a newer version"
        case .checksumMismatch: "the recovery key has a typo (its checksum does not match)"
        }
    }
}
