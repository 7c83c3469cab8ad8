import SealpostCrypto

/// A sealed upload to one or more devices: the content once, and one sealed part per recipient
/// device (`Spec/envelope.md`, "Upload"). The relay splits it into per-device ``SealedEnvelope``s
/// that look exactly like single-recipient ones; a single-recipient upload is the case n = 1.
///
/// ```
/// u8 version = 0x01 ‖ envelope id (16) ‖ lp32 content ‖ u16 n (1 … maximumRecipients)
/// n × ( account id (16) ‖ u32 device id ‖ u8 access (0x00 none, 0x01 key) ‖ [access key (16)]
///       ‖ u32 envelope key id ‖ enc (32) ‖ lp16 sealed part )
/// ```
/// No (account, device) appears twice.
public struct EnvelopeUpload: Sendable {
    /// The format version this build writes and reads.
    public static let version: UInt8 = 1
    /// The most recipient devices one upload may name (a large group's devices).
    public static let maximumRecipients = 1_024

    /// One recipient device's entry.
    public struct Recipient: Sendable {
        /// The recipient's account.
        public let accountID: AccountID
        /// The recipient device.
        public let deviceID: DeviceID
        /// Both: the mailbox the relay stores the envelope in.
        public var address: DeviceAddress { DeviceAddress(accountID: accountID, deviceID: deviceID) }
        /// The sender's proof that it may write to this account.
        public let access: DeliveryAccess
        /// The id of the device's envelope key the part was sealed to.
        public let envelopeKeyID: UInt32
        /// HPKE's encapsulated key.
        public let encapsulatedKey: [UInt8]
        /// The HPKE ciphertext of the padded part.
        public let sealedPart: [UInt8]

        /// An entry from its fields, with the lengths checked as parsing would.
        public init(
            accountID: AccountID, deviceID: DeviceID, access: DeliveryAccess, envelopeKeyID: UInt32, encapsulatedKey: [UInt8], sealedPart: [UInt8]
        ) throws(WireError) {
            guard encapsulatedKey.count == HPKE.encapsulatedKeyByteCount else {
                throw .invalidValue(field: "encapsulated key", reason: "must be \(HPKE.encapsulatedKeyByteCount) bytes")
            }
            try SealedEnvelope.checkPart(sealedPart.count)
            self.accountID = accountID
            self.deviceID = deviceID
            self.access = access
            self.envelopeKeyID = envelopeKeyID
            self.encapsulatedKey = encapsulatedKey
            self.sealedPart = sealedPart
        }
    }

    /// The envelope id, the same for every recipient.
    public let envelopeID: EnvelopeID
    /// The content, once.
    public let content: [UInt8]
    /// The recipient devices, in the sender's order.
    public let recipients: [Recipient]

    /// An upload from its parts.
    /// - Throws: ``WireError`` for no recipients, too many, a device named twice, or a content
    ///   field that is not a padded size.
    public init(envelopeID: EnvelopeID, content: [UInt8], recipients: [Recipient]) throws(WireError) {
        guard !recipients.isEmpty else { throw .invalidValue(field: "recipients", reason: "an upload names at least one device") }
        guard recipients.count <= Self.maximumRecipients else {
            throw .countOutOfBounds(field: "recipients", maximum: Self.maximumRecipients, got: recipients.count)
        }
        try SealedEnvelope.checkContent(content.count)
        var seen = Set<DeviceAddress>()
        for recipient in recipients {
            guard seen.insert(recipient.address).inserted else {
                throw .invalidValue(field: "recipients", reason: "device \(recipient.deviceID) of account \(recipient.accountID) is named twice")
            }
        }
        self.envelopeID = envelopeID
        self.content = content
        self.recipients = recipients
    }

    /// The per-device envelopes the relay stores, in recipient order.
    public func split() -> [(recipient: Recipient, envelope: SealedEnvelope)] {
        recipients.map { recipient in
            // Every length was checked when the upload and its entries were built or parsed.
            let envelope = SealedEnvelope(
                checked: envelopeID, envelopeKeyID: recipient.envelopeKeyID, encapsulatedKey: recipient.encapsulatedKey,
                sealedPart: recipient.sealedPart, content: content)
            return (recipient, envelope)
        }
    }

    /// The encoding.
    public func serialized() -> [UInt8] {
        let perRecipient = recipients.reduce(0) { $0 + AccountID.byteCount + 4 + 1 + DeliveryAccessKey.byteCount + 4 + 32 + 2 + $1.sealedPart.count }
        var writer = ByteWriter(capacity: 1 + EnvelopeID.byteCount + 4 + content.count + 2 + perRecipient)
        writer.u8(Self.version)
        writer.raw(envelopeID.rawRepresentation)
        writer.lp32(content)
        writer.u16(UInt16(recipients.count))
        for recipient in recipients {
            writer.raw(recipient.accountID.rawRepresentation)
            writer.u32(recipient.deviceID.value)
            switch recipient.access {
            case .none:
                writer.u8(0)
            case .key(let key):
                writer.u8(1)
                key.rawRepresentation.withUnsafeBytes { writer.raw($0) }
            }
            writer.u32(recipient.envelopeKeyID)
            writer.raw(recipient.encapsulatedKey)
            writer.lp16(recipient.sealedPart)
        }
        return writer.bytes
    }

    /// Parses the encoding strictly.
    public init(serialized bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes, structure: "envelope upload")
        try reader.version(Self.version)
        let id = try EnvelopeID.read(from: &reader)
        let content = try reader.lp32("content", maximum: SealedEnvelope.maximumContentFieldBytes)
        let count = Int(try reader.u16())
        guard count <= Self.maximumRecipients else { throw .countOutOfBounds(field: "recipients", maximum: Self.maximumRecipients, got: count) }
        var recipients: [Recipient] = []
        recipients.reserveCapacity(count)
        for _ in 0..<count {
            let account = try AccountID.read(from: &reader)
            let device = try DeviceID.read(from: &reader)
            let access: DeliveryAccess
            switch try reader.u8() {
            case 0: access = .none
            case 1:
                var keyBytes = try reader.raw(DeliveryAccessKey.byteCount)
                access = .key(try DeliveryAccessKey(SecretBytes(wiping: &keyBytes)))
            case let type: throw .unknownType(field: "delivery access", type: type)
            }
            let keyID = try reader.u32()
            let enc = try reader.raw(HPKE.encapsulatedKeyByteCount)
            let part = try reader.lp16("sealed part", maximum: SealedEnvelope.maximumSealedPartBytes)
            recipients.append(try Recipient(accountID: account, deviceID: device, access: access, envelopeKeyID: keyID, encapsulatedKey: enc, sealedPart: part))
        }
        try reader.finish()
        try self.init(envelopeID: id, content: content, recipients: recipients)
    }
}
