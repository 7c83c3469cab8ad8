import SealpostCrypto

/// The type-prefixed encodings of public keys (`Spec/identity.md`, "Key encodings").
///
/// Every public key that Sealpost puts into a signature, a transcript or associated data is
/// encoded with a type byte first, and the type bytes are distinct, so the encodings of different
/// kinds of key never collide (PQXDH §2.1: "the ranges of all encoding functions must be
/// pairwise disjoint").
///
/// | key | type | length |
/// |---|---|---|
/// | Ed25519 identity key (`Encode`) | 0x01 | 33 |
/// | X25519 key (`EncodeEC`) | 0x05 | 33 |
/// | ML-KEM-1024 key (`EncodeKEM`) | 0x08 | 1 569 |
///
/// An identity is always encoded as its Ed25519 key, never as its X25519 form: the birational
/// map sends `A` and `−A` to the same X25519 key.
public enum KeyEncoding {
    /// Type byte of an Ed25519 identity key.
    public static let ed25519Type: UInt8 = 0x01
    /// Type byte of an X25519 key.
    public static let x25519Type: UInt8 = 0x05
    /// Type byte of an ML-KEM-1024 encapsulation key.
    public static let mlkem1024Type: UInt8 = 0x08

    /// Bytes in `Encode(IK)`.
    public static let identityKeyByteCount = 33
    /// Bytes in `EncodeEC(K)`.
    public static let x25519ByteCount = 33
    /// Bytes in `EncodeKEM(K)`.
    public static let mlkem1024ByteCount = 1 + 1568

    /// `Encode(IK) = 0x01 ‖ Ed25519 public key`.
    public static func encode(_ key: Ed25519.PublicKey) -> [UInt8] {
        [ed25519Type] + key.rawRepresentation
    }

    /// `EncodeEC(K) = 0x05 ‖ X25519 public key`.
    public static func encode(_ key: X25519.PublicKey) -> [UInt8] {
        [x25519Type] + key.rawRepresentation
    }

    /// `EncodeKEM(K) = 0x08 ‖ ML-KEM-1024 encapsulation key`.
    public static func encode(_ key: MLKEM1024.PublicKey) -> [UInt8] {
        [mlkem1024Type] + key.rawRepresentation
    }

    /// Reads `Encode(IK)`.
    static func readIdentityKey(_ reader: inout ByteReader, field: String) throws(WireError) -> Ed25519.PublicKey {
        let type = try reader.u8()
        guard type == ed25519Type else { throw .unknownType(field: field, type: type) }
        let bytes = try reader.raw(Ed25519.keyByteCount)
        guard let key = try? Ed25519.PublicKey(rawRepresentation: bytes) else {
            throw .invalidValue(field: field, reason: "not an Ed25519 key")
        }
        return key
    }

    /// Reads `EncodeEC(K)`.
    static func readX25519Key(_ reader: inout ByteReader, field: String) throws(WireError) -> X25519.PublicKey {
        let type = try reader.u8()
        guard type == x25519Type else { throw .unknownType(field: field, type: type) }
        let bytes = try reader.raw(X25519.keyByteCount)
        guard let key = try? X25519.PublicKey(rawRepresentation: bytes) else {
            throw .invalidValue(field: field, reason: "not an X25519 key")
        }
        return key
    }

    /// Reads `EncodeKEM(K)`, including FIPS 203's modulus check.
    static func readMLKEMKey(_ reader: inout ByteReader, field: String) throws(WireError) -> MLKEM1024.PublicKey {
        let type = try reader.u8()
        guard type == mlkem1024Type else { throw .unknownType(field: field, type: type) }
        let bytes = try reader.raw(MLKEMParameterSet.mlkem1024.publicKeyByteCount)
        guard let key = try? MLKEM1024.PublicKey(rawRepresentation: bytes) else {
            throw .invalidValue(field: field, reason: "not a valid ML-KEM-1024 key (a coefficient is not reduced modulo q)")
        }
        return key
    }
}
