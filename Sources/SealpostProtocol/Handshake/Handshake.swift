import SealpostCrypto
import SealpostWire

/// The hybrid post-quantum handshake: PQXDH (Signal, revision 3) with X25519, SHA-256 and
/// ML-KEM-1024, and Sealpost's stated deviations (`Spec/handshake.md`).
///
/// Both sides are pure functions: they read keys, pins and prekeys, and return what the caller must
/// store. Nothing is deleted or pinned until the caller commits the result.
public enum Handshake {
    /// What the initiator sends and keeps.
    public struct InitiatorResult: Sendable {
        /// The header to put before the first messages, until the responder replies.
        public let message: InitialMessage
        /// The keys for the ratchet.
        public let secret: HandshakeSecret
        /// The responder, as verified.
        public let peer: PeerIdentity
        /// Trust on first use: how the account key compared, and the pin to store.
        public let trust: AccountTrustCheck
        /// The responder's signed prekey: the initiator's first remote ratchet key.
        public let signedPrekey: X25519.PublicKey
    }

    /// What the responder keeps once the first message authenticates.
    public struct ResponderResult: Sendable {
        /// The keys for the ratchet.
        public let secret: HandshakeSecret
        /// The initiator, as verified end to end.
        public let peer: PeerIdentity
        /// Trust on first use for the initiator's account.
        public let trust: AccountTrustCheck
        /// The prekey changes to commit with the new session.
        public let consumption: PrekeyConsumption
    }

    /// Starts a session with one device of another account.
    ///
    /// - Parameters:
    ///   - identity: This device.
    ///   - accountID, accountKey, deviceList: The responder's account, as the directory gave them.
    ///   - bundle: The responder device's prekey bundle.
    ///   - pinned: What this device pinned for that account, if anything.
    ///   - now: The current time.
    ///   - randomness: The ephemeral key and the KEM encapsulation.
    /// - Throws: ``HandshakeError`` from bundle verification (``VerifiedBundle``).
    public static func initiate(
        identity: DeviceIdentity, accountID: AccountID, accountKey: Ed25519.PublicKey, deviceList: DeviceList,
        bundle: PrekeyBundle, pinned: AccountPin?, now: UInt64, randomness: inout some HandshakeRandomness
    ) throws(HandshakeError) -> InitiatorResult {
        let verified = try VerifiedBundle(bundle, accountID: accountID, accountKey: accountKey, deviceList: deviceList, pinned: pinned, now: now)
        let responderDH = try HandshakeKeySchedule.dhKey(verified.peer.deviceKey, "responder device key")
        let ephemeral = randomness.ephemeralKey()
        let (kemSecret, kemCiphertext) = randomness.encapsulate(to: bundle.kemPrekey.key)

        var dhOutputs = [
            try HandshakeKeySchedule.dh(identity.deviceDHKey, bundle.signedPrekey.key, "signed prekey"),  // DH1 = DH(IK_A, SPK_B)
            try HandshakeKeySchedule.dh(ephemeral, responderDH, "responder device key"),  // DH2 = DH(EK_A, IK_B)
            try HandshakeKeySchedule.dh(ephemeral, bundle.signedPrekey.key, "signed prekey"),  // DH3 = DH(EK_A, SPK_B)
        ]
        if let oneTime = bundle.oneTimePrekey {
            dhOutputs.append(try HandshakeKeySchedule.dh(ephemeral, oneTime.key, "one-time prekey"))  // DH4 = DH(EK_A, OPK_B)
        }
        let ad = HandshakeKeySchedule.associatedData(
            initiator: .init(accountKey: identity.accountKey, deviceKey: identity.deviceKey.publicKey, accountID: identity.accountID, deviceID: identity.deviceID),
            responder: .init(accountKey: accountKey, deviceKey: verified.peer.deviceKey, accountID: accountID, deviceID: verified.peer.deviceID))
        let transcriptHash = HandshakeKeySchedule.transcriptHash(
            associatedData: ad, baseKey: ephemeral.publicKey, signedPrekeyID: bundle.signedPrekey.id, signedPrekey: bundle.signedPrekey.key,
            kemPrekeyID: bundle.kemPrekey.id, kemPrekeyKind: bundle.kemPrekey.kind, kemPrekey: bundle.kemPrekey.key,
            kemCiphertext: kemCiphertext, oneTimePrekey: bundle.oneTimePrekey)
        let (secret, confirmation) = HandshakeKeySchedule.derive(
            dhOutputs: dhOutputs, kemSecret: kemSecret, associatedData: ad, transcriptHash: transcriptHash)
        let message = try wire { () throws(WireError) in
            try InitialMessage(
                initiatorAccountKey: identity.accountKey, initiatorCertificate: identity.certificate, responderAccountID: accountID,
                responderDeviceID: verified.peer.deviceID, baseKey: ephemeral.publicKey, signedPrekeyID: bundle.signedPrekey.id,
                kemPrekeyID: bundle.kemPrekey.id, oneTimePrekeyID: bundle.oneTimePrekey?.id, kemCiphertext: kemCiphertext,
                confirmation: confirmation.withUnsafeBytes { Array($0) })
        }
        return InitiatorResult(message: message, secret: secret, peer: verified.peer, trust: verified.trust, signedPrekey: bundle.signedPrekey.key)
    }

    /// Answers an initial message addressed to this device.
    ///
    /// Call it only for a base key that no existing session knows: a message carrying the header
    /// of a session that already exists (every message before the first reply carries it) belongs
    /// to that session's ratchet, which alone decides whether it is a duplicate.
    ///
    /// Checks, in order: addressed to this device; the initiator's device list (signature under
    /// the account key in the message, pin, TOFU); the certificate's signature and account; the
    /// device in the list; the named prekeys still held; a last-resort replay; then the key
    /// schedule and the key confirmation (where a tampered KEM ciphertext shows).
    ///
    /// - Throws: ``HandshakeError``.
    public static func respond(
        to message: InitialMessage, identity: DeviceIdentity, initiatorDeviceList: DeviceList, pinned: AccountPin?,
        prekeys: some ResponderPrekeys, now: UInt64
    ) throws(HandshakeError) -> ResponderResult {
        guard message.responderAccountID == identity.accountID, message.responderDeviceID == identity.deviceID else {
            throw .notForThisDevice
        }
        let certificate = message.initiatorCertificate
        let accountID = certificate.accountID
        let trust = try AccountTrustCheck(
            accountID: accountID, accountKey: message.initiatorAccountKey, deviceList: initiatorDeviceList, pinned: pinned)
        try wire { () throws(WireError) in try certificate.verify(accountKey: message.initiatorAccountKey) }
        try AccountTrustCheck.member(certificate, of: initiatorDeviceList)
        try VerifiedBundle.checkCreation(certificate.createdAt, "device certificate", now: now)

        guard let signed = prekeys.signedPrekey(id: message.signedPrekeyID) else {
            throw .unknownPrekey(kind: "signed prekey", id: message.signedPrekeyID)
        }
        guard let kem = prekeys.kemPrekey(id: message.kemPrekeyID) else {
            throw .unknownPrekey(kind: "KEM prekey", id: message.kemPrekeyID)
        }
        var oneTime: OneTimePrekeyRecord?
        if let id = message.oneTimePrekeyID {
            guard let record = prekeys.oneTimePrekey(id: id) else { throw .unknownPrekey(kind: "one-time prekey", id: id) }
            oneTime = record
        }
        if kem.published.kind == .lastResort, prekeys.hasSeen(baseKey: message.baseKey, lastResortKEMPrekey: kem.published.id) {
            throw .replayedInitialMessage
        }

        let initiatorDH = try HandshakeKeySchedule.dhKey(certificate.deviceKey, "initiator device key")
        var dhOutputs = [
            try HandshakeKeySchedule.dh(signed.privateKey, initiatorDH, "initiator device key"),  // DH1
            try HandshakeKeySchedule.dh(identity.deviceDHKey, message.baseKey, "base key"),  // DH2
            try HandshakeKeySchedule.dh(signed.privateKey, message.baseKey, "base key"),  // DH3
        ]
        if let oneTime {
            dhOutputs.append(try HandshakeKeySchedule.dh(oneTime.privateKey, message.baseKey, "base key"))  // DH4
        }
        // The length is right by parsing; a tampered ciphertext decapsulates to ML-KEM's
        // implicit-rejection secret and fails the confirmation below.
        guard let kemSecret = try? kem.privateKey.decapsulate(message.kemCiphertext) else {
            throw .malformed(.invalidValue(field: "KEM ciphertext", reason: "wrong length"))
        }
        let ad = HandshakeKeySchedule.associatedData(
            initiator: .init(accountKey: message.initiatorAccountKey, deviceKey: certificate.deviceKey, accountID: accountID, deviceID: certificate.deviceID),
            responder: .init(accountKey: identity.accountKey, deviceKey: identity.deviceKey.publicKey, accountID: identity.accountID, deviceID: identity.deviceID))
        let transcriptHash = HandshakeKeySchedule.transcriptHash(
            associatedData: ad, baseKey: message.baseKey, signedPrekeyID: signed.published.id, signedPrekey: signed.published.key,
            kemPrekeyID: kem.published.id, kemPrekeyKind: kem.published.kind, kemPrekey: kem.published.key,
            kemCiphertext: message.kemCiphertext, oneTimePrekey: oneTime?.published)
        let (secret, confirmation) = HandshakeKeySchedule.derive(
            dhOutputs: dhOutputs, kemSecret: kemSecret, associatedData: ad, transcriptHash: transcriptHash)
        guard confirmation.constantTimeEquals(message.confirmation) else { throw .authenticationFailed }

        let consumption = PrekeyConsumption(
            oneTimePrekeyID: oneTime?.published.id,
            oneTimeKEMPrekeyID: kem.published.kind == .oneTime ? kem.published.id : nil,
            lastResortUse: kem.published.kind == .lastResort ? .init(kemPrekeyID: kem.published.id, baseKey: message.baseKey) : nil)
        let peer = PeerIdentity(accountID: accountID, accountKey: message.initiatorAccountKey, deviceID: certificate.deviceID, deviceKey: certificate.deviceKey)
        return ResponderResult(secret: secret, peer: peer, trust: trust, consumption: consumption)
    }
}
