import Foundation
import GRDB
import Synchronization
import SealpostCrypto
import SealpostWire

/// A registered device as the directory holds it.
public struct DirectoryDevice: Sendable {
    /// Its certificate.
    public let certificate: DeviceCertificate
    /// Its current envelope key, once published.
    public let envelopeKey: SignedEnvelopeKey?
    /// The envelope key it replaced, and when, so uploads sealed to it are accepted for a while.
    public let previousEnvelopeKeyID: UInt32?
    /// When ``previousEnvelopeKeyID`` was replaced.
    public let envelopeKeyReplacedAt: UInt64?
}

/// An account as the directory holds it.
public struct DirectoryAccount: Sendable {
    /// The account.
    public let accountID: AccountID
    /// Its account key.
    public let accountKey: Ed25519.PublicKey
    /// Its latest signed device list, once a device registered.
    public let deviceList: DeviceList?
    /// The verifier of its current delivery access key.
    public let accessVerifier: DeliveryAccessVerifier?
    /// Whether anyone may send it sealed mail without an access key.
    public let anyoneMayWrite: Bool
    /// Its registered devices, by id.
    public let devices: [DeviceID: DirectoryDevice]
}

/// The relay's directory on SQLite: accounts, devices, credentials (verifiers only), envelope
/// keys and access settings (`Spec/relay.md`, "Directory store").
///
/// Reads of accounts go through a small in-memory cache: sealed send reads every recipient
/// account on every upload. This process's writes invalidate their account at once; changes made
/// by another process on the same file (`sealpost-relay accounts delete`) take effect within
/// ``cacheLifetime``.
public final class DirectoryStore: Sendable {
    let pool: DatabasePool
    /// Cached accounts (`nil`: known not to exist), and a generation that every invalidation
    /// bumps: a read that began before a write is not cached after it.
    private let cache = Mutex<(entries: [AccountID: (account: DirectoryAccount?, loaded: ContinuousClock.Instant)], generation: UInt64)>(([:], 0))
    /// How long a cached account is used before it is read again.
    public static let cacheLifetime: Duration = .seconds(5)
    static let cacheCapacity = 100_000

    /// The cached answer for `id`: `.some(nil)` for an account known not to exist.
    func cached(_ id: AccountID) -> DirectoryAccount?? {
        cache.withLock { cache in
            guard let entry = cache.entries[id] else { return nil }
            guard ContinuousClock.now - entry.loaded < Self.cacheLifetime else {
                cache.entries[id] = nil
                return nil
            }
            return .some(entry.account)
        }
    }

    var generation: UInt64 { cache.withLock { $0.generation } }

    /// Caches what a read that began at `generation` found, unless a write invalidated since.
    func remember(_ found: [AccountID: DirectoryAccount?], readAt generation: UInt64) {
        let now = ContinuousClock.now
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            if cache.entries.count + found.count > Self.cacheCapacity {
                cache.entries = cache.entries.filter { now - $0.value.loaded < Self.cacheLifetime }
                if cache.entries.count + found.count > Self.cacheCapacity { return }
            }
            for (id, account) in found { cache.entries[id] = (account, now) }
        }
    }

    func invalidate(_ id: AccountID) {
        cache.withLock { cache in
            cache.entries[id] = nil
            cache.generation &+= 1
        }
    }

    /// Opens (creating if needed) the directory at `path`.
    public init(path: String) throws(RelayError) {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        configuration.label = "sealpost-directory"
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // See SQLiteMailboxStore: GRDB's WAL setup lowers the writer to NORMAL.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
        } catch {
            throw RelayError(status: 500, code: "storage", message: "cannot open the directory at \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("directory-v1") { db in
            try db.execute(sql: """
                CREATE TABLE account (
                    account BLOB PRIMARY KEY NOT NULL,
                    account_key BLOB NOT NULL,
                    device_list BLOB,
                    list_version INTEGER NOT NULL DEFAULT 0,
                    access_verifier BLOB,
                    anyone_may_write INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE device (
                    account BLOB NOT NULL REFERENCES account(account) ON DELETE CASCADE,
                    device INTEGER NOT NULL,
                    certificate BLOB NOT NULL,
                    credential_verifier BLOB NOT NULL,
                    envelope_key BLOB,
                    previous_envelope_key_id INTEGER,
                    envelope_key_replaced_at INTEGER,
                    PRIMARY KEY (account, device)
                ) WITHOUT ROWID;
                """)
        }
        registerNamesAndInvites(&migrator)
        migrator.registerMigration("removals-v1") { db in
            try db.execute(sql: """
                CREATE TABLE pending_mailbox_removal (account BLOB NOT NULL, device INTEGER NOT NULL, PRIMARY KEY (account, device)) WITHOUT ROWID;
                CREATE TABLE removed_device (account BLOB NOT NULL, device INTEGER NOT NULL, PRIMARY KEY (account, device)) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("prekeys-v1") { db in
            try db.execute(sql: """
                CREATE TABLE prekey (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    account BLOB NOT NULL,
                    device INTEGER NOT NULL,
                    kind INTEGER NOT NULL,
                    key_id INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    UNIQUE (account, device, kind, key_id)
                );
                CREATE INDEX prekey_by_device ON prekey(account, device, kind, seq);
                """)
        }
        registerResets(&migrator)
        return migrator
    }

    static func failure(_ error: any Error) -> RelayError {
        if let error = error as? RelayError { return error }
        return .unavailable
    }

    /// Creates an account for `accountKey` with a fresh random id; with `invite`, uses one
    /// registration of that invite code in the same transaction (403 `inviteRequired` if it has none).
    public func createAccount(accountKey: Ed25519.PublicKey, invite: [UInt8]? = nil, now: UInt64) async throws(RelayError) -> AccountID {
        do {
            return try await pool.write { db in
                if let invite { try Self.consumeInvite(invite, db) }
                while true {
                    let id = AccountID.random()
                    let taken = try Bool.fetchOne(db, sql: "SELECT 1 FROM account WHERE account = ?", arguments: [Data(id.rawRepresentation)]) ?? false
                    if taken { continue }
                    try db.execute(
                        sql: "INSERT INTO account (account, account_key, created_at) VALUES (?, ?, ?)",
                        arguments: [Data(id.rawRepresentation), Data(accountKey.rawRepresentation), Int64(clamping: now)])
                    self.invalidate(id)
                    return id
                }
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Reads one account with its devices.
    public func account(_ id: AccountID) async throws(RelayError) -> DirectoryAccount? {
        if let cached = cached(id) { return cached }
        let generation = self.generation
        do {
            let account = try await pool.read { db in try Self.load(id, db) }
            remember([id: account], readAt: generation)
            return account
        } catch {
            throw Self.failure(error)
        }
    }

    /// Reads several accounts in one consistent snapshot.
    public func accounts(_ ids: [AccountID]) async throws(RelayError) -> [AccountID: DirectoryAccount] {
        var result: [AccountID: DirectoryAccount] = [:]
        var missing: [AccountID] = []
        for id in Set(ids) {
            if let cached = cached(id) {
                if let account = cached { result[id] = account }
            } else {
                missing.append(id)
            }
        }
        guard !missing.isEmpty else { return result }
        let generation = self.generation
        do {
            let wanted = missing
            let loaded = try await pool.read { db in
                var found: [AccountID: DirectoryAccount?] = [:]
                for id in wanted { found[id] = .some(try Self.load(id, db)) }
                return found
            }
            remember(loaded, readAt: generation)
            for case let (id, account?) in loaded { result[id] = account }
            return result
        } catch {
            throw Self.failure(error)
        }
    }

    static func load(_ id: AccountID, _ db: Database) throws -> DirectoryAccount? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM account WHERE account = ?", arguments: [Data(id.rawRepresentation)]) else { return nil }
        var devices: [DeviceID: DirectoryDevice] = [:]
        for device in try Row.fetchAll(db, sql: "SELECT * FROM device WHERE account = ?", arguments: [Data(id.rawRepresentation)]) {
            let certificate = try DeviceCertificate(serialized: [UInt8](device["certificate"] as Data))
            let key = try (device["envelope_key"] as Data?).map { try SignedEnvelopeKey(serialized: [UInt8]($0)) }
            devices[certificate.deviceID] = DirectoryDevice(
                certificate: certificate, envelopeKey: key, previousEnvelopeKeyID: (device["previous_envelope_key_id"] as Int64?).map { UInt32($0) },
                envelopeKeyReplacedAt: (device["envelope_key_replaced_at"] as Int64?).map { UInt64($0) })
        }
        return DirectoryAccount(
            accountID: id, accountKey: try Ed25519.PublicKey(rawRepresentation: [UInt8](row["account_key"] as Data)),
            deviceList: try (row["device_list"] as Data?).map { try DeviceList(serialized: [UInt8]($0)) },
            accessVerifier: try (row["access_verifier"] as Data?).map { try DeliveryAccessVerifier(rawRepresentation: [UInt8]($0)) },
            anyoneMayWrite: (row["anyone_may_write"] as Int64) != 0, devices: devices)
    }

    /// Stores a verified registration: the newer device list, and the device with its credential
    /// verifier. Devices the new list no longer names are removed (their mailboxes go too, by the
    /// caller). Returns the devices removed.
    /// With `leaving`, the registering device is unlinking itself: it must be registered with
    /// the certificate's key, and it is removed instead of stored.
    /// `verifiedUnder` is the account key the caller verified the list with: if the account was
    /// bound to another key meanwhile (a reset), the registration is refused.
    public func register(_ registration: DeviceRegistration, leaving: Bool = false, verifiedUnder accountKey: Ed25519.PublicKey) async throws(RelayError) -> [DeviceID] {
        let account = registration.deviceList.accountID
        defer { invalidate(account) }
        do {
            return try await pool.write { db in
                guard let row = try Row.fetchOne(db, sql: "SELECT list_version, device_list, account_key FROM account WHERE account = ?", arguments: [Data(account.rawRepresentation)]) else {
                    throw RelayError.notFound
                }
                // Checked in the transaction: a reset committed after the caller read the key wins.
                guard [UInt8](row["account_key"] as Data) == accountKey.rawRepresentation else { throw RelayError.forbidden }
                let stored = UInt64(row["list_version"] as Int64)
                guard let listVersion = Int64(exactly: registration.deviceList.listVersion) else { throw RelayError.malformed("device list version out of range") }
                guard registration.deviceList.listVersion >= stored else { throw RelayError.conflict("the account has a newer device list") }
                // Of two lists of one version, the first stored wins: a later one (another device
                // publishing at the same time, or a link that signed before a removal) is refused.
                let sameList = (row["device_list"] as Data?).map { [UInt8]($0) == registration.deviceList.serialized() } ?? false
                if registration.deviceList.listVersion == stored, !sameList, row["device_list"] as Data? != nil {
                    throw RelayError.deviceListConflict
                }
                let existing = try Data.fetchOne(
                    db, sql: "SELECT certificate FROM device WHERE account = ? AND device = ?",
                    arguments: [Data(account.rawRepresentation), Int64(registration.certificate.deviceID.value)])
                if let existing, try DeviceCertificate(serialized: [UInt8](existing)).deviceKey != registration.certificate.deviceKey {
                    throw RelayError.conflict("the device is registered with another key")
                }
                if leaving, existing == nil {
                    // A repeated unlinking whose answer was lost: the list is the stored one.
                    if sameList { return [] }
                    throw RelayError.conflict("only a registered device can unlink itself")
                }
                // A removed device id is never given out again: its mailbox may still receive late mail.
                if existing == nil, try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM removed_device WHERE account = ? AND device = ?",
                    arguments: [Data(account.rawRepresentation), Int64(registration.certificate.deviceID.value)]) == true
                {
                    throw RelayError.conflict("this device id was removed from the account; register under a new one")
                }
                try db.execute(
                    sql: "UPDATE account SET device_list = ?, list_version = ? WHERE account = ?",
                    arguments: [Data(registration.deviceList.serialized()), listVersion, Data(account.rawRepresentation)])
                if !leaving {
                    try db.execute(
                        sql: """
                            INSERT INTO device (account, device, certificate, credential_verifier) VALUES (?, ?, ?, ?)
                            ON CONFLICT (account, device) DO UPDATE SET certificate = excluded.certificate, credential_verifier = excluded.credential_verifier
                            """,
                        arguments: [Data(account.rawRepresentation), Int64(registration.certificate.deviceID.value),
                                    Data(registration.certificate.serialized()), Data(registration.credentialVerifier)])
                }
                var removed: [DeviceID] = []
                for id in try Int64.fetchAll(db, sql: "SELECT device FROM device WHERE account = ?", arguments: [Data(account.rawRepresentation)]) {
                    let deviceID = try DeviceID(UInt32(id))
                    if registration.deviceList.device(deviceID) == nil {
                        try db.execute(sql: "DELETE FROM device WHERE account = ? AND device = ?", arguments: [Data(account.rawRepresentation), id])
                        try db.execute(sql: "DELETE FROM prekey WHERE account = ? AND device = ?", arguments: [Data(account.rawRepresentation), id])
                        try Self.recordRemoval(db, account: Data(account.rawRepresentation), device: id, tombstone: true)
                        removed.append(deviceID)
                    }
                }
                return removed
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Whether `credential` is the one registered for the device, compared in constant time.
    public func authenticate(_ address: DeviceAddress, credential: SecretBytes) async throws(RelayError) -> Bool {
        let stored: Data?
        do {
            stored = try await pool.read { db in
                try Data.fetchOne(
                    db, sql: "SELECT credential_verifier FROM device WHERE account = ? AND device = ?",
                    arguments: [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value)])
            }
        } catch {
            throw Self.failure(error)
        }
        let presented = RelayCredential.verifier(of: credential)
        // Compare against a verifier even for an unknown device, so timing does not tell.
        let expected = stored.map { [UInt8]($0) } ?? [UInt8](repeating: 0, count: 32)
        return SecretBytes(copying: expected).constantTimeEquals(presented) && stored != nil
    }

    /// Publishes a device's new envelope key (already verified), remembering the one it replaces.
    public func publish(_ key: SignedEnvelopeKey, for address: DeviceAddress, now: UInt64) async throws(RelayError) {
        defer { invalidate(address.accountID) }
        do {
            try await pool.write { db in
                let arguments: StatementArguments = [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value)]
                guard let row = try Row.fetchOne(db, sql: "SELECT envelope_key FROM device WHERE account = ? AND device = ?", arguments: arguments) else {
                    throw RelayError.unauthorized
                }
                let current = try (row["envelope_key"] as Data?).map { try SignedEnvelopeKey(serialized: [UInt8]($0)) }
                if current?.id == key.id {
                    guard current == key else { throw RelayError.conflict("envelope key \(key.id) is already published with other bytes") }
                    return
                }
                try db.execute(
                    sql: "UPDATE device SET envelope_key = ?, previous_envelope_key_id = ?, envelope_key_replaced_at = ? WHERE account = ? AND device = ?",
                    arguments: [Data(key.serialized()), current.map { Int64($0.id) }, current.map { _ in Int64(clamping: now) },
                                Data(address.accountID.rawRepresentation), Int64(address.deviceID.value)])
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Deletes an account, or one device of it, with everything the directory holds for it.
    /// Returns the devices deleted (their mailboxes are the caller's to remove).
    public func delete(_ account: AccountID, device: DeviceID?) async throws(RelayError) -> [DeviceID] {
        defer { invalidate(account) }
        do {
            return try await pool.write { db in
                let key = Data(account.rawRepresentation)
                let devices = try Int64.fetchAll(db, sql: "SELECT device FROM device WHERE account = ?", arguments: [key])
                    .compactMap { try? DeviceID(UInt32($0)) }.filter { device == nil || $0 == device }
                for id in devices {
                    try db.execute(sql: "DELETE FROM device WHERE account = ? AND device = ?", arguments: [key, Int64(id.value)])
                    try db.execute(sql: "DELETE FROM prekey WHERE account = ? AND device = ?", arguments: [key, Int64(id.value)])
                    try Self.recordRemoval(db, account: key, device: Int64(id.value), tombstone: device != nil)
                }
                if device == nil {
                    try db.execute(sql: "DELETE FROM username WHERE account = ?", arguments: [key])
                    try db.execute(sql: "DELETE FROM account WHERE account = ?", arguments: [key])
                    guard db.changesCount == 1 else { throw RelayError.notFound }
                } else if devices.isEmpty {
                    throw RelayError.notFound
                }
                return devices
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// Records, in the transaction that removes a device, that its mailbox must go too; the
    /// removal is carried out (and retried until it succeeds) by ``pendingMailboxRemovals()`` and
    /// ``completeMailboxRemoval(_:)``, so a failure between the two stores leaves no orphan.
    static func recordRemoval(_ db: Database, account: Data, device: Int64, tombstone: Bool) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO pending_mailbox_removal (account, device) VALUES (?, ?)", arguments: [account, device])
        if tombstone { try db.execute(sql: "INSERT OR IGNORE INTO removed_device (account, device) VALUES (?, ?)", arguments: [account, device]) }
    }

    /// Mailboxes whose devices were removed and which are not yet deleted.
    public func pendingMailboxRemovals() async throws(RelayError) -> [DeviceAddress] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT account, device FROM pending_mailbox_removal").compactMap { row in
                    guard let account = try? AccountID(rawRepresentation: [UInt8](row["account"] as Data)), let device = try? DeviceID(UInt32(row["device"] as Int64)) else { return nil }
                    return DeviceAddress(accountID: account, deviceID: device)
                }
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// The mailbox of `address` is deleted.
    public func completeMailboxRemoval(_ address: DeviceAddress) async throws(RelayError) {
        do {
            try await pool.write { db in
                try db.execute(
                    sql: "DELETE FROM pending_mailbox_removal WHERE account = ? AND device = ?",
                    arguments: [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value)])
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// A consistent copy of the directory at `path` (SQLite `VACUUM INTO`), while it is in use.
    public func backup(to path: String) async throws(RelayError) {
        do { try await pool.vacuum(into: path) } catch { throw RelayError(status: 500, code: "backup", message: "\(error)") }
    }

    /// Sets an account's delivery-access settings.
    public func setAccess(_ settings: AccessSettings, for account: AccountID) async throws(RelayError) {
        defer { invalidate(account) }
        do {
            try await pool.write { db in
                try db.execute(
                    sql: "UPDATE account SET access_verifier = ?, anyone_may_write = ? WHERE account = ?",
                    arguments: [settings.verifier.map { Data($0.rawRepresentation) }, settings.anyoneMayWrite ? 1 : 0, Data(account.rawRepresentation)])
            }
        } catch {
            throw Self.failure(error)
        }
    }
}
