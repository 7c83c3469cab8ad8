import SealpostCrypto
import SealpostWire

/// A signed prekey with its private key, as its device keeps it.
public struct SignedPrekeyRecord: Sendable {
    /// What was published.
    public let published: SignedPrekey
    /// The private key.
    public let privateKey: X25519.PrivateKey

    /// Generates and signs a new signed prekey.
    public static func generate(id: UInt32, createdAt: UInt64, identity: DeviceIdentity) -> SignedPrekeyRecord {
        let key = X25519.PrivateKey.generate()
        return SignedPrekeyRecord(
            published: .sign(id: id, createdAt: createdAt, key: key.publicKey, deviceKey: identity.deviceKey), privateKey: key)
    }

    /// A record from its parts (a vector, or storage).
    public init(published: SignedPrekey, privateKey: X25519.PrivateKey) {
        self.published = published
        self.privateKey = privateKey
    }
}

/// A one-time X25519 prekey with its private key.
public struct OneTimePrekeyRecord: Sendable {
    /// What was published.
    public let published: OneTimePrekey
    /// The private key.
    public let privateKey: X25519.PrivateKey

    /// Generates a one-time prekey.
    public static func generate(id: UInt32) -> OneTimePrekeyRecord {
        let key = X25519.PrivateKey.generate()
        return OneTimePrekeyRecord(published: OneTimePrekey(id: id, key: key.publicKey), privateKey: key)
    }

    /// A record from its parts.
    public init(published: OneTimePrekey, privateKey: X25519.PrivateKey) {
        self.published = published
        self.privateKey = privateKey
    }
}

/// An ML-KEM-1024 prekey (one-time or last-resort) with its private key, held as its seed.
public struct KEMPrekeyRecord: Sendable {
    /// What was published.
    public let published: KEMPrekey
    /// The private key.
    public let privateKey: MLKEM1024.PrivateKey

    /// Generates and signs a new ML-KEM prekey.
    public static func generate(id: UInt32, createdAt: UInt64, kind: KEMPrekeyKind, identity: DeviceIdentity) -> KEMPrekeyRecord {
        let key = MLKEM1024.PrivateKey.generate()
        return KEMPrekeyRecord(
            published: .sign(id: id, createdAt: createdAt, kind: kind, key: key.publicKey, deviceKey: identity.deviceKey), privateKey: key)
    }

    /// A record from its parts.
    public init(published: KEMPrekey, privateKey: MLKEM1024.PrivateKey) {
        self.published = published
        self.privateKey = privateKey
    }
}

/// What a responder's handshake needs to read: private prekeys, and the base keys already used
/// with a last-resort ML-KEM prekey. A store implements it; the handshake never writes to it.
public protocol ResponderPrekeys {
    /// The signed prekey with `id`, if its private key is still kept.
    func signedPrekey(id: UInt32) -> SignedPrekeyRecord?
    /// The ML-KEM prekey with `id`, if its private key is still kept.
    func kemPrekey(id: UInt32) -> KEMPrekeyRecord?
    /// The one-time prekey with `id`, if not yet used.
    func oneTimePrekey(id: UInt32) -> OneTimePrekeyRecord?
    /// Whether `baseKey` already started a session with the last-resort ML-KEM prekey `id`.
    func hasSeen(baseKey: X25519.PublicKey, lastResortKEMPrekey id: UInt32) -> Bool
}

/// What committing a responder's handshake changes in the prekey store: the one-time keys it used
/// are deleted, and a last-resort use remembers its base key.
public struct PrekeyConsumption: Sendable, Hashable {
    /// The one-time X25519 prekey to delete, if one was used.
    public let oneTimePrekeyID: UInt32?
    /// The one-time ML-KEM prekey to delete, if the KEM prekey was one-time.
    public let oneTimeKEMPrekeyID: UInt32?
    /// The base key to remember with the last-resort ML-KEM prekey, if that was used.
    public let lastResortUse: LastResortUse?

    /// A base key used with a last-resort ML-KEM prekey.
    public struct LastResortUse: Sendable, Hashable {
        /// The last-resort prekey's id.
        public let kemPrekeyID: UInt32
        /// The initiator's base key.
        public let baseKey: X25519.PublicKey

        /// Only handshakes (and this package's vector checks) create uses.
        package init(kemPrekeyID: UInt32, baseKey: X25519.PublicKey) {
            self.kemPrekeyID = kemPrekeyID
            self.baseKey = baseKey
        }
    }

    /// Only handshakes (and this package's vector checks) create consumptions.
    package init(oneTimePrekeyID: UInt32?, oneTimeKEMPrekeyID: UInt32?, lastResortUse: LastResortUse?) {
        self.oneTimePrekeyID = oneTimePrekeyID
        self.oneTimeKEMPrekeyID = oneTimeKEMPrekeyID
        self.lastResortUse = lastResortUse
    }
}
