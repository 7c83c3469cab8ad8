import Foundation
import GRDB
import SealpostProtocol
import SealpostWire

/// The prekey directory (`Spec/relay.md`, "Prekey directory"): each device's current signed
/// prekey and last-resort ML-KEM prekey, and its one-time prekeys of both kinds, handed out once
/// each, oldest first (the order `PrekeyStore` relies on to delete handed-out private keys).
extension DirectoryStore {
    enum PrekeyKind: Int64 {
        case signed = 0, lastResortKEM = 1, oneTime = 2, oneTimeKEM = 3
    }

    /// Stores a verified upload: replaces the signed and last-resort keys it carries, appends its
    /// one-time keys. Refused (409) if a one-time id is already stored or the device would hold
    /// more than ``Limits/maximumStoredOneTimePrekeys`` of a kind.
    public func publish(_ upload: PrekeyUpload, for address: DeviceAddress) async throws(RelayError) {
        let account = Data(address.accountID.rawRepresentation)
        let device = Int64(address.deviceID.value)
        do {
            try await pool.write { db in
                func replace(_ kind: PrekeyKind, id: UInt32, body: [UInt8]) throws {
                    try db.execute(sql: "DELETE FROM prekey WHERE account = ? AND device = ? AND kind = ?", arguments: [account, device, kind.rawValue])
                    try db.execute(
                        sql: "INSERT INTO prekey (account, device, kind, key_id, body) VALUES (?, ?, ?, ?, ?)",
                        arguments: [account, device, kind.rawValue, Int64(id), Data(body)])
                }
                if let signed = upload.signedPrekey { try replace(.signed, id: signed.id, body: PrekeyCodec.encode(signed)) }
                if let lastResort = upload.lastResortKEMPrekey { try replace(.lastResortKEM, id: lastResort.id, body: PrekeyCodec.encode(lastResort)) }
                let batches: [(PrekeyKind, [(UInt32, [UInt8])])] = [
                    (.oneTime, upload.oneTimePrekeys.map { ($0.id, PrekeyCodec.encode($0)) }),
                    (.oneTimeKEM, upload.oneTimeKEMPrekeys.map { ($0.id, PrekeyCodec.encode($0)) }),
                ]
                for (kind, keys) in batches where !keys.isEmpty {
                    let held = try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM prekey WHERE account = ? AND device = ? AND kind = ?", arguments: [account, device, kind.rawValue]) ?? 0
                    guard held + keys.count <= Limits.maximumStoredOneTimePrekeys else {
                        throw RelayError.conflict("the relay holds at most \(Limits.maximumStoredOneTimePrekeys) one-time prekeys of a kind per device")
                    }
                    for (id, body) in keys {
                        do {
                            try db.execute(
                                sql: "INSERT INTO prekey (account, device, kind, key_id, body) VALUES (?, ?, ?, ?, ?)",
                                arguments: [account, device, kind.rawValue, Int64(id), Data(body)])
                        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                            throw RelayError.conflict("one-time prekey \(id) is already published")
                        }
                    }
                }
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// One-time prekeys the relay still holds for the device, by kind.
    public func prekeyCounts(for address: DeviceAddress) async throws(RelayError) -> PrekeyCounts {
        do {
            return try await pool.read { db in
                func count(_ kind: PrekeyKind) throws -> Int {
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM prekey WHERE account = ? AND device = ? AND kind = ?",
                        arguments: [Data(address.accountID.rawRepresentation), Int64(address.deviceID.value), kind.rawValue]) ?? 0
                }
                return PrekeyCounts(oneTimePrekeys: try count(.oneTime), oneTimeKEMPrekeys: try count(.oneTimeKEM))
            }
        } catch {
            throw Self.failure(error)
        }
    }

    /// A bundle for the device, consuming its oldest one-time prekey of each kind in one write
    /// transaction: concurrent fetches never share a one-time key. Without one-time ML-KEM keys the
    /// last-resort key is used; without one-time X25519 keys the bundle has none.
    /// - Throws: 404 if the device is not registered or has not published its signed prekeys.
    public func takeBundle(for address: DeviceAddress) async throws(RelayError) -> PrekeyBundle {
        let account = Data(address.accountID.rawRepresentation)
        let device = Int64(address.deviceID.value)
        do {
            return try await pool.write { db in
                guard let certificateBytes = try Data.fetchOne(
                    db, sql: "SELECT certificate FROM device WHERE account = ? AND device = ?", arguments: [account, device])
                else { throw RelayError.notFound }
                func newest(_ kind: PrekeyKind) throws -> Row? {
                    try Row.fetchOne(
                        db, sql: "SELECT seq, body FROM prekey WHERE account = ? AND device = ? AND kind = ? ORDER BY seq DESC LIMIT 1",
                        arguments: [account, device, kind.rawValue])
                }
                func takeOldest(_ kind: PrekeyKind) throws -> Row? {
                    guard let row = try Row.fetchOne(
                        db, sql: "SELECT seq, body FROM prekey WHERE account = ? AND device = ? AND kind = ? ORDER BY seq LIMIT 1",
                        arguments: [account, device, kind.rawValue])
                    else { return nil }
                    try db.execute(sql: "DELETE FROM prekey WHERE seq = ?", arguments: [row["seq"] as Int64])
                    return row
                }
                guard let signed = try newest(.signed), let kem = try takeOldest(.oneTimeKEM) ?? (try newest(.lastResortKEM)) else {
                    throw RelayError(status: 404, code: "noPrekeys", message: "the device has not published its prekeys")
                }
                let oneTime = try takeOldest(.oneTime)
                return PrekeyBundle(
                    certificate: try DeviceCertificate(serialized: [UInt8](certificateBytes)),
                    signedPrekey: try PrekeyCodec.signed([UInt8](signed["body"] as Data)),
                    kemPrekey: try PrekeyCodec.kem([UInt8](kem["body"] as Data)),
                    oneTimePrekey: try oneTime.map { try PrekeyCodec.oneTime([UInt8]($0["body"] as Data)) })
            }
        } catch {
            throw Self.failure(error)
        }
    }
}

/// Stored encodings of single prekeys: each as a one-key ``PrekeyUpload`` would carry it.
enum PrekeyCodec {
    static func encode(_ key: SignedPrekey) -> [UInt8] {
        (try? PrekeyUpload(signedPrekey: key, lastResortKEMPrekey: nil, oneTimePrekeys: [], oneTimeKEMPrekeys: []).serialized()) ?? []
    }
    static func encode(_ key: KEMPrekey) -> [UInt8] {
        let upload = key.kind == .lastResort
            ? try? PrekeyUpload(signedPrekey: nil, lastResortKEMPrekey: key, oneTimePrekeys: [], oneTimeKEMPrekeys: [])
            : try? PrekeyUpload(signedPrekey: nil, lastResortKEMPrekey: nil, oneTimePrekeys: [], oneTimeKEMPrekeys: [key])
        return upload?.serialized() ?? []
    }
    static func encode(_ key: OneTimePrekey) -> [UInt8] {
        (try? PrekeyUpload(signedPrekey: nil, lastResortKEMPrekey: nil, oneTimePrekeys: [key], oneTimeKEMPrekeys: []).serialized()) ?? []
    }
    static func signed(_ bytes: [UInt8]) throws -> SignedPrekey {
        guard let key = try PrekeyUpload(serialized: bytes).signedPrekey else { throw RelayError.unavailable }
        return key
    }
    static func kem(_ bytes: [UInt8]) throws -> KEMPrekey {
        let upload = try PrekeyUpload(serialized: bytes)
        guard let key = upload.lastResortKEMPrekey ?? upload.oneTimeKEMPrekeys.first else { throw RelayError.unavailable }
        return key
    }
    static func oneTime(_ bytes: [UInt8]) throws -> OneTimePrekey {
        guard let key = try PrekeyUpload(serialized: bytes).oneTimePrekeys.first else { throw RelayError.unavailable }
        return key
    }
}
