import SealpostCrypto
import SealpostWire

/// Opens sealed envelopes (`Spec/envelope.md`, "Opening").
///
/// Opening has two steps, because the sender is not known until the inner message decrypts:
/// 1. ``open(_:recipient:envelopeKeys:trust:now:)`` decrypts the HPKE part with the envelope key
///    the envelope names, parses it and checks the sender certificate's chain against the relay's
///    stamp. The result, an ``UnverifiedEnvelope``, names the device the certificate claims.
/// 2. ``UnverifiedEnvelope/decrypt(record:identity:prekeys:initiatorDeviceList:pinned:now:randomness:)``
///    decrypts the inner message in the session the caller holds with that device (or starts one
///    from its handshake), checks that the session's peer is the certificate's device, and only
///    then decrypts the content.
public enum EnvelopeOpener {
    /// Step 1: decrypts the part and checks the certificate chain.
    /// - Parameter recipient: this device's address (bound into HPKE's `info`).
    /// - Throws: ``EnvelopeError`` in the order `Spec/envelope.md` lists.
    public static func open(
        _ delivery: MailboxDelivery, recipient: DeviceAddress, envelopeKeys: EnvelopeKeyStore, trust: OperatorTrust, now: UInt64
    ) throws(EnvelopeError) -> UnverifiedEnvelope {
        let envelope = delivery.envelope
        guard let key = envelopeKeys.record(id: envelope.envelopeKeyID) else { throw .unknownEnvelopeKey(envelope.envelopeKeyID) }
        let contentHash = SHA256.hash(envelope.content)
        let padded: [UInt8]
        do {
            var context = try HPKE.Recipient(
                privateKey: key.privateKey, encapsulatedKey: envelope.encapsulatedKey,
                info: EnvelopeSealer.info(recipient, keyID: envelope.envelopeKeyID))
            padded = try context.open(envelope.sealedPart, authenticating: EnvelopeSealer.associatedData(envelope.envelopeID, contentHash: contentHash))
        } catch {
            throw .authenticationFailed
        }
        let part: EnvelopePart
        do {
            part = try EnvelopePart(padded: padded)
        } catch {
            if case .invalidValue(let field, _) = error, field == "part padding" { throw .invalidPadding("part") }
            throw .malformed(error)
        }
        try trust.validate(part.senderCertificate, receivedAt: delivery.receivedAt, now: now)
        let message: SessionMessage
        do { message = try SessionMessage(serialized: part.sessionMessage) } catch { throw .malformed(error) }
        return UnverifiedEnvelope(
            sequence: delivery.sequence, receivedAt: delivery.receivedAt, envelopeID: envelope.envelopeID,
            senderCertificate: part.senderCertificate, sessionMessage: message, content: envelope.content, contentHash: contentHash)
    }
}

/// An envelope whose part decrypted and whose sender certificate chains to the operator root, but
/// whose sender is **not yet authenticated**: anyone who knows this device's envelope key can
/// seal a part with any certificate. Nothing it says may change state until
/// ``decrypt(record:identity:prekeys:initiatorDeviceList:pinned:now:randomness:)`` succeeds.
public struct UnverifiedEnvelope: Sendable {
    /// The relay's sequence number: acknowledge it once the result is committed (or the envelope
    /// is refused for good).
    public let sequence: UInt64
    /// When the relay received it.
    public let receivedAt: UInt64
    /// The sender-chosen envelope id.
    public let envelopeID: EnvelopeID
    /// The certificate the sender presented.
    public let senderCertificate: SenderCertificate
    /// The inner session message.
    public let sessionMessage: SessionMessage
    let content: [UInt8]
    let contentHash: [UInt8]

    /// The device the certificate claims sent it: load the session record held for it.
    public var claimedSender: DeviceAddress {
        DeviceAddress(accountID: senderCertificate.accountID, deviceID: senderCertificate.deviceID)
    }

    /// Step 2: decrypts the inner message in `record` (the caller's record for ``claimedSender``)
    /// with ``SessionRecord/receive(_:identity:prekeys:initiatorDeviceList:pinned:now:randomness:)``,
    /// checks that it authenticated the certificate's device, then decrypts the content.
    /// Nothing is committed: the result carries the new record for the caller to store with the
    /// plaintext and the processed envelope id.
    ///
    /// - Parameter alreadyProcessed: Whether the caller's processed-envelope set holds a key
    ///   (kept for ``Limits/processedEnvelopeMemory``). Asked only after the sender authenticated;
    ///   a processed id comes back as a repeat (``OpenedMessage/isRepeat``): a sender that resent
    ///   the message in a new session after a reset. Commit its record; do not show it again.
    /// - Throws: ``EnvelopeError/session(_:)`` (including ``SessionError/duplicate`` for a message
    ///   already received), ``EnvelopeError/senderMismatch``, ``EnvelopeError/invalidContentKeyMessage(_:)``,
    ///   ``EnvelopeError/envelopeIDMismatch``, ``EnvelopeError/contentMismatch``,
    ///   ``EnvelopeError/authenticationFailed``, ``EnvelopeError/invalidPadding(_:)``.
    public func decrypt(
        record: SessionRecord, identity: DeviceIdentity, prekeys: some ResponderPrekeys, initiatorDeviceList: DeviceList?, pinned: AccountPin?,
        alreadyProcessed: (EnvelopeDeduplicationKey) -> Bool, now: UInt64, randomness: inout some RatchetRandomness
    ) throws(EnvelopeError) -> OpenedMessage {
        let received: SessionRecord.Received
        do {
            received = try record.receive(
                sessionMessage, identity: identity, prekeys: prekeys, initiatorDeviceList: initiatorDeviceList, pinned: pinned, now: now,
                randomness: &randomness)
        } catch {
            throw .session(error)
        }
        let peer = received.peer
        guard peer.accountID == senderCertificate.accountID, peer.deviceID == senderCertificate.deviceID, peer.deviceKey == senderCertificate.deviceKey else {
            throw .senderMismatch
        }
        var plaintext = received.plaintext
        defer { _ = SecretBytes(wiping: &plaintext) }
        let keyMessage: ContentKeyMessage
        do { keyMessage = try ContentKeyMessage(plaintext: plaintext) } catch { throw .invalidContentKeyMessage(error) }
        guard keyMessage.envelopeID == envelopeID else { throw .envelopeIDMismatch }
        guard SecretBytes(copying: keyMessage.contentHash).constantTimeEquals(contentHash) else { throw .contentMismatch }
        let body = try PreparedContent.open(content, envelopeID: envelopeID, contentKey: keyMessage.contentKey)
        let isRepeat = alreadyProcessed(EnvelopeDeduplicationKey(senderDeviceKey: peer.deviceKey, envelopeID: envelopeID))
        return OpenedMessage(
            sequence: sequence, receivedAt: receivedAt, envelopeID: envelopeID, sender: peer, plaintext: isRepeat ? [] : body, isRepeat: isRepeat,
            record: received.record, handshake: received.handshake)
    }
}

/// An envelope whose sender authenticated: commit ``record`` (and ``handshake``'s prekey changes),
/// the plaintext and ``deduplicationKey`` together, then acknowledge ``sequence``.
public struct OpenedMessage: Sendable {
    /// The relay's sequence number to acknowledge.
    public let sequence: UInt64
    /// When the relay received it.
    public let receivedAt: UInt64
    /// The envelope id the sender chose and authenticated.
    public let envelopeID: EnvelopeID
    /// The sending device, as the session authenticated it.
    public let sender: PeerIdentity
    /// The content; empty for a repeat.
    public let plaintext: [UInt8]
    /// Set when the caller had already processed this (sender, envelope id): the sender resent it
    /// in another ratchet message. Commit ``record``; do not show the content a second time.
    public let isRepeat: Bool
    /// The session record to commit.
    public let record: SessionRecord
    /// Set when the message started a session: its prekey changes and pin, to commit too.
    public let handshake: Handshake.ResponderResult?

    /// What a receiver de-duplicates on: the authenticated sender device key and the envelope id.
    /// Another contact or the relay reusing the id cannot collide with it.
    public var deduplicationKey: EnvelopeDeduplicationKey {
        EnvelopeDeduplicationKey(senderDeviceKey: sender.deviceKey, envelopeID: envelopeID)
    }
}

/// (authenticated sender device key, envelope id): the key of the processed-envelope set.
public struct EnvelopeDeduplicationKey: Sendable, Hashable {
    /// The sender's device identity key.
    public let senderDeviceKey: Ed25519.PublicKey
    /// The envelope id.
    public let envelopeID: EnvelopeID

    /// The key of `envelopeID` from the device with `senderDeviceKey`.
    public init(senderDeviceKey: Ed25519.PublicKey, envelopeID: EnvelopeID) {
        self.senderDeviceKey = senderDeviceKey
        self.envelopeID = envelopeID
    }
}
