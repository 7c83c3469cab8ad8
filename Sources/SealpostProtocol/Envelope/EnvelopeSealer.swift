import SealpostCrypto
import SealpostWire

/// A recipient device as a sender seals to it: its mailbox, its checked envelope key and the
/// sender's proof of access.
public struct EnvelopeRecipient: Sendable {
    /// The device's mailbox.
    public let address: DeviceAddress
    /// Its envelope key, checked against its identity key.
    public let envelopeKey: SignedEnvelopeKey
    /// The access proof to show the relay.
    public let access: DeliveryAccess

    /// Checks `envelopeKey` against the peer device (from its session or its verified bundle),
    /// its age, and how long ago this device fetched it from the relay.
    /// - Parameter fetchedAt: When the relay handed out `envelopeKey`. A sender seals to a fetched
    ///   key for at most ``Limits/envelopeKeyCacheLifetime``, which is what lets the recipient
    ///   delete replaced keys after ``Limits/envelopeKeyRetention``.
    /// - Throws: ``EnvelopeError/authenticationFailed`` for a bad signature;
    ///   ``EnvelopeError/staleEnvelopeKey(_:)`` for a key fetched too long ago, older than
    ///   ``Limits/maximumEnvelopeKeyAge``, or created more than ``Limits/clockSkew`` in the future.
    public init(peer: PeerIdentity, envelopeKey: SignedEnvelopeKey, fetchedAt: UInt64, access: DeliveryAccess, now: UInt64) throws(EnvelopeError) {
        do { try envelopeKey.verify(accountID: peer.accountID, deviceID: peer.deviceID, deviceKey: peer.deviceKey) } catch { throw .authenticationFailed }
        guard envelopeKey.createdAt <= now.saturatingAdd(Limits.clockSkew), now <= envelopeKey.createdAt.saturatingAdd(Limits.maximumEnvelopeKeyAge),
            fetchedAt <= now.saturatingAdd(Limits.clockSkew), now <= fetchedAt.saturatingAdd(Limits.envelopeKeyCacheLifetime)
        else {
            throw .staleEnvelopeKey(envelopeKey.id)
        }
        self.address = DeviceAddress(accountID: peer.accountID, deviceID: peer.deviceID)
        self.envelopeKey = envelopeKey
        self.access = access
    }
}

extension SessionRecord {
    /// Encrypts the content-key message of `prepared` (`Spec/envelope.md`, "Content key
    /// message") for this record's peer. Commit the returned record and message with the outbox
    /// entry before sealing and sending.
    public func encrypt(_ prepared: PreparedContent, now: UInt64, randomness: inout some RatchetRandomness) throws(SessionError) -> Sent {
        var plaintext = ContentKeyMessage.plaintext(for: prepared)
        defer { _ = SecretBytes(wiping: &plaintext) }
        return try encrypt(plaintext, now: now, randomness: &randomness)
    }
}

/// Seals envelopes (`Spec/envelope.md`, "Sealing").
///
/// A message to n devices is one ``EnvelopeUpload``: the content once, and per device an HPKE
/// part carrying the sender certificate and that device's inner session message. The parts are
/// sealed with HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, to the
/// device's envelope key, with
/// ```
/// info = "sealpost/envelope/v1" ‖ 0x01 ‖ recipient account id ‖ u32 recipient device id ‖ u32 envelope key id
/// ad   = 0x01 ‖ envelope id ‖ SHA-256(c)
/// ```
public enum EnvelopeSealer {
    static let infoLabel = Array("sealpost/envelope/v1".utf8)

    /// HPKE's `info` for a part to `address`, sealed to envelope key `keyID`.
    package static func info(_ address: DeviceAddress, keyID: UInt32) -> [UInt8] {
        var writer = ByteWriter(capacity: infoLabel.count + 1 + AccountID.byteCount + 8)
        writer.raw(infoLabel)
        writer.u8(SealedEnvelope.version)
        writer.raw(address.accountID.rawRepresentation)
        writer.u32(address.deviceID.value)
        writer.u32(keyID)
        return writer.bytes
    }

    /// The AEAD's associated data of a part.
    package static func associatedData(_ envelopeID: EnvelopeID, contentHash: [UInt8]) -> [UInt8] {
        [SealedEnvelope.version] + envelopeID.rawRepresentation + contentHash
    }

    /// Seals `prepared` to every recipient, each with the session message that carries its
    /// content key (from ``SessionRecord/encrypt(_:now:randomness:)-(PreparedContent,_,_)``).
    /// - Throws: ``EnvelopeError/invalidInput(_:)`` for no recipients, too many, a device named
    ///   twice, or a session message too long for a part.
    public static func seal(
        _ prepared: PreparedContent, messages: [(recipient: EnvelopeRecipient, message: SessionMessage)], certificate: SenderCertificate
    ) throws(EnvelopeError) -> EnvelopeUpload {
        var entries: [EnvelopeUpload.Recipient] = []
        entries.reserveCapacity(messages.count)
        for (recipient, message) in messages {
            entries.append(try sealPart(prepared, message: message, to: recipient, certificate: certificate, ephemeral: .generate()))
        }
        do {
            return try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: entries)
        } catch {
            throw .invalidInput("\(error)")
        }
    }

    /// One recipient's entry, with a given HPKE ephemeral key (`package` access: vectors pass a
    /// recorded one).
    package static func sealPart(
        _ prepared: PreparedContent, message: SessionMessage, to recipient: EnvelopeRecipient, certificate: SenderCertificate,
        ephemeral: X25519.PrivateKey
    ) throws(EnvelopeError) -> EnvelopeUpload.Recipient {
        let part: EnvelopePart
        do { part = try EnvelopePart(senderCertificate: certificate, sessionMessage: message.serialized()) } catch { throw .invalidInput("\(error)") }
        var sender: HPKE.Sender
        do {
            sender = try HPKE.Sender(
                recipientKey: recipient.envelopeKey.key, info: info(recipient.address, keyID: recipient.envelopeKey.id), ephemeral: ephemeral)
        } catch {
            // Only a low-order key fails here, and a verified envelope key is never one in practice.
            throw .invalidInput("the envelope key is not usable: \(error)")
        }
        let sealed: [UInt8]
        do {
            sealed = try sender.seal(part.padded(), authenticating: associatedData(prepared.envelopeID, contentHash: prepared.contentHash))
        } catch {
            throw .invalidInput("\(error)")
        }
        do {
            return try EnvelopeUpload.Recipient(
                accountID: recipient.address.accountID, deviceID: recipient.address.deviceID, access: recipient.access,
                envelopeKeyID: recipient.envelopeKey.id, encapsulatedKey: sender.encapsulatedKey, sealedPart: sealed)
        } catch {
            throw .invalidInput("\(error)")
        }
    }
}
