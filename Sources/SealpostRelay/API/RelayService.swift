import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The relay's behaviour, independent of HTTP (`Spec/relay.md`): every endpoint's checks, in
/// order, over the directory and the mailbox store. ``RelayServer`` maps it onto routes.
public final class RelayService: Sendable {
    /// The directory.
    public let directory: DirectoryStore
    /// The mailboxes.
    public let mailboxes: any MailboxStore
    /// The operator keys.
    public let operatorKeys: OperatorKeys
    /// The origin devices sign registrations for, e.g. `http://127.0.0.1:8787`.
    public let origin: String
    /// Whether registration needs an invite code.
    public let requiresInvite: Bool
    let notifier = MailboxNotifier()
    let challenges = ChallengeStore()
    /// The channels devices link through (`Spec/relay.md`, "Provisioning").
    public let provisioning = ProvisioningStore()
    /// The metrics `/metrics` serves.
    public let metrics = RelayMetrics()

    /// How far a registration's time may be from the relay's clock.
    public static let registrationSkew: UInt64 = 300

    /// A service over its stores.
    public init(directory: DirectoryStore, mailboxes: any MailboxStore, operatorKeys: OperatorKeys, origin: String, requiresInvite: Bool = false) {
        self.requiresInvite = requiresInvite
        self.directory = directory
        self.mailboxes = mailboxes
        self.operatorKeys = operatorKeys
        self.origin = origin
    }

    /// Whether `time` is within ``registrationSkew`` of `now`, without arithmetic that can overflow.
    static func within(_ time: UInt64, of now: UInt64) -> Bool {
        (time > now ? time - now : now - time) <= registrationSkew
    }

    static func parse<T>(_ parse: () throws(WireError) -> T) throws(RelayError) -> T {
        do { return try parse() } catch {
            // A value's reason can quote identifiers: answer with the field only.
            if case .invalidValue(let field, _) = error { throw .malformed("\(field): invalid value") }
            throw .malformed(error.description)
        }
    }

    // MARK: Registration and authentication

    /// `POST /v1/accounts`.
    public func registerAccount(_ body: [UInt8], now: UInt64) async throws(RelayError) -> [UInt8] {
        let request = try Self.parse { () throws(WireError) in try AccountRegistration(serialized: body) }
        let id = try await directory.createAccount(accountKey: request.accountKey, invite: requiresInvite ? request.inviteCode : nil, now: now)
        return [AccountRegistration.version] + id.rawRepresentation
    }

    /// `POST /v1/accounts/{id}/reset`: binds the account to a new account key with the
    /// operator's reset code (`Spec/relay.md`, "Account-key reset"); removes every device's
    /// mailbox. The body is an ``AccountRegistration`` whose code field carries the reset code.
    public func resetAccount(_ account: AccountID, _ body: [UInt8], now: UInt64) async throws(RelayError) {
        let request = try Self.parse { () throws(WireError) in try AccountRegistration(serialized: body) }
        _ = try await directory.resetAccount(account, code: request.inviteCode, accountKey: request.accountKey, now: now)
        _ = await removeMailboxesOfRemovedDevices()
    }

    /// `PUT /v1/devices`: checks the list against the account key, the certificate against the
    /// list, the device's own signature for this origin and time; removes the mailboxes of
    /// devices the new list drops. A registered device whose list revokes it is unlinking
    /// itself: the list is stored and the device removed with the others the list drops.
    public func registerDevice(_ body: [UInt8], now: UInt64) async throws(RelayError) {
        let registration = try Self.parse { () throws(WireError) in try DeviceRegistration(serialized: body) }
        guard let account = try await directory.account(registration.deviceList.accountID) else { throw .notFound }
        do {
            try registration.deviceList.verify(accountKey: account.accountKey)
            try registration.certificate.verify(accountKey: account.accountKey)
            try registration.verify(origin: origin)
        } catch {
            throw .forbidden
        }
        // A device unlinking itself: the list revokes it instead of naming it (checked against
        // its registered key in the directory's transaction).
        let leaving = registration.deviceList.device(registration.certificate.deviceID) == nil
            && registration.deviceList.revoked.contains(registration.certificate.deviceID)
        guard registration.certificate.accountID == account.accountID,
            leaving || registration.deviceList.device(registration.certificate.deviceID)?.deviceKey == registration.certificate.deviceKey
        else { throw .conflict("the device list does not name this device with this key") }
        guard Self.within(registration.time, of: now) else {
            throw .conflict("the registration's time is more than \(Self.registrationSkew) s from the relay's clock")
        }
        _ = try await directory.register(registration, leaving: leaving, verifiedUnder: account.accountKey)
        if !leaving { metrics.registrations.increment() }
        // The directory change is committed; the mailboxes of removed devices follow (retried at
        // start and hourly if this fails).
        _ = await removeMailboxesOfRemovedDevices()
    }

    /// `GET /v1/auth/challenge`: a nonce good once, for a minute.
    public func challenge(now: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 41)
        writer.u8(1)
        writer.raw(challenges.issue())
        writer.u64(now)
        return writer.bytes
    }

    /// Checks an `Authorization` header: `Sealpost <account hex>.<device>.<credential hex>`, or
    /// `Sealpost-Signature <account hex>.<device>.<nonce hex>.<time>.<signature hex>` over a
    /// challenge this relay issued (used once, time within 300 s).
    /// - Throws: ``RelayError/unauthorized`` for anything but a registered device's proof.
    public func authenticate(_ header: String?, now: UInt64 = UInt64(Date().timeIntervalSince1970)) async throws(RelayError) -> DeviceAddress {
        if let header, header.hasPrefix("Sealpost-Signature ") { return try await authenticateSignature(header, now: now) }
        guard let header, header.hasPrefix("Sealpost ") else { throw .unauthorized }
        let parts = header.dropFirst("Sealpost ".count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 32, parts[2].count == 64, let deviceNumber = UInt32(parts[1]),
            let account = try? AccountID(hex: String(parts[0])), let device = try? DeviceID(deviceNumber),
            var credential = try? Hex.decode(String(parts[2]))
        else { throw .unauthorized }
        let address = DeviceAddress(accountID: account, deviceID: device)
        guard try await directory.authenticate(address, credential: SecretBytes(wiping: &credential)) else { throw .unauthorized }
        return address
    }

    func authenticateSignature(_ header: String, now: UInt64) async throws(RelayError) -> DeviceAddress {
        let parts = header.dropFirst("Sealpost-Signature ".count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, let number = UInt32(parts[1]), let time = UInt64(parts[3]),
            let account = try? AccountID(hex: String(parts[0])), let device = try? DeviceID(number),
            let nonce = try? Hex.decode(String(parts[2])), nonce.count == AuthChallenge.nonceByteCount,
            let signatureBytes = try? Hex.decode(String(parts[4])), let signature = try? Ed25519.Signature(rawRepresentation: signatureBytes)
        else { throw .unauthorized }
        let address = DeviceAddress(accountID: account, deviceID: device)
        guard Self.within(time, of: now),
            let certificate = try await directory.account(account)?.devices[device]?.certificate,
            AuthChallenge.verify(origin: origin, address: address, nonce: nonce, time: time, signature: signature, deviceKey: certificate.deviceKey),
            challenges.consume(nonce)
        else { throw .unauthorized }
        return address
    }

    // MARK: Keys and settings

    /// `PUT /v1/keys/envelope`: a device publishes its envelope key.
    public func publishEnvelopeKey(_ body: [UInt8], for address: DeviceAddress, now: UInt64) async throws(RelayError) {
        let key = try Self.parse { () throws(WireError) in try SignedEnvelopeKey(serialized: body) }
        guard let device = try await directory.account(address.accountID)?.devices[address.deviceID] else { throw .unauthorized }
        do { try key.verify(certificate: device.certificate) } catch { throw .forbidden }
        try await directory.publish(key, for: address, now: now)
    }

    /// `PUT /v1/keys/prekeys`: a device publishes prekeys, each signature checked.
    public func publishPrekeys(_ body: [UInt8], for address: DeviceAddress) async throws(RelayError) {
        let upload = try Self.parse { () throws(WireError) in try PrekeyUpload(serialized: body) }
        guard let device = try await directory.account(address.accountID)?.devices[address.deviceID] else { throw .unauthorized }
        do { try upload.verify(deviceKey: device.certificate.deviceKey) } catch { throw .forbidden }
        try await directory.publish(upload, for: address)
    }

    /// `GET /v1/keys/counts`.
    public func prekeyCounts(for address: DeviceAddress) async throws(RelayError) -> [UInt8] {
        try await directory.prekeyCounts(for: address).serialized()
    }

    /// `GET /v1/accounts/{account}/devices/{device}/bundle`: consumes one-time prekeys.
    public func bundle(for address: DeviceAddress) async throws(RelayError) -> [UInt8] {
        let bundle = try await directory.takeBundle(for: address).serialized()
        metrics.bundles.increment()
        return bundle
    }

    /// `PUT /v1/access`: the account's delivery-access settings.
    public func setAccess(_ body: [UInt8], for address: DeviceAddress) async throws(RelayError) {
        let settings = try Self.parse { () throws(WireError) in try AccessSettings(serialized: body) }
        try await directory.setAccess(settings, for: address.accountID)
    }

    /// `PUT /v1/username`: names the device's account.
    public func setName(_ body: [UInt8], for address: DeviceAddress) async throws(RelayError) {
        let name = try Self.parse { () throws(WireError) in try UserName(serialized: body) }
        try await directory.setName(name, for: address.accountID)
    }

    /// `GET /v1/usernames/{name}`: `u8 version = 0x01 ‖ account id`.
    public func lookUp(name text: String) async throws(RelayError) -> [UInt8] {
        guard let name = try? UserName(text), let account = try await directory.lookUp(name) else { throw .notFound }
        return [UserName.version] + account.rawRepresentation
    }

    /// `GET /v1/accounts/{account}/devices`.
    public func accountDevices(_ accountID: AccountID) async throws(RelayError) -> [UInt8] {
        guard let account = try await directory.account(accountID), let list = account.deviceList else { throw .notFound }
        let devices = list.devices.compactMap { entry in
            account.devices[entry.deviceID].map { AccountDevices.Device(certificate: $0.certificate, envelopeKey: $0.envelopeKey) }
        }
        do { return try AccountDevices(accountKey: account.accountKey, deviceList: list, devices: devices).serialized() } catch { throw .unavailable }
    }

    /// `GET /v1/certificate`: a sender certificate for the authenticated device.
    public func senderCertificate(for address: DeviceAddress, now: UInt64) async throws(RelayError) -> [UInt8] {
        guard let device = try await directory.account(address.accountID)?.devices[address.deviceID] else { throw .unauthorized }
        metrics.certificates.increment()
        return operatorKeys.issue(for: device.certificate, now: now).serialized()
    }

    /// `GET /v1/operator`.
    public func operatorInfo(now: UInt64) throws(RelayError) -> [UInt8] {
        do {
            return try OperatorInfo(
                rootKey: operatorKeys.rootKey, serverCertificates: operatorKeys.servedCertificates(now: now),
                revocationList: operatorKeys.revocationList).serialized()
        } catch {
            throw .unavailable
        }
    }

    // MARK: Sealed send

    /// `POST /v1/messages`, over a connection that carries no authentication: checks access per
    /// recipient entry (an unknown account and a wrong key get the same 401), then the device sets
    /// (409 `staleDevices` with what is missing, extra or sealed to a replaced key), stamps the
    /// receipt time, stores every envelope all-or-none and durably, and wakes the recipients.
    /// - Parameter omitting: A device of the upload's one recipient account that the upload
    ///   deliberately leaves out: the sender's own device, for a sync transcript to its other
    ///   devices (`Spec/relay.md`, "Sealed send"). It reveals that device as the sender.
    public func send(_ body: [UInt8], omitting: DeviceID? = nil, now: UInt64) async throws(RelayError) {
        let upload = try Self.parse { () throws(WireError) in try EnvelopeUpload(serialized: body) }
        if let omitting {
            guard Set(upload.recipients.map(\.accountID)).count == 1, !upload.recipients.contains(where: { $0.deviceID == omitting }) else {
                throw .malformed("omit names a device of the upload's one recipient account that the upload does not name")
            }
        }
        try await store([upload], omitting: omitting, now: now)
    }

    /// The most uploads in one batch.
    public static let maximumBatch = 100

    /// `POST /v1/messages/batch`: several uploads whose recipients are all devices of **one**
    /// account (a batch across accounts would tell the relay who talks to whom), checked each as
    /// `send` checks one, stored all or none.
    /// Body: `u8 version = 0x01 ‖ u16 n (1 … 100) ‖ n × lp32(upload)`.
    public func sendBatch(_ body: [UInt8], now: UInt64) async throws(RelayError) {
        let uploads = try Self.parse { () throws(WireError) in
            var reader = ByteReader(body, structure: "upload batch")
            try reader.version(1)
            let count = Int(try reader.u16())
            guard (1...Self.maximumBatch).contains(count) else { throw .countOutOfBounds(field: "uploads", maximum: Self.maximumBatch, got: count) }
            var uploads: [EnvelopeUpload] = []
            for _ in 0..<count { uploads.append(try EnvelopeUpload(serialized: try reader.lp32("upload", maximum: RelayServer.maximumUploadBytes))) }
            try reader.finish()
            return uploads
        }
        guard Set(uploads.flatMap { $0.recipients.map(\.accountID) }).count == 1 else {
            throw .malformed("a batch names devices of one account only")
        }
        try await store(uploads, now: now)
    }

    /// The most bytes one request may make the relay store: the content is stored once per
    /// recipient device, so a request's content × recipients is bounded.
    public static let maximumStoredBytesPerRequest = 64 << 20

    /// The checks of sealed send, then one durable deposit of every envelope of `uploads`.
    func store(_ uploads: [EnvelopeUpload], omitting: DeviceID? = nil, now: UInt64) async throws(RelayError) {
        let stored = uploads.reduce(0) { $0 + $1.recipients.count * ($1.content.count + 512) }
        guard stored <= Self.maximumStoredBytesPerRequest else {
            throw RelayError(status: 413, code: "tooLarge", message: "content × recipients exceeds \(Self.maximumStoredBytesPerRequest >> 20) MiB per request")
        }
        let accounts = try await directory.accounts(uploads.flatMap { $0.recipients.map(\.accountID) })
        for entry in uploads.flatMap(\.recipients) {
            guard let account = accounts[entry.accountID] else { throw .unauthorized }
            switch entry.access {
            case .none:
                guard account.anyoneMayWrite else { throw .unauthorized }
            case .key(let key):
                guard let verifier = account.accessVerifier, verifier.admits(key) else { throw .unauthorized }
            }
        }
        var stale: [AccountID: StaleDevices.Account] = [:]
        for upload in uploads {
            for account in Set(upload.recipients.map(\.accountID)).compactMap({ accounts[$0] }) {
                let entries = upload.recipients.filter { $0.accountID == account.accountID }
                let named = Set(entries.map(\.deviceID))
                // A device that has not published an envelope key cannot be sealed to: it is not
                // missing from an upload until it has.
                let registered = Set(account.devices.filter { $0.value.envelopeKey != nil }.keys)
                let staleKeys = entries.filter { entry in
                    guard let device = account.devices[entry.deviceID] else { return false }
                    if device.envelopeKey?.id == entry.envelopeKeyID { return false }
                    if device.previousEnvelopeKeyID == entry.envelopeKeyID, let replaced = device.envelopeKeyReplacedAt,
                        now <= replaced + Limits.envelopeKeyCacheLifetime + Limits.certificateClockSkew
                    { return false }
                    return true
                }.map(\.deviceID)
                let missing = registered.subtracting(named).subtracting(omitting.map { [$0] } ?? []), extra = named.subtracting(registered)
                if !missing.isEmpty || !extra.isEmpty || !staleKeys.isEmpty {
                    stale[account.accountID] = StaleDevices.Account(
                        accountID: account.accountID, missing: missing.sorted(), extra: extra.sorted(), staleKeys: staleKeys.sorted())
                }
            }
        }
        guard stale.isEmpty else {
            throw RelayError(
                status: 409, code: "staleDevices", message: "the upload's device set or envelope keys are out of date",
                details: StaleDevices(accounts: stale.values.sorted { $0.accountID < $1.accountID }).serialized())
        }
        let deposits = uploads.flatMap { upload in
            upload.split().map { MailboxDeposit(address: $0.recipient.address, envelope: $0.envelope.serialized()) }
        }
        let sequences: [UInt64]
        do {
            sequences = try await mailboxes.deposit(deposits, receivedAt: now)
        } catch {
            if case .quotaExceeded = error { throw .mailboxFull }
            throw .unavailable
        }
        metrics.uploads.increment(by: Int64(uploads.count))
        metrics.envelopesAccepted.increment(by: Int64(deposits.count))
        notifier.notify(zip(deposits, sequences).map { deposit, sequence in
            StoredEnvelope(address: deposit.address, sequence: sequence, receivedAt: now, envelope: deposit.envelope)
        })
    }

    // MARK: Receive

    /// Waiting envelopes of a device after `after`, for the HTTP fallback and the WebSocket.
    public func pending(for address: DeviceAddress, after: UInt64, limit: Int) async throws(RelayError) -> [StoredEnvelope] {
        do { return try await mailboxes.pending(for: address, after: after, limit: min(max(limit, 1), 500)) } catch { throw .unavailable }
    }

    /// Deletes acknowledged envelopes.
    public func acknowledge(_ body: [UInt8], for address: DeviceAddress) async throws(RelayError) {
        let acknowledgement = try Self.parse { () throws(WireError) in try Acknowledgement(serialized: body) }
        do {
            metrics.envelopesAcknowledged.increment(by: Int64(try await mailboxes.acknowledge(address, sequences: acknowledgement.sequences)))
        } catch {
            throw .unavailable
        }
    }

    /// New envelopes for `address` as they are stored.
    func arrivals(for address: DeviceAddress) -> AsyncStream<[StoredEnvelope]> {
        notifier.subscribe(address)
    }

    /// Deletes the mailboxes of removed devices that are still waiting for it. Returns how many.
    public func removeMailboxesOfRemovedDevices() async -> Int {
        guard let pending = try? await directory.pendingMailboxRemovals() else { return 0 }
        var removed = 0
        for address in pending {
            do {
                try await mailboxes.removeMailbox(address)
                try await directory.completeMailboxRemoval(address)
                removed += 1
            } catch {
                continue  // left pending: the next pass retries
            }
        }
        return removed
    }

    /// Deletes mail older than the retention.
    public func expire(now: UInt64, retention: UInt64) async throws(RelayError) -> Int {
        do {
            let removed = try await mailboxes.expire(receivedBefore: now > retention ? now - retention : 0)
            metrics.expired.increment(by: Int64(removed))
            return removed
        } catch {
            throw .unavailable
        }
    }
}
