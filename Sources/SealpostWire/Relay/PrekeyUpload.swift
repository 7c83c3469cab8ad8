import SealpostCrypto

/// `PUT /v1/keys/prekeys`: a device publishes prekeys (`Spec/relay.md`, "Prekey directory").
///
/// ```
/// u8 version = 0x01
/// u8 has signed prekey ‖ [signed prekey]
/// u8 has last-resort ML-KEM prekey ‖ [ML-KEM prekey, kind last resort]
/// u16 n (≤ 100) ‖ n × one-time prekey
/// u16 m (≤ 100) ‖ m × ML-KEM prekey, kind one-time
/// ```
/// Every signed key must verify under the device's identity key; one-time ids must be distinct.
public struct PrekeyUpload: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The most one-time keys of each kind per upload.
    public static let maximumOneTimeKeys = 100

    /// A new signed prekey.
    public let signedPrekey: SignedPrekey?
    /// A new last-resort ML-KEM prekey.
    public let lastResortKEMPrekey: KEMPrekey?
    /// New one-time X25519 prekeys, in the order the relay hands them out.
    public let oneTimePrekeys: [OneTimePrekey]
    /// New one-time ML-KEM prekeys, in the order the relay hands them out.
    public let oneTimeKEMPrekeys: [KEMPrekey]

    /// An upload. - Throws: ``WireError`` for too many keys, wrong kinds or repeated ids.
    public init(signedPrekey: SignedPrekey?, lastResortKEMPrekey: KEMPrekey?, oneTimePrekeys: [OneTimePrekey], oneTimeKEMPrekeys: [KEMPrekey]) throws(WireError) {
        for (count, field) in [(oneTimePrekeys.count, "one-time prekeys"), (oneTimeKEMPrekeys.count, "one-time ML-KEM prekeys")] where count > Self.maximumOneTimeKeys {
            throw .countOutOfBounds(field: field, maximum: Self.maximumOneTimeKeys, got: count)
        }
        guard lastResortKEMPrekey.map({ $0.kind == .lastResort }) ?? true, oneTimeKEMPrekeys.allSatisfy({ $0.kind == .oneTime }) else {
            throw .invalidValue(field: "ML-KEM prekey kind", reason: "the last-resort key must be last-resort, the others one-time")
        }
        guard Set(oneTimePrekeys.map(\.id)).count == oneTimePrekeys.count, Set(oneTimeKEMPrekeys.map(\.id)).count == oneTimeKEMPrekeys.count else {
            throw .invalidValue(field: "one-time prekey ids", reason: "an id appears twice")
        }
        self.signedPrekey = signedPrekey
        self.lastResortKEMPrekey = lastResortKEMPrekey
        self.oneTimePrekeys = oneTimePrekeys
        self.oneTimeKEMPrekeys = oneTimeKEMPrekeys
    }

    /// Checks every signature against the device key.
    /// - Throws: ``WireError/authenticationFailed``.
    public func verify(deviceKey: Ed25519.PublicKey) throws(WireError) {
        try signedPrekey?.verify(deviceKey: deviceKey)
        try lastResortKEMPrekey?.verify(deviceKey: deviceKey)
        for key in oneTimeKEMPrekeys { try key.verify(deviceKey: deviceKey) }
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(Self.version)
        if let signedPrekey { writer.u8(1); signedPrekey.write(to: &writer) } else { writer.u8(0) }
        if let lastResortKEMPrekey { writer.u8(1); lastResortKEMPrekey.write(to: &writer) } else { writer.u8(0) }
        writer.u16(UInt16(oneTimePrekeys.count))
        for key in oneTimePrekeys { key.write(to: &writer) }
        writer.u16(UInt16(oneTimeKEMPrekeys.count))
        for key in oneTimeKEMPrekeys { key.write(to: &writer) }
        return writer.bytes
    }

    /// Parses strictly (signatures are not checked: see ``verify(deviceKey:)``).
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "prekey upload")
        try reader.version(Self.version)
        let signed = try reader.flag("has signed prekey") ? try SignedPrekey(reading: &reader) : nil
        let lastResort = try reader.flag("has last-resort prekey") ? try KEMPrekey(reading: &reader) : nil
        var oneTime: [OneTimePrekey] = []
        let n = Int(try reader.u16())
        guard n <= Self.maximumOneTimeKeys else { throw .countOutOfBounds(field: "one-time prekeys", maximum: Self.maximumOneTimeKeys, got: n) }
        for _ in 0..<n { oneTime.append(try OneTimePrekey(reading: &reader)) }
        var oneTimeKEM: [KEMPrekey] = []
        let m = Int(try reader.u16())
        guard m <= Self.maximumOneTimeKeys else { throw .countOutOfBounds(field: "one-time ML-KEM prekeys", maximum: Self.maximumOneTimeKeys, got: m) }
        for _ in 0..<m { oneTimeKEM.append(try KEMPrekey(reading: &reader)) }
        try reader.finish()
        try self.init(signedPrekey: signed, lastResortKEMPrekey: lastResort, oneTimePrekeys: oneTime, oneTimeKEMPrekeys: oneTimeKEM)
    }
}

/// `GET /v1/keys/counts`: how many one-time prekeys of each kind the relay still holds for the
/// device: `u8 version = 0x01 ‖ u16 X25519 ‖ u16 ML-KEM`.
public struct PrekeyCounts: Sendable, Hashable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// One-time X25519 prekeys held.
    public let oneTimePrekeys: Int
    /// One-time ML-KEM prekeys held.
    public let oneTimeKEMPrekeys: Int

    /// Counts (each at most 65 535).
    public init(oneTimePrekeys: Int, oneTimeKEMPrekeys: Int) {
        self.oneTimePrekeys = min(max(oneTimePrekeys, 0), 65_535)
        self.oneTimeKEMPrekeys = min(max(oneTimeKEMPrekeys, 0), 65_535)
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: 5)
        writer.u8(Self.version)
        writer.u16(UInt16(oneTimePrekeys))
        writer.u16(UInt16(oneTimeKEMPrekeys))
        return writer.bytes
    }

    /// Parses strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "prekey counts")
        try reader.version(Self.version)
        oneTimePrekeys = Int(try reader.u16())
        oneTimeKEMPrekeys = Int(try reader.u16())
        try reader.finish()
    }
}
