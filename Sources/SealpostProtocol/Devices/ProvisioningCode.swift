import SealpostCrypto
import SealpostWire

/// What a new device shows so that an existing device of the account can link it
/// (`Spec/devices.md`, "Provisioning"): a channel at the relay, the new device's ephemeral
/// X25519 key, a secret that never passes through the relay, and the relay's address.
///
/// ```
/// bytes = u8 version = 0x01 ‖ channel (16) ‖ ephemeral public key (32) ‖ secret (16)
///         ‖ lp8(relay URL, UTF-8, 1–200 bytes)
///         ‖ checksum = SHA-256("sealpost/provisioning-code/v1" ‖ everything before)[0 ..< 4]
/// text  = "SEALPOST-LINK-" ‖ RFC 4648 base32 of the bytes, without padding
/// ```
///
/// The text uses only QR's alphanumeric characters. It is a secret (whoever holds it can try to
/// answer the new device): it is shown on the new device's screen, never logged or sent.
public struct ProvisioningCode: Sendable, CustomStringConvertible {
    /// The relay's provisioning channel.
    public let channel: [UInt8]
    /// The new device's ephemeral key.
    public let publicKey: X25519.PublicKey
    /// The secret the key schedule is salted with.
    public let secret: SecretBytes
    /// Where the channel is: the relay's URL.
    public let relayURL: String

    static let version: UInt8 = 1
    static let label = Array("sealpost/provisioning-code/v1".utf8)
    /// The text's prefix.
    public static let prefix = "SEALPOST-LINK-"
    /// Bytes in a channel id.
    public static let channelByteCount = 16
    /// Bytes in the secret.
    public static let secretByteCount = 16
    /// The longest relay URL, in UTF-8 bytes.
    public static let maximumURLBytes = 200

    /// A code.
    /// - Throws: ``ProvisioningError/malformed(_:)`` for a channel or secret of another length,
    ///   or a URL that is empty or longer than ``maximumURLBytes``.
    public init(channel: [UInt8], publicKey: X25519.PublicKey, secret: SecretBytes, relayURL: String) throws(ProvisioningError) {
        guard channel.count == Self.channelByteCount else { throw .malformed("the channel is not 16 bytes") }
        guard secret.count == Self.secretByteCount else { throw .malformed("the secret is not 16 bytes") }
        guard (1...Self.maximumURLBytes).contains(relayURL.utf8.count) else { throw .malformed("the relay URL is empty or longer than 200 bytes") }
        self.channel = channel
        self.publicKey = publicKey
        self.secret = secret
        self.relayURL = relayURL
    }

    /// The encoding the transcript hashes (with the checksum).
    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        writer.raw(channel)
        writer.raw(publicKey.rawRepresentation)
        secret.withUnsafeBytes { writer.raw($0) }
        writer.lp8(Array(relayURL.utf8))
        var bytes = writer.takeBytes()
        bytes += Array(SHA256.hash(Self.label + bytes).prefix(4))
        return bytes
    }

    /// The text to show (and to put in a QR code).
    public var text: String { Self.prefix + String(decoding: Base32.encode(bytes), as: UTF8.self) }

    /// Reads a code as text: the prefix in either case, then base32 (case and spaces ignored).
    /// - Throws: ``ProvisioningError/malformed(_:)``, ``ProvisioningError/unsupportedVersion``
    ///   or ``ProvisioningError/checksumMismatch`` (a typo).
    public init(text: String) throws(ProvisioningError) {
        let characters = Array(text.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\t") })
        let prefix = Array(Self.prefix.utf8)
        guard characters.count > prefix.count, String(decoding: characters.prefix(prefix.count), as: UTF8.self).uppercased() == Self.prefix else {
            throw .malformed("a provisioning code starts with \(Self.prefix)")
        }
        let bytes: [UInt8]
        do { bytes = try Base32.decode(values: try Base32.values(Array(characters.dropFirst(prefix.count)))) } catch {
            throw .malformed("the code is not base32")
        }
        try self.init(bytes: bytes)
    }

    /// Reads a code's bytes.
    /// - Throws: as ``init(text:)``.
    public init(bytes: [UInt8]) throws(ProvisioningError) {
        guard bytes.count > 4 else { throw .malformed("the code is too short") }
        guard bytes[0] == Self.version else { throw .unsupportedVersion }
        let body = Array(bytes.dropLast(4))
        guard Array(SHA256.hash(Self.label + body).prefix(4)) == Array(bytes.suffix(4)) else { throw .checksumMismatch }
        do {
            var reader = ByteReader(body, structure: "provisioning code")
            _ = try reader.u8()
            let channel = try reader.raw(Self.channelByteCount)
            let key = try X25519.PublicKey(rawRepresentation: try reader.raw(32))
            var secret = try reader.raw(Self.secretByteCount)
            let url = try reader.lp8("relay URL", maximum: Self.maximumURLBytes)
            try reader.finish()
            guard let relayURL = String(validating: url, as: UTF8.self) else { throw ProvisioningError.malformed("the relay URL is not UTF-8") }
            try self.init(channel: channel, publicKey: key, secret: SecretBytes(wiping: &secret), relayURL: relayURL)
        } catch let error as ProvisioningError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// `ProvisioningCode(relay …, redacted)`.
    public var description: String { "ProvisioningCode(relay \(relayURL), redacted)" }
}

/// Why linking a device failed at the protocol level.
public enum ProvisioningError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A code or message that does not parse (says where, never a secret).
    case malformed(String)
    /// A code of a version this build does not read.
    case unsupportedVersion
    /// The code's checksum does not match: a typo.
    case checksumMismatch
    /// A channel message that does not authenticate: it was not made by the device holding
    /// the code's key (or the other side's), or was changed on the way.
    case authenticationFailed

    /// The machine-readable code, as vector files name it.
    public var code: String {
        switch self {
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupportedVersion"
        case .checksumMismatch: "checksumMismatch"
        case .authenticationFailed: "authenticationFailed"
        }
    }

    /// A sentence for the user.
    public var description: String {
        switch self {
        case .malformed(let what): "malformed provisioning data: \(what)"
        case .unsupportedVersion: "this provisioning code is of a newer version"
        case .checksumMismatch: "the provisioning code has a typo (its checksum does not match)"
        case .authenticationFailed: "a provisioning message did not authenticate"
        }
    }
}
