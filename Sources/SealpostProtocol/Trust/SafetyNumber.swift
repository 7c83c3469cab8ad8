import SealpostCrypto
import SealpostWire

/// The number two users compare to verify each other's *account* keys, computed the way Signal
/// computes its safety numbers (`Spec/identity.md`, "Safety numbers").
///
/// For each side: `h = SHA-512(u16(0) ‖ Encode(account key) ‖ account id ‖ Encode(account key))`,
/// then 5 199 more rounds of `h = SHA-512(h ‖ Encode(account key))`. The side's 30 digits are its
/// first 30 bytes as six 5-byte big-endian integers, each mod 100 000, zero-padded to 5 digits. The
/// two 30-digit strings are sorted and concatenated, so both users see the same 60 digits. Only
/// account keys and stable account ids enter, so adding or removing a device never changes it.
public struct SafetyNumber: Sendable, Hashable, CustomStringConvertible {
    /// The hash-chain rounds (Signal's 5 200: over 112 bits of work for a collision).
    public static let iterations = 5200
    /// The fingerprint format version hashed first (Signal's 0).
    public static let hashVersion: UInt16 = 0
    /// The version byte of the scannable form.
    public static let scannableVersion: UInt8 = 1

    /// The 60 digits, sorted halves concatenated.
    public let digits: String
    /// This side's 32-byte fingerprint (first 32 bytes of its hash chain).
    public let localFingerprint: [UInt8]
    /// The other side's.
    public let remoteFingerprint: [UInt8]

    /// The version byte of this number's scannable form.
    public let version: UInt8

    /// Computes the safety number between this account and another.
    public init(localAccountID: AccountID, localAccountKey: Ed25519.PublicKey, remoteAccountID: AccountID, remoteAccountKey: Ed25519.PublicKey) {
        self.init(
            localKey: KeyEncoding.encode(localAccountKey), localStableID: localAccountID.rawRepresentation,
            remoteKey: KeyEncoding.encode(remoteAccountKey), remoteStableID: remoteAccountID.rawRepresentation,
            version: Self.scannableVersion)
    }

    /// The algorithm on already-encoded keys and stable ids: lets the tests check it against
    /// libsignal's own vector, whose keys are 0x05-prefixed X25519 keys and ids phone numbers.
    package init(localKey: [UInt8], localStableID: [UInt8], remoteKey: [UInt8], remoteStableID: [UInt8], version: UInt8) {
        let local = Self.chain(localKey, localStableID)
        let remote = Self.chain(remoteKey, remoteStableID)
        let localDigits = Self.displayDigits(local)
        let remoteDigits = Self.displayDigits(remote)
        digits = localDigits < remoteDigits ? localDigits + remoteDigits : remoteDigits + localDigits
        localFingerprint = Array(local.prefix(32))
        remoteFingerprint = Array(remote.prefix(32))
        self.version = version
    }

    static func chain(_ key: [UInt8], _ stableID: [UInt8]) -> [UInt8] {
        var hash = SHA512.hash([UInt8(hashVersion >> 8), UInt8(hashVersion & 0xFF)] + key + stableID + key)
        for _ in 1..<iterations {
            hash = SHA512.hash(hash + key)
        }
        return hash
    }

    static func displayDigits(_ hash: [UInt8]) -> String {
        (0..<6).map { chunk in
            let value = hash[(chunk * 5)..<(chunk * 5 + 5)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            let text = String(value)
            return String(repeating: "0", count: 5 - text.count) + text
        }.joined()
    }

    /// The 60 digits in twelve groups of five, as shown to users.
    public var description: String {
        stride(from: 0, to: digits.count, by: 5).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start..<digits.index(start, offsetBy: 5)])
        }.joined(separator: " ")
    }

    /// The scannable form (for a QR code): the same bytes as Signal's `CombinedFingerprints`
    /// protobuf, `08 01 12 22 0a 20 ‖ local (32) ‖ 1a 22 0a 20 ‖ remote (32)`, 74 bytes.
    public var scannable: [UInt8] {
        [0x08, version, 0x12, 0x22, 0x0A, 0x20] + localFingerprint + [0x1A, 0x22, 0x0A, 0x20] + remoteFingerprint
    }

    /// Whether a code scanned from the other user's screen matches: their local fingerprint must
    /// be our remote one and the reverse.
    /// - Throws: ``SafetyNumberError`` for a code that is not a Sealpost scannable safety number.
    public func matches(scanned: [UInt8]) throws(SafetyNumberError) -> Bool {
        guard scanned.count == 74, scanned[0] == 0x08, scanned[2...5] == [0x12, 0x22, 0x0A, 0x20], scanned[38...41] == [0x1A, 0x22, 0x0A, 0x20] else {
            throw .malformed
        }
        guard scanned[1] == version else { throw .unsupportedVersion(scanned[1]) }
        return Array(scanned[6..<38]) == remoteFingerprint && Array(scanned[42..<74]) == localFingerprint
    }
}

/// A scanned code that is not a Sealpost safety number.
public enum SafetyNumberError: Error, Hashable, Sendable {
    /// Not the 74-byte layout.
    case malformed
    /// Another version of the scannable form.
    case unsupportedVersion(UInt8)
}
