import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Another account as this device knows it (`Spec/vault.md`, "Contacts"): the pinned account key
/// and device list, whether the user verified the safety number, a name, the conversation's
/// disappearing-message timer, and the account's delivery access secret once it shared it.
public struct Contact: Sendable, Equatable {
    /// The longest name kept, in UTF-8 bytes.
    public static let maximumNameBytes = 255
    /// The longest device-list encoding (32 devices, 1 024 revoked ids).
    static let maximumDeviceListBytes = 1 + 16 + 16 + 1 + DeviceList.maximumDevices * 37 + 2 + DeviceList.maximumRevoked * 4 + 64

    /// The account key and device-list version pinned on first use (or after an accepted change).
    public var pin: AccountPin
    /// The newest signed device list verified under the pinned key.
    public var deviceList: DeviceList?
    /// The account key whose safety number the user compared and confirmed. The contact is
    /// verified only while it equals the pinned key: a key change undoes verification by itself.
    public var verifiedAccountKey: Ed25519.PublicKey?
    /// The name the user knows them by (their user name at the relay, or one the user chose).
    public var name: String
    /// Messages of this conversation are deleted this many seconds after they are stored on
    /// this device; 0 keeps them.
    public var disappearAfterSeconds: UInt32
    /// The account's delivery access secret, learned from its messages: with it this device
    /// proves to the relay that it may write to the account (`Spec/envelope.md`).
    public var accessSecret: DeliveryAccessSecret?

    /// The account.
    public var accountID: AccountID { pin.accountID }

    /// Whether the user verified the safety number of the key pinned now.
    public var isVerified: Bool { verifiedAccountKey == pin.accountKey }

    /// A contact.
    /// - Throws: ``VaultError/storage(_:)`` for a name longer than ``maximumNameBytes``, or a
    ///   device list of another account.
    public init(
        pin: AccountPin, deviceList: DeviceList? = nil, verifiedAccountKey: Ed25519.PublicKey? = nil, name: String, disappearAfterSeconds: UInt32 = 0,
        accessSecret: DeliveryAccessSecret? = nil
    ) throws(VaultError) {
        guard name.utf8.count <= Self.maximumNameBytes else { throw .storage("contact names are at most \(Self.maximumNameBytes) bytes") }
        if let deviceList, deviceList.accountID != pin.accountID { throw .storage("the device list is another account's") }
        self.pin = pin
        self.deviceList = deviceList
        self.verifiedAccountKey = verifiedAccountKey
        self.name = name
        self.disappearAfterSeconds = disappearAfterSeconds
        self.accessSecret = accessSecret
    }

    /// Field by field; the access secrets in constant time.
    public static func == (lhs: Contact, rhs: Contact) -> Bool {
        let secretsEqual: Bool
        switch (lhs.accessSecret, rhs.accessSecret) {
        case (nil, nil): secretsEqual = true
        case (let l?, let r?): secretsEqual = l.rawRepresentation.constantTimeEquals(r.rawRepresentation)
        default: secretsEqual = false
        }
        return secretsEqual && lhs.pin == rhs.pin && lhs.deviceList == rhs.deviceList && lhs.verifiedAccountKey == rhs.verifiedAccountKey
            && lhs.name == rhs.name && lhs.disappearAfterSeconds == rhs.disappearAfterSeconds
    }

    /// `u8 version = 0x01 ‖ account id (16) ‖ account key (32) ‖ u64 device-list version
    /// ‖ device-list digest (32) ‖ u8 has list ‖ [lp16(device list)] ‖ u8 verified ‖ [verified key (32)]
    /// ‖ lp8(name, UTF-8) ‖ u32 disappear after (seconds) ‖ u8 has access secret ‖ [access secret (32)]`.
    func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(1)
        writer.raw(pin.accountID.rawRepresentation)
        writer.raw(pin.accountKey.rawRepresentation)
        writer.u64(pin.deviceListVersion)
        writer.raw(pin.deviceListDigest)
        writer.u8(deviceList == nil ? 0 : 1)
        if let deviceList { writer.lp16(deviceList.serialized()) }
        writer.u8(verifiedAccountKey == nil ? 0 : 1)
        if let verifiedAccountKey { writer.raw(verifiedAccountKey.rawRepresentation) }
        writer.lp8(Array(name.utf8))
        writer.u32(disappearAfterSeconds)
        writer.u8(accessSecret == nil ? 0 : 1)
        accessSecret?.rawRepresentation.withUnsafeBytes { writer.raw($0) }
        var bytes = writer.takeBytes()
        return SecretBytes(wiping: &bytes)
    }

    init(serialized secret: SecretBytes) throws(VaultError) {
        var bytes = secret.withUnsafeBytes { Array($0) }
        defer { _ = SecretBytes(wiping: &bytes) }
        do {
            var reader = ByteReader(bytes, structure: "contact")
            try reader.version(1)
            let accountID = try AccountID(rawRepresentation: try reader.raw(16))
            let accountKey = try Ed25519.PublicKey(rawRepresentation: try reader.raw(32))
            let pin = AccountPin(accountID: accountID, accountKey: accountKey, deviceListVersion: try reader.u64(), deviceListDigest: try reader.raw(32))
            let deviceList: DeviceList? = try reader.flag("has device list") ? try DeviceList(serialized: try reader.lp16("device list", maximum: Self.maximumDeviceListBytes)) : nil
            let verified: Ed25519.PublicKey? = try reader.flag("verified") ? try Ed25519.PublicKey(rawRepresentation: try reader.raw(32)) : nil
            guard let name = String(validating: try reader.lp8("name", maximum: Self.maximumNameBytes), as: UTF8.self) else { throw VaultError.storage("contact: name is not UTF-8") }
            let timer = try reader.u32()
            var accessSecret: DeliveryAccessSecret?
            if try reader.flag("has access secret") {
                var raw = try reader.raw(DeliveryAccessSecret.byteCount)
                accessSecret = try DeliveryAccessSecret(SecretBytes(wiping: &raw))
            }
            try reader.finish()
            try self.init(pin: pin, deviceList: deviceList, verifiedAccountKey: verified, name: name, disappearAfterSeconds: timer, accessSecret: accessSecret)
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("contact: \(error)")
        }
    }
}

/// The tables of contacts and of disappearing-message deadlines.
public enum VaultContactTables {
    /// Contacts (protected: putting back an older row would undo a key-change warning or a
    /// verification).
    public static let contacts = VaultTables.contacts
    /// When disappearing messages are due.
    public static let expiry = "expiry"
}

extension Contact {
    /// The checks a contact passes before it is stored (its fields are public and settable).
    /// - Throws: ``VaultError/storage(_:)`` for a name too long, a pin digest of another length,
    ///   or a device list of another account, another version or another digest than the pin's,
    ///   or not signed by the pinned key.
    func validate() throws(VaultError) {
        guard name.utf8.count <= Self.maximumNameBytes else { throw .storage("contact names are at most \(Self.maximumNameBytes) bytes") }
        guard pin.deviceListDigest.count == 32 else { throw .storage("the pin's device-list digest is 32 bytes") }
        if let deviceList {
            guard deviceList.accountID == pin.accountID, deviceList.listVersion == pin.deviceListVersion,
                SHA256.hash(deviceList.serialized()) == pin.deviceListDigest
            else { throw .storage("the device list is not the pinned one") }
            do { try deviceList.verify(accountKey: pin.accountKey) } catch { throw .storage("the device list is not signed by the pinned key") }
        }
    }
}

extension VaultTransaction {
    /// The contact of `account`, if any: one record at an id derived from the account id, so a
    /// contact deleted behind the vault's back is `recordMissing`, never a first contact.
    public func contact(for account: AccountID) throws(VaultError) -> Contact? {
        guard let bytes = try get(table: VaultContactTables.contacts, id: keys.derivedID(table: VaultContactTables.contacts, value: account.rawRepresentation)) else {
            return nil
        }
        return try Contact.decoded(bytes, for: account)
    }

    /// Stores a contact, replacing the one of the same account.
    /// - Throws: ``VaultError/storage(_:)`` if the contact fails ``Contact/validate()``.
    public mutating func putContact(_ contact: Contact) throws(VaultError) {
        try contact.validate()
        try put(
            contact.serialized(), table: VaultContactTables.contacts,
            id: keys.derivedID(table: VaultContactTables.contacts, value: contact.accountID.rawRepresentation))
    }
}

extension Contact {
    static func decoded(_ bytes: SecretBytes, for account: AccountID) throws(VaultError) -> Contact {
        let contact = try Contact(serialized: bytes)
        guard contact.accountID == account else { throw .storage("contact: stored for another account") }
        return contact
    }
}

extension Vault {
    /// The contact of `account`, if any (a read transaction).
    public func contact(for account: AccountID) throws(VaultError) -> Contact? {
        guard let bytes = try read(table: VaultContactTables.contacts, id: keys.derivedID(table: VaultContactTables.contacts, value: account.rawRepresentation)) else {
            return nil
        }
        return try Contact.decoded(bytes, for: account)
    }

    /// Every contact, by name.
    public func contacts() throws(VaultError) -> [Contact] {
        var contacts: [Contact] = []
        for (_, bytes) in try allRecords(table: VaultContactTables.contacts) { contacts.append(try Contact(serialized: bytes)) }
        return contacts.sorted {
            $0.name != $1.name ? $0.name < $1.name : $0.accountID.rawRepresentation.lexicographicallyPrecedes($1.accountID.rawRepresentation)
        }
    }
}
