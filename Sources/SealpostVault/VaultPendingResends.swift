import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Devices a contact added to its list under the same account key, to which this device still
/// has to resend what no device of the contact receipted (`Spec/devices.md`, "Resending to a new
/// device"). Written in the transaction that moves the contact's pin, so a crash between seeing
/// the list and resending loses nothing; deleted in the transaction that commits the resends.
///
/// ```
/// pending resend = u8 version = 0x01 ‖ account id (16) ‖ account key (32) ‖ u64 noted at
///                  ‖ u16 n ‖ n × u32 former device ‖ u16 m ‖ m × u32 added device
/// ```
/// Table `newdevices`, one record per account at the derived id of the account id.
public struct PendingResend: Sendable, Equatable {
    /// The contact.
    public let accountID: AccountID
    /// The account key the devices were added under.
    public let accountKey: Ed25519.PublicKey
    /// When the first of them was seen.
    public let notedAt: UInt64
    /// The devices the contact had before (and revoked ones): their resend logs are read.
    public var former: Set<DeviceID>
    /// The devices added: the resends go to them.
    public var added: Set<DeviceID>

    /// The most device ids either set holds (a device list's devices and revoked ids).
    public static let maximumDevices = DeviceList.maximumDevices + DeviceList.maximumRevoked

    /// A pending resend.
    public init(accountID: AccountID, accountKey: Ed25519.PublicKey, notedAt: UInt64, former: Set<DeviceID>, added: Set<DeviceID>) {
        self.accountID = accountID
        self.accountKey = accountKey
        self.notedAt = notedAt
        self.former = former
        self.added = added
    }

    func serialized() -> SecretBytes {
        var writer = ByteWriter()
        writer.u8(1)
        writer.raw(accountID.rawRepresentation)
        writer.raw(accountKey.rawRepresentation)
        writer.u64(notedAt)
        for set in [former, added] {
            let ids = set.map(\.value).sorted().prefix(Self.maximumDevices)
            writer.u16(UInt16(ids.count))
            for id in ids { writer.u32(id) }
        }
        return SecretBytes(copying: writer.takeBytes())
    }

    init(serialized secret: SecretBytes) throws(VaultError) {
        let bytes = secret.withUnsafeBytes { Array($0) }
        do {
            var reader = ByteReader(bytes, structure: "pending resend")
            try reader.version(1)
            accountID = try AccountID(rawRepresentation: try reader.raw(16))
            accountKey = try Ed25519.PublicKey(rawRepresentation: try reader.raw(32))
            notedAt = try reader.u64()
            var sets: [Set<DeviceID>] = []
            for _ in 0..<2 {
                let count = Int(try reader.u16())
                guard count <= Self.maximumDevices else { throw VaultError.storage("pending resend: too many devices") }
                var set = Set<DeviceID>()
                for _ in 0..<count { set.insert(try DeviceID(try reader.u32())) }
                sets.append(set)
            }
            try reader.finish()
            (former, added) = (sets[0], sets[1])
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("pending resend: \(error)")
        }
    }
}

extension VaultTransaction {
    static let pendingResendTable = "newdevices"

    /// The resend pending for `account`, if any.
    public func pendingResend(for account: AccountID) throws(VaultError) -> PendingResend? {
        guard let bytes = try get(table: Self.pendingResendTable, id: keys.derivedID(table: Self.pendingResendTable, value: account.rawRepresentation)) else { return nil }
        return try PendingResend(serialized: bytes)
    }

    /// Stores a pending resend (replacing the account's earlier one).
    public mutating func putPendingResend(_ pending: PendingResend) throws(VaultError) {
        try put(pending.serialized(), table: Self.pendingResendTable, id: keys.derivedID(table: Self.pendingResendTable, value: pending.accountID.rawRepresentation))
    }

    /// Forgets the resend pending for `account`.
    public mutating func deletePendingResend(for account: AccountID) throws(VaultError) {
        try delete(table: Self.pendingResendTable, id: keys.derivedID(table: Self.pendingResendTable, value: account.rawRepresentation))
    }
}

extension Vault {
    /// Every pending resend.
    public func pendingResends() throws(VaultError) -> [PendingResend] {
        try allRecords(table: VaultTransaction.pendingResendTable).map { (_, bytes) throws(VaultError) in try PendingResend(serialized: bytes) }
    }
}
