import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// What a device hands on about its account — to a device it links, or into a backup
/// (`Spec/devices.md`, "Account archive"): the account key, the account's delivery access secret,
/// its user name and relay, the contacts with their pins and verified safety numbers, and the
/// message history. **Never** a session record, a prekey private key or a device key: whatever
/// receives an archive is a new device that starts every conversation with a fresh handshake.
///
/// Records, in this order, each `u8 kind ‖ body`:
/// ```
/// 0x01 account   u8 version = 0x01 ‖ account id (16) ‖ account key seed (32) ‖ access secret (32)
///                ‖ lp8(user name) ‖ lp16(relay URL) ‖ lp16(relay origin) ‖ lp8(root fingerprint)
///                ‖ u64 created at
/// 0x02 contact   the vault's contact encoding (Spec/vault.md), once per contact
/// 0x03 message   the vault's history-entry encoding, once per message, oldest first
/// 0x04 end       u32 contacts ‖ u32 messages
/// ```
public struct AccountArchive: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The account.
    public let accountID: AccountID
    /// The account private key.
    public let accountKey: Ed25519.PrivateKey
    /// The account's delivery access secret (contacts hold access keys derived from it).
    public let accessSecret: DeliveryAccessSecret
    /// The account's user name at the relay, or empty.
    public let userName: String
    /// The relay's URL.
    public let relayURL: String
    /// The origin the relay's registrations are signed for.
    public let relayOrigin: String
    /// The operator root fingerprint the account pinned.
    public let rootFingerprint: String
    /// When the archive was made (seconds since the Unix epoch).
    public let createdAt: UInt64
    /// The contacts (the account's own among them).
    public let contacts: [Contact]
    /// The history, oldest first.
    public let messages: [HistoryEntry]

    /// `AccountArchive(account …, N contacts, M messages, redacted)`: never keys, names or messages.
    public var description: String { "AccountArchive(account \(accountID), \(contacts.count) contacts, \(messages.count) messages, redacted)" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// A mirror that shows only the account and the counts.
    public var customMirror: Mirror {
        Mirror(self, children: ["accountID": accountID, "contacts": contacts.count, "messages": messages.count], displayStyle: .struct)
    }

    /// Record kinds.
    enum Kind: UInt8 {
        case account = 1, contact = 2, message = 3, end = 4
    }

    /// The most contacts and messages an archive holds.
    public static let maximumContacts = 100_000
    /// The most messages an archive holds.
    public static let maximumMessages = 10_000_000
    /// The largest record body.
    public static let maximumRecordBytes = (2 << 20) + 1_024

    /// The longest user name, relay URL and origin, and root fingerprint, in UTF-8 bytes.
    public static let maximumUserNameBytes = 64, maximumURLBytes = 2_048, maximumFingerprintBytes = 255

    /// An archive.
    /// - Throws: ``VaultError/storage(_:)`` for a field longer than the archive holds, or more
    ///   contacts or messages (what is written can always be read back).
    public init(
        accountID: AccountID, accountKey: Ed25519.PrivateKey, accessSecret: DeliveryAccessSecret, userName: String, relayURL: String,
        relayOrigin: String, rootFingerprint: String, createdAt: UInt64, contacts: [Contact], messages: [HistoryEntry]
    ) throws(VaultError) {
        guard userName.utf8.count <= Self.maximumUserNameBytes, relayURL.utf8.count <= Self.maximumURLBytes, relayOrigin.utf8.count <= Self.maximumURLBytes,
            rootFingerprint.utf8.count <= Self.maximumFingerprintBytes
        else { throw .storage("archive: a user name, relay address or fingerprint too long to archive") }
        guard contacts.count <= Self.maximumContacts, messages.count <= Self.maximumMessages else { throw .storage("archive: too many contacts or messages") }
        guard messages.allSatisfy({ $0.body.count <= HistoryEntry.maximumBodyBytes }) else { throw .storage("archive: a message too large to archive") }
        self.accountID = accountID
        self.accountKey = accountKey
        self.accessSecret = accessSecret
        self.userName = userName
        self.relayURL = relayURL
        self.relayOrigin = relayOrigin
        self.rootFingerprint = rootFingerprint
        self.createdAt = createdAt
        self.contacts = contacts
        self.messages = messages
    }

    /// The records, in order, each `u8 kind ‖ body` (secrets: wiped when released).
    public func records() -> [SecretBytes] {
        var records: [SecretBytes] = [accountRecord()]
        for contact in contacts { records.append(SecretBytes(concatenating: [SecretBytes(copying: [Kind.contact.rawValue]), contact.serialized()])) }
        for message in messages { records.append(SecretBytes(concatenating: [SecretBytes(copying: [Kind.message.rawValue]), message.serialized()])) }
        var end = ByteWriter()
        end.u8(Kind.end.rawValue)
        end.u32(UInt32(contacts.count))
        end.u32(UInt32(messages.count))
        records.append(SecretBytes(copying: end.takeBytes()))
        return records
    }

    func accountRecord() -> SecretBytes {
        var writer = ByteWriter(capacity: 2_048)
        writer.u8(Kind.account.rawValue)
        writer.u8(1)
        writer.raw(accountID.rawRepresentation)
        accountKey.seed.withUnsafeBytes { writer.raw($0) }
        accessSecret.rawRepresentation.withUnsafeBytes { writer.raw($0) }
        writer.lp8(Array(userName.utf8))
        writer.lp16(Array(relayURL.utf8))
        writer.lp16(Array(relayOrigin.utf8))
        writer.lp8(Array(rootFingerprint.utf8))
        writer.u64(createdAt)
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    /// Reads records in order; `next` returns `nil` at the end of the input.
    /// - Throws: ``VaultError/storage(_:)`` for a record out of order or that does not parse,
    ///   counts that do not match the end record, or anything after it.
    public init(reading next: () throws(VaultError) -> SecretBytes?) throws(VaultError) {
        guard let first = try next() else { throw .storage("archive: no account record") }
        var contacts: [Contact] = [], messages: [HistoryEntry] = []
        var header = first.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &header) }
        do {
            var reader = ByteReader(header, structure: "archive account record")
            guard try reader.u8() == Kind.account.rawValue else { throw VaultError.storage("archive: the first record is not the account") }
            try reader.version(1)
            accountID = try AccountID(rawRepresentation: try reader.raw(16))
            var seed = try reader.raw(32)
            accountKey = try Ed25519.PrivateKey(seed: SecretBytes(wiping: &seed))
            var access = try reader.raw(DeliveryAccessSecret.byteCount)
            accessSecret = try DeliveryAccessSecret(SecretBytes(wiping: &access))
            userName = try Self.text(try reader.lp8("user name", maximum: Self.maximumUserNameBytes), "user name")
            relayURL = try Self.text(try reader.lp16("relay URL", maximum: Self.maximumURLBytes), "relay URL")
            relayOrigin = try Self.text(try reader.lp16("relay origin", maximum: Self.maximumURLBytes), "relay origin")
            rootFingerprint = try Self.text(try reader.lp8("root fingerprint", maximum: Self.maximumFingerprintBytes), "root fingerprint")
            createdAt = try reader.u64()
            try reader.finish()
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("archive: \(error)")
        }
        while true {
            guard let record = try next() else { throw .storage("archive: cut short (no end record)") }
            guard record.count >= 1 else { throw .storage("archive: an empty record") }
            let kind = record.withUnsafeBytes { $0[0] }
            let body = record.slice(1..<record.count)
            switch Kind(rawValue: kind) {
            case .contact:
                guard messages.isEmpty else { throw .storage("archive: a contact after the messages") }
                guard contacts.count < Self.maximumContacts else { throw .storage("archive: too many contacts") }
                let contact = try Contact(serialized: body)
                try contact.validate()
                contacts.append(contact)
            case .message:
                guard messages.count < Self.maximumMessages else { throw .storage("archive: too many messages") }
                messages.append(try HistoryEntry(serialized: body))
            case .end:
                let counts = body.withUnsafeBytes { Array($0) }
                var reader = ByteReader(counts, structure: "archive end")
                do {
                    let contactCount = try reader.u32(), messageCount = try reader.u32()
                    try reader.finish()
                    guard contactCount == contacts.count, messageCount == messages.count else { throw VaultError.storage("archive: the counts do not match the records") }
                } catch let error as VaultError {
                    throw error
                } catch {
                    throw .storage("archive: \(error)")
                }
                guard try next() == nil else { throw .storage("archive: records after the end") }
                self.contacts = contacts
                self.messages = messages
                return
            case .account, nil:
                throw .storage("archive: an unexpected record (kind \(kind))")
            }
        }
    }

    static func text(_ bytes: [UInt8], _ field: String) throws(VaultError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .storage("archive: the \(field) is not UTF-8") }
        return text
    }

    /// The records as one byte string: `lp32(record)` each (the link package's framing).
    public func serialized() -> SecretBytes {
        var parts: [SecretBytes] = []
        for record in records() {
            var length = ByteWriter()
            length.u32(UInt32(record.count))
            parts.append(SecretBytes(copying: length.takeBytes()))
            parts.append(record)
        }
        return SecretBytes(concatenating: parts)
    }

    /// Reads ``serialized()``.
    /// - Throws: as ``init(reading:)``, and for a length past the end.
    public init(serialized: SecretBytes) throws(VaultError) {
        var offset = 0
        try self.init(reading: { () throws(VaultError) -> SecretBytes? in
            guard offset < serialized.count else { return nil }
            guard serialized.count - offset >= 4 else { throw .storage("archive: a cut record length") }
            let length = serialized.withUnsafeBytes { bytes in (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) } }
            guard length <= Self.maximumRecordBytes, serialized.count - offset - 4 >= length else { throw .storage("archive: a record past the end") }
            defer { offset += 4 + length }
            return serialized.slice((offset + 4)..<(offset + 4 + length))
        })
    }
}

extension Vault {
    /// The archive of this vault's account (`Spec/devices.md`, "Account archive"): the caller
    /// supplies what the client profile holds. Messages of conversations with a disappearing
    /// timer are left out (an archive must not outlive them); with `includeHistory` false, all
    /// messages are; otherwise the newest that fit in `historyBytes` (a link package is bounded).
    public func archive(
        accountKey: Ed25519.PrivateKey, accessSecret: DeliveryAccessSecret, userName: String, relayURL: String, relayOrigin: String,
        rootFingerprint: String, now: UInt64, includeHistory: Bool, historyBytes: Int = .max
    ) throws(VaultError) -> AccountArchive {
        guard let identity = try identity() else { throw .storage("the vault holds no identity") }
        let contacts = try contacts()
        var messages: [HistoryEntry] = []
        if includeHistory {
            for contact in contacts where contact.disappearAfterSeconds == 0 { messages += try history(with: contact.accountID) }
            messages.sort { $0.time < $1.time }
            // The newest messages that fit in `historyBytes`.
            var total = 0
            var kept = 0
            for message in messages.reversed() {
                total += message.body.count + 64
                if total > historyBytes { break }
                kept += 1
            }
            messages = Array(messages.suffix(kept))
        }
        return try AccountArchive(
            accountID: identity.identity.accountID, accountKey: accountKey, accessSecret: accessSecret, userName: userName, relayURL: relayURL,
            relayOrigin: relayOrigin, rootFingerprint: rootFingerprint, createdAt: now, contacts: contacts, messages: messages)
    }
}

extension VaultTransaction {
    /// Stores an archive's contacts and history in a new device's vault: every contact but the
    /// account's own (the new device wrote its own), and every message, with a processed marker
    /// for each received one whose sender device is still listed — so a contact's resend of a
    /// message the archive holds is recognised as a repeat.
    public mutating func importArchive(_ archive: AccountArchive) throws(VaultError) {
        var senderKeys: [DeviceAddress: Ed25519.PublicKey] = [:]
        for contact in archive.contacts where contact.accountID != archive.accountID {
            try putContact(contact)
            for device in contact.deviceList?.devices ?? [] {
                senderKeys[DeviceAddress(accountID: contact.accountID, deviceID: device.deviceID)] = device.deviceKey
            }
        }
        for message in archive.messages {
            try putHistory(message, storedAt: message.time)
            if !message.outgoing, let key = senderKeys[message.peer] {
                let marker = EnvelopeDeduplicationKey(senderDeviceKey: key, envelopeID: message.envelopeID)
                try put(SecretBytes(copying: [1]), table: VaultConversationTables.processed, id: .random(), lookup: marker.lookupValue, ordering: Int64(clamping: message.time))
            }
        }
    }
}
