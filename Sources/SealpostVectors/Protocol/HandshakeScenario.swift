import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// Everything a handshake vector records, rebuilt from the values written in the file: two
/// accounts with one device each, the responder's prekeys, and the initiator's random values.
///
/// Field names (`Spec/vectors.md`, "Handshake vectors"): `now`; for each of `alice` and `bob`:
/// `…AccountSeed`, `…AccountID`, `…DeviceID`, `…DeviceSeed`, `…CertificateCreatedAt`,
/// `…ListVersion`; Bob's `signedPrekeyID`, `signedPrekeyCreatedAt`, `signedPrekeyPrivate`,
/// `kemPrekeyID`, `kemPrekeyCreatedAt`, `kemPrekeyKind`, `kemPrekeySeed`, optional
/// `oneTimePrekeyID` and `oneTimePrekeyPrivate`; Alice's `ephemeralPrivate` and `kemCiphertext`.
struct HandshakeScenario {
    struct Party {
        let accountKey: Ed25519.PrivateKey
        let accountID: AccountID
        let identity: DeviceIdentity
        let deviceList: DeviceList
    }

    let now: UInt64
    let alice: Party
    let bob: Party
    let signedPrekey: SignedPrekeyRecord
    let kemPrekey: KEMPrekeyRecord
    let oneTimePrekey: OneTimePrekeyRecord?
    let ephemeral: X25519.PrivateKey
    let kemCiphertext: [UInt8]

    init(_ fields: JSONFields) throws {
        now = UInt64(try fields.int("now"))
        alice = try Self.party("alice", fields)
        bob = try Self.party("bob", fields)
        let signedKey = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex("signedPrekeyPrivate")))
        signedPrekey = SignedPrekeyRecord(
            published: .sign(
                id: UInt32(try fields.int("signedPrekeyID")), createdAt: UInt64(try fields.int("signedPrekeyCreatedAt")),
                key: signedKey.publicKey, deviceKey: bob.identity.deviceKey),
            privateKey: signedKey)
        let kemKey = try MLKEM1024.PrivateKey(seed: SecretBytes(copying: try fields.hex("kemPrekeySeed")))
        let kindName = try fields.string("kemPrekeyKind")
        guard let kind: KEMPrekeyKind = kindName == "oneTime" ? .oneTime : kindName == "lastResort" ? .lastResort : nil else {
            throw CheckFailure("kemPrekeyKind must be oneTime or lastResort")
        }
        kemPrekey = KEMPrekeyRecord(
            published: .sign(
                id: UInt32(try fields.int("kemPrekeyID")), createdAt: UInt64(try fields.int("kemPrekeyCreatedAt")), kind: kind,
                key: kemKey.publicKey, deviceKey: bob.identity.deviceKey),
            privateKey: kemKey)
        if fields.has("oneTimePrekeyID") {
            let key = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex("oneTimePrekeyPrivate")))
            oneTimePrekey = OneTimePrekeyRecord(published: OneTimePrekey(id: UInt32(try fields.int("oneTimePrekeyID")), key: key.publicKey), privateKey: key)
        } else {
            oneTimePrekey = nil
        }
        ephemeral = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex("ephemeralPrivate")))
        kemCiphertext = try fields.hex("kemCiphertext")
    }

    static func party(_ name: String, _ fields: JSONFields) throws -> Party {
        let accountKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex("\(name)AccountSeed")))
        let accountID = try AccountID(rawRepresentation: try fields.hex("\(name)AccountID"))
        let deviceKey = try Ed25519.PrivateKey(seed: SecretBytes(copying: try fields.hex("\(name)DeviceSeed")))
        let deviceID = try DeviceID(UInt32(try fields.int("\(name)DeviceID")))
        let createdAt = UInt64(try fields.int("\(name)CertificateCreatedAt"))
        let certificate = DeviceCertificate.issue(
            accountKey: accountKey, accountID: accountID, deviceID: deviceID, deviceKey: deviceKey.publicKey, createdAt: createdAt)
        let identity = try DeviceIdentity(accountID: accountID, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        let list = try DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: UInt64(try fields.int("\(name)ListVersion")), issuedAt: createdAt,
            devices: [.init(deviceID: deviceID, deviceKey: deviceKey.publicKey)], revoked: [])
        return Party(accountKey: accountKey, accountID: accountID, identity: identity, deviceList: list)
    }

    /// The bundle the relay hands Alice.
    var bundle: PrekeyBundle {
        PrekeyBundle(
            certificate: bob.identity.certificate, signedPrekey: signedPrekey.published, kemPrekey: kemPrekey.published,
            oneTimePrekey: oneTimePrekey?.published)
    }

    /// Bob's prekeys.
    var prekeys: PrekeyStore {
        var store = PrekeyStore(firstID: 1)
        store.insert(signedPrekey)
        store.insert(kemPrekey)
        if let oneTimePrekey { store.insert(oneTimePrekey) }
        return store
    }

    /// Alice's recorded randomness: her ephemeral key, and the KEM ciphertext with the shared
    /// secret obtained by decapsulating it with Bob's recorded seed (swift-crypto keeps seeded
    /// encapsulation internal).
    func randomness() throws -> RecordedHandshakeRandomness {
        RecordedHandshakeRandomness(
            ephemeral: ephemeral, kemSharedSecret: try kemPrekey.privateKey.decapsulate(kemCiphertext), kemCiphertext: kemCiphertext)
    }

    /// Runs Alice's side.
    func initiate(bundle: PrekeyBundle? = nil, bobList: DeviceList? = nil, pinned: AccountPin? = nil, at time: UInt64? = nil) throws -> Handshake.InitiatorResult {
        var randomness = try randomness()
        return try Handshake.initiate(
            identity: alice.identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bobList ?? bob.deviceList,
            bundle: bundle ?? self.bundle, pinned: pinned, now: time ?? now, randomness: &randomness)
    }
}
