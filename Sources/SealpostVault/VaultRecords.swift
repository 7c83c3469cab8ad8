import Foundation
import GRDB
import SealpostCrypto
import SealpostWire

/// A record's random 128-bit id.
public struct RecordID: Sendable, Hashable, Comparable {
    /// The 16 bytes.
    public let rawRepresentation: [UInt8]

    /// A fresh random id.
    public static func random() -> RecordID { RecordID(unchecked: SecureRandom.bytes(count: 16)) }

    /// Wraps 16 bytes. - Throws: ``VaultError/malformedHeader(_:)`` never; `nil` for another length.
    public init?(rawRepresentation: [UInt8]) {
        guard rawRepresentation.count == 16 else { return nil }
        self.rawRepresentation = rawRepresentation
    }

    init(unchecked bytes: [UInt8]) { rawRepresentation = bytes }

    /// Byte order.
    public static func < (lhs: RecordID, rhs: RecordID) -> Bool { lhs.rawRepresentation.lexicographicallyPrecedes(rhs.rawRepresentation) }
}

/// The tables whose every row's version is kept in the manifest: putting back an older row of
/// these is detected (`Spec/vault.md`, "Manifest").
public enum VaultTables {
    /// Session records.
    public static let sessions = "session"
    /// Prekey and envelope-key stores.
    public static let prekeys = "prekeys"
    /// Messages waiting to be sent.
    public static let outbox = "outbox"
    /// The device's identity.
    public static let identity = "identity"
    /// Contacts (``VaultContactTables/contacts``).
    public static let contacts = "contact"
    /// Resend logs and reset guards, per peer device (``ResendState``).
    public static let resend = "resend"
    /// Tables under the manifest.
    public static let protected: Set<String> = [sessions, prekeys, outbox, identity, contacts, resend]
}

/// One write transaction over encrypted records (`Spec/vault.md`, "Records"). Changes become
/// durable together, with the manifest, when the closure given to ``Vault/write(_:)`` returns.
public struct VaultTransaction: ~Copyable {
    let db: Database
    let keys: RecordKeys
    var manifest: Manifest
    var manifestChanged = false

    /// Stores `plaintext` as record `id` of `table`, replacing any earlier version.
    /// - Parameters:
    ///   - lookup: A value to find the record by (a contact's account id, a sender and envelope
    ///     id), stored only as a keyed hash.
    ///   - ordering: A number that orders records found by the same lookup (a time, a counter).
    public mutating func put(_ plaintext: SecretBytes, table: String, id: RecordID, lookup: [UInt8]? = nil, ordering: Int64 = 0) throws(VaultError) {
        guard table.utf8.count <= 64, !table.isEmpty else { throw .storage("table names are 1 to 64 bytes") }
        do {
            let current = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT version FROM record WHERE table_name = ? AND record_id = ?"), arguments: [table, Data(id.rawRepresentation)]) ?? 0
            let version = UInt64(current) + 1
            let sealed = keys.seal(plaintext, table: table, id: id, version: version)
            try db.cachedStatement(sql: """
                    INSERT INTO record (table_name, record_id, version, lookup, ordering, ciphertext) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (table_name, record_id) DO UPDATE SET version = excluded.version, lookup = excluded.lookup,
                        ordering = excluded.ordering, ciphertext = excluded.ciphertext
                    """).execute(arguments: [table, Data(id.rawRepresentation), Int64(version), lookup.map { Data(keys.blindIndex(table: table, value: $0)) }, ordering, Data(sealed)])
            if VaultTables.protected.contains(table) {
                manifest.versions[Manifest.Key(table: table, id: id)] = version
                manifestChanged = true
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Deletes record `id` of `table` (overwritten on disk: `secure_delete` is on).
    public mutating func delete(table: String, id: RecordID) throws(VaultError) {
        do {
            try db.cachedStatement(sql: "DELETE FROM record WHERE table_name = ? AND record_id = ?").execute(arguments: [table, Data(id.rawRepresentation)])
        } catch {
            throw .storage("\(error)")
        }
        if VaultTables.protected.contains(table) {
            manifest.versions[Manifest.Key(table: table, id: id)] = nil
            manifestChanged = true
        }
    }

    /// Reads record `id` of `table` as of this transaction.
    public func get(table: String, id: RecordID) throws(VaultError) -> SecretBytes? {
        try VaultRecordReader.get(db, keys: keys, manifest: manifest, table: table, id: id)
    }
}

/// The keys of the record layer.
package struct RecordKeys: Sendable {
    static let formatVersion: UInt8 = 1
    let records: AEADKey
    package let blindIndex: SecretBytes
    package let manifest: SecretBytes

    /// `HKDF-SHA256(salt = "", IKM = data key, info = "sealpost/vault/<purpose>/v1", 32)`.
    static func subkey(_ dataKey: SecretBytes, _ purpose: String) throws(VaultError) -> SecretBytes {
        do {
            return try HKDFSHA256.deriveKey(inputKeyMaterial: dataKey, salt: [], info: Array("sealpost/vault/\(purpose)/v1".utf8), outputByteCount: 32)
        } catch {
            throw .storage("subkey derivation: \(error)")
        }
    }

    /// The subkeys of a data key (`Spec/vault.md`, "Key hierarchy"), derived once per open vault.
    package init(dataKey: SecretBytes) throws(VaultError) {
        let records: AEADKey
        do { records = try AEADKey(try Self.subkey(dataKey, "records")) } catch { throw .storage("subkey derivation: \(error)") }
        self.init(records: records, blindIndex: try Self.subkey(dataKey, "blind-index"), manifest: try Self.subkey(dataKey, "manifest"))
    }

    init(records: AEADKey, blindIndex: SecretBytes, manifest: SecretBytes) {
        self.records = records
        self.blindIndex = blindIndex
        self.manifest = manifest
    }

    /// `u8 format version ‖ lp8(table) ‖ record id ‖ u64 version`.
    package static func associatedData(table: String, id: RecordID, version: UInt64) -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(formatVersion)
        writer.lp8(Array(table.utf8))
        writer.raw(id.rawRepresentation)
        writer.u64(version)
        return writer.bytes
    }

    /// `nonce (24) ‖ XChaCha20-Poly1305(records key, nonce, plaintext, ad)`.
    func seal(_ plaintext: SecretBytes, table: String, id: RecordID, version: UInt64) -> [UInt8] {
        seal(plaintext, table: table, id: id, version: version, nonce: .random())
    }

    /// With a given nonce: for vectors (`package` access).
    package func seal(_ plaintext: SecretBytes, table: String, id: RecordID, version: UInt64, nonce: XChaCha20Poly1305.Nonce) -> [UInt8] {
        nonce.rawRepresentation + XChaCha20Poly1305.seal(secret: plaintext, using: records, nonce: nonce, authenticating: Self.associatedData(table: table, id: id, version: version))
    }

    package func open(_ sealed: [UInt8], table: String, id: RecordID, version: UInt64) throws(VaultError) -> SecretBytes {
        guard sealed.count >= 24 + 16, let nonce = try? XChaCha20Poly1305.Nonce(rawRepresentation: Array(sealed[..<24])) else { throw .authenticationFailed }
        do {
            return try XChaCha20Poly1305.openSecret(Array(sealed[24...]), using: records, nonce: nonce, authenticating: Self.associatedData(table: table, id: id, version: version))
        } catch {
            throw .authenticationFailed
        }
    }

    /// The record id of the one record of `table` for `value` (a contact, a session):
    /// `HMAC-SHA256(blind-index key, lp8("id/" ‖ table) ‖ value)`, first 16 bytes. A fixed id puts
    /// the record under the manifest's watch by id: deleting it is `recordMissing`.
    package func derivedID(table: String, value: [UInt8]) -> RecordID {
        RecordID(unchecked: blindIndex(table: "id/" + table, value: value))
    }

    /// `HMAC-SHA256(blind-index key, lp8(table) ‖ value)`, first 16 bytes.
    package func blindIndex(table: String, value: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(forConcatenationOf: [[UInt8(table.utf8.count)] + Array(table.utf8), value], using: blindIndex)
            .withUnsafeBytes { Array($0.prefix(16)) }
    }
}

/// The expected version of every row of the protected tables, MACed as a whole.
///
/// Stored as `u8 version = 0x01 ‖ u32 n ‖ n × (lp8(table) ‖ record id (16) ‖ u64 version) ‖ HMAC-SHA256 (32)`,
/// entries sorted, the MAC under the manifest subkey over everything before it.
struct Manifest: Equatable {
    struct Key: Hashable, Comparable {
        let table: String
        let id: RecordID
        static func < (lhs: Key, rhs: Key) -> Bool { (lhs.table, lhs.id) < (rhs.table, rhs.id) }
    }

    var versions: [Key: UInt64] = [:]

    func serialized(key: SecretBytes) -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(1)
        writer.u32(UInt32(versions.count))
        for (entry, version) in versions.sorted(by: { $0.key < $1.key }) {
            writer.lp8(Array(entry.table.utf8))
            writer.raw(entry.id.rawRepresentation)
            writer.u64(version)
        }
        let body = writer.bytes
        return body + HMACSHA256.authenticationCode(for: body, using: key).withUnsafeBytes { Array($0) }
    }

    init() {}

    init(serialized bytes: [UInt8], key: SecretBytes) throws(VaultError) {
        guard bytes.count >= 32 + 5 else { throw .authenticationFailed }
        let body = Array(bytes.dropLast(32))
        guard HMACSHA256.isValidAuthenticationCode(Array(bytes.suffix(32)), for: body, using: key) else { throw .authenticationFailed }
        do {
            var reader = ByteReader(body, structure: "manifest")
            try reader.version(1)
            let count = Int(try reader.u32())
            for _ in 0..<count {
                guard let table = String(validating: try reader.lp8("table", maximum: 64), as: UTF8.self) else { throw VaultError.authenticationFailed }
                let id = RecordID(unchecked: try reader.raw(16))
                versions[Key(table: table, id: id)] = try reader.u64()
            }
            try reader.finish()
        } catch let error as VaultError {
            throw error
        } catch {
            throw .authenticationFailed
        }
    }
}

enum VaultRecordReader {
    static func get(_ db: Database, keys: RecordKeys, manifest: Manifest, table: String, id: RecordID) throws(VaultError) -> SecretBytes? {
        let row: Row?
        do {
            row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT version, ciphertext FROM record WHERE table_name = ? AND record_id = ?"), arguments: [table, Data(id.rawRepresentation)])
        } catch {
            throw .storage("\(error)")
        }
        let expected = VaultTables.protected.contains(table) ? manifest.versions[Manifest.Key(table: table, id: id)] : nil
        guard let row else {
            if expected != nil { throw .recordMissing(table) }
            return nil
        }
        let version = UInt64(row["version"] as Int64)
        let plaintext = try keys.open([UInt8](row["ciphertext"] as Data), table: table, id: id, version: version)
        if VaultTables.protected.contains(table), expected != version { throw .staleRecord(table) }
        return plaintext
    }

    static func loadManifest(_ db: Database, keys: RecordKeys) throws(VaultError) -> Manifest {
        let bytes: Data?
        do { bytes = try Data.fetchOne(db.cachedStatement(sql: "SELECT body FROM manifest WHERE id = 1")) } catch { throw .storage("\(error)") }
        guard let bytes else { return Manifest() }
        return try Manifest(serialized: [UInt8](bytes), key: keys.manifest)
    }
}

extension Vault {
    /// Runs `body` in one write transaction: its record changes and the manifest commit together,
    /// or nothing does.
    public func write<T>(_ body: (inout VaultTransaction) throws(VaultError) -> T) throws(VaultError) -> T {
        let keys = self.keys
        do {
            return try pool.write { db -> T in
                var transaction = VaultTransaction(db: db, keys: keys, manifest: try VaultRecordReader.loadManifest(db, keys: keys))
                let result = try body(&transaction)
                if transaction.manifestChanged {
                    try db.cachedStatement(sql: "INSERT INTO manifest (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body").execute(arguments: [Data(transaction.manifest.serialized(key: keys.manifest))])
                }
                return result
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Reads record `id` of `table`, checking its version against the manifest.
    /// - Throws: ``VaultError/authenticationFailed`` for a row that does not decrypt where it
    ///   stands (altered, or moved from another table or id); ``VaultError/staleRecord(_:)`` for an
    ///   older version of a protected row put back; ``VaultError/recordMissing(_:)`` for a protected
    ///   row deleted behind the vault's back.
    public func read(table: String, id: RecordID) throws(VaultError) -> SecretBytes? {
        let keys = self.keys
        do {
            return try pool.read { db in
                let manifest = VaultTables.protected.contains(table) ? try VaultRecordReader.loadManifest(db, keys: keys) : Manifest()
                return try VaultRecordReader.get(db, keys: keys, manifest: manifest, table: table, id: id)
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    /// The records of `table` stored with lookup `value`, by their ordering, decrypted in one read
    /// transaction.
    public func records(table: String, lookup value: [UInt8]) throws(VaultError) -> [(id: RecordID, plaintext: SecretBytes)] {
        try fetchRecords(table: table, lookup: Data(keys.blindIndex(table: table, value: value)))
    }

    /// Every record of `table`, by their ordering, decrypted in one read transaction.
    public func allRecords(table: String) throws(VaultError) -> [(id: RecordID, plaintext: SecretBytes)] {
        try fetchRecords(table: table, lookup: nil)
    }

    private func fetchRecords(table: String, lookup index: Data?) throws(VaultError) -> [(id: RecordID, plaintext: SecretBytes)] {
        let keys = self.keys
        let sql = "SELECT record_id, version, ciphertext FROM record WHERE table_name = ?" + (index == nil ? "" : " AND lookup = ?") + " ORDER BY ordering, record_id"
        let arguments: StatementArguments = index.map { [table, $0] } ?? [table]
        do {
            return try pool.read { db in
                let manifest = VaultTables.protected.contains(table) ? try VaultRecordReader.loadManifest(db, keys: keys) : Manifest()
                var result: [(id: RecordID, plaintext: SecretBytes)] = []
                for row in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments) {
                    let id = RecordID(unchecked: [UInt8](row["record_id"] as Data))
                    let version = UInt64(row["version"] as Int64)
                    let plaintext = try keys.open([UInt8](row["ciphertext"] as Data), table: table, id: id, version: version)
                    if VaultTables.protected.contains(table), manifest.versions[Manifest.Key(table: table, id: id)] != version { throw VaultError.staleRecord(table) }
                    result.append((id, plaintext))
                }
                if VaultTables.protected.contains(table), index == nil {
                    let present = Set(result.map(\.id))
                    if manifest.versions.keys.contains(where: { $0.table == table && !present.contains($0.id) }) { throw VaultError.recordMissing(table) }
                }
                return result
            }
        } catch let error as VaultError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    /// The ids of the records of `table` stored with lookup `value`, by their ordering.
    public func lookUp(table: String, value: [UInt8]) throws(VaultError) -> [RecordID] {
        let index = Data(keys.blindIndex(table: table, value: value))
        do {
            return try pool.read { db in
                try Data.fetchAll(db.cachedStatement(sql: "SELECT record_id FROM record WHERE table_name = ? AND lookup = ? ORDER BY ordering, record_id"), arguments: [table, index])
                    .map { RecordID(unchecked: [UInt8]($0)) }
            }
        } catch {
            throw .storage("\(error)")
        }
    }
}
