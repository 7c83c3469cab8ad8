import SealpostCrypto
import SealpostProtocol
import SealpostVault
import SealpostWire

/// A new device asking to be linked to an account (`Spec/devices.md`, "Provisioning"): it shows
/// ``code`` (text or QR), waits for an existing device of the account to answer, shows the short
/// authentication string to compare, and receives what it needs over the end-to-end channel.
///
/// ```swift
/// let request = try DeviceLinkRequest(endpoint: relay)
/// show(request.code.text)
/// let sas = try await request.awaitAnswer()        // show it: the other device shows the same
/// let client = try await request.finish(vault: vault) { offer in await userConfirms(offer) }
/// ```
///
/// Both users confirm: the existing device's before it sends the account key, the new device's
/// before it joins the account the package names — whoever saw the code could have answered it.
///
/// The new device's private keys never leave it: it sends its device *public* key, and the
/// existing device sends back the certificate, the device list that adds it and the account
/// archive (account key, contacts, and the history if its user chose).
public actor DeviceLinkRequest {
    /// What the new device shows.
    public nonisolated let code: ProvisioningCode
    let endpoint: RelayEndpoint
    let api: RelayAPI
    let ephemeral: X25519.PrivateKey
    let deviceKey = Ed25519.PrivateKey.generate()
    var channel: ProvisioningChannel?
    let clock: @Sendable () -> UInt64

    /// A request through the relay at `endpoint`, with a fresh channel, ephemeral key and secret.
    public init(endpoint: RelayEndpoint, clock: @escaping @Sendable () -> UInt64 = SealpostClient.systemClock) throws(ClientError) {
        let ephemeral = X25519.PrivateKey.generate()
        do {
            code = try ProvisioningCode(
                channel: SecureRandom.bytes(count: ProvisioningCode.channelByteCount), publicKey: ephemeral.publicKey,
                secret: .random(count: ProvisioningCode.secretByteCount), relayURL: endpoint.url)
        } catch {
            throw .provisioning(error)
        }
        self.ephemeral = ephemeral
        self.endpoint = endpoint
        self.api = RelayAPI(endpoint: endpoint)
        self.clock = clock
    }

    /// Waits for the existing device's answer, then sends this device's request.
    /// - Returns: The short authentication string to show (`123 456`): the user compares it with
    ///   the one the existing device shows, and confirms there.
    public func awaitAnswer(timeout: Duration = .seconds(600)) async throws(ClientError) -> String {
        let answer = try await api.awaitProvisioning(channel: code.channel, slot: 1, deadline: .now + timeout)
        let channel: ProvisioningChannel
        do { channel = try ProvisioningChannel.accept(answer, code: code, ephemeral: ephemeral) } catch { throw .provisioning(error) }
        self.channel = channel
        try await api.putProvisioning(channel: code.channel, slot: 2, body: channel.sealRequest(deviceKey: deviceKey.publicKey))
        return channel.shortAuthenticationString
    }

    /// What the new device asks its user to confirm before it joins: the six digits the other
    /// device shows, and the account it would join.
    public struct Offer: Sendable {
        /// The short authentication string (`123 456`).
        public let shortAuthenticationString: String
        /// The account.
        public let accountID: AccountID
        /// Its user name, or empty.
        public let userName: String
        /// How many contacts and messages come with it.
        public let contacts: Int, messages: Int
    }

    /// Waits for the link package, shows what it offers through `confirm` — which returns
    /// whether the user saw the same digits on the other device and wants this account — and
    /// registers this device into `vault` (empty): the account key, certificate and device list
    /// from the package; the contacts and history of its archive; the operator's root checked
    /// against the archive's pinned fingerprint. Returns the new device's client.
    /// - Throws: ``ClientError/linkRejected`` when the user declines (nothing is stored).
    public func finish(
        vault: Vault, timeout: Duration = .seconds(600), confirm: @Sendable (Offer) async -> Bool
    ) async throws(ClientError) -> SealpostClient {
        guard let channel else { throw .invalidData("awaitAnswer() comes first") }
        guard try inVault({ () throws(VaultError) in try vault.identity() }) == nil else { throw .alreadyRegistered }
        let sealed = try await api.awaitProvisioning(channel: code.channel, slot: 3, deadline: .now + timeout)
        let plain: SecretBytes
        do { plain = try channel.openPackage(sealed) } catch { throw .provisioning(error) }
        let package = try inVault { () throws(VaultError) in try LinkPackage(serialized: plain) }
        guard package.certificate.deviceKey == deviceKey.publicKey else { throw .invalidData("the certificate is not for this device's key") }
        let archive = package.archive
        let offer = Offer(
            shortAuthenticationString: channel.shortAuthenticationString, accountID: archive.accountID, userName: archive.userName,
            contacts: archive.contacts.count, messages: archive.messages.count)
        guard await confirm(offer) else { throw .linkRejected }
        let info = try await api.operatorInfo()
        do { _ = try OperatorTrust(rootKey: info.rootKey, fingerprint: archive.rootFingerprint) } catch { throw .untrustedOperator("\(error)") }
        let identity = try checked("identity") {
            try DeviceIdentity(accountID: archive.accountID, accountKey: archive.accountKey.publicKey, certificate: package.certificate, deviceKey: deviceKey)
        }
        let stored = try inVault { () throws(VaultError) in try StoredIdentity(identity: identity, accountKey: archive.accountKey) }
        let endpoint = RelayEndpoint(url: endpoint.url, origin: archive.relayOrigin)
        let profile = ClientProfile(
            endpoint: endpoint, rootFingerprint: archive.rootFingerprint, operatorInfo: info, credential: .random(count: 32), accessSecret: archive.accessSecret,
            userName: archive.userName)
        try SealpostClient.commitNewDevice(stored, profile: profile, list: package.deviceList, archive: archive, to: vault)
        do {
            return try await SealpostClient.registerCommitted(
                stored, vault: vault, profile: profile, list: package.deviceList, api: api, now: clock(), claiming: nil, clock: clock)
        } catch {
            // Another list of that version was stored first (a device added or removed meanwhile):
            // this device's list can never be registered.
            if error.relayCode == "deviceListConflict" { throw .linkOutdated }
            throw error
        }
    }
}

extension SealpostClient {
    /// Links the new device showing `code` to this account (`Spec/devices.md`, "Provisioning"):
    /// answers on the code's channel, shows the short authentication string through `confirm`
    /// — which returns whether the user saw the same digits on the new device — and only then
    /// certifies the new device's key, signs the device list one version newer with it, and
    /// sends the new device the account archive (the history too if `includeHistory`).
    ///
    /// The new device registers itself with that list; this device's pin of its own account
    /// follows on its next directory read. Contacts see a `devicesChanged` notice and their
    /// safety number does not change (the account key is the same).
    /// - Returns: The new device's id.
    /// - Throws: ``ClientError/linkRejected`` when `confirm` says the strings differ (nothing
    ///   was sent); ``ClientError/linkTimedOut``; ``ClientError/provisioning(_:)``.
    public func addDevice(
        code: ProvisioningCode, includeHistory: Bool = false, timeout: Duration = .seconds(300), confirm: @Sendable (String) async -> Bool
    ) async throws(ClientError) -> DeviceID {
        guard stored.accountKey != nil else { throw .invalidData("this device does not hold the account key") }
        // Only through this account's relay: a code cannot send this device elsewhere.
        guard RelayEndpoint(url: code.relayURL).url == profile.endpoint.url else {
            throw .invalidData("the new device uses the relay at \(code.relayURL.printable); link it through this account's relay, \(profile.endpoint.url)")
        }
        let relay = api
        let answer: (message: [UInt8], channel: ProvisioningChannel)
        do { answer = try ProvisioningChannel.answer(code) } catch { throw .provisioning(error) }
        do {
            try await relay.putProvisioning(channel: code.channel, slot: 1, body: answer.message)
        } catch {
            // The slot is written once: someone else answered this code first.
            if case .relay(409, _, _, _) = error { throw .linkCodeTaken }
            throw error
        }
        guard await confirm(answer.channel.shortAuthenticationString) else { throw .linkRejected }
        let request = try await relay.awaitProvisioning(channel: code.channel, slot: 2, deadline: .now + timeout)
        let newKey: Ed25519.PublicKey
        do { newKey = try answer.channel.openRequest(request) } catch { throw .provisioning(error) }
        let package = try await serialized { () async throws(ClientError) in try await linkPackage(for: newKey, includeHistory: includeHistory) }
        let sealed: [UInt8]
        do { sealed = try answer.channel.sealPackage(package.serialized()) } catch { throw .provisioning(error) }
        try await relay.putProvisioning(channel: code.channel, slot: 3, body: sealed)
        directory[address.accountID] = nil
        verifiedAnswers[address.accountID] = nil
        return package.certificate.deviceID
    }

    /// The certificate, the list one version newer and the archive for a new device's key.
    func linkPackage(for newKey: Ed25519.PublicKey, includeHistory: Bool) async throws(ClientError) -> LinkPackage {
        guard let accountKey = stored.accountKey else { throw .invalidData("this device does not hold the account key") }
        let now = clock()
        let account = address.accountID
        let current = try await trustedDevices(of: account, now: now, refresh: true)
        guard !current.deviceList.devices.contains(where: { $0.deviceKey == newKey }) else { throw .invalidData("this device key is already listed") }
        let id = try Self.nextDeviceID(after: current.deviceList)
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: account, deviceID: id, deviceKey: newKey, createdAt: now)
        let list = try checked("device list") {
            try DeviceList.sign(
                accountKey: accountKey, accountID: account, listVersion: current.deviceList.listVersion + 1, issuedAt: now,
                devices: current.deviceList.devices + [DeviceList.Entry(deviceID: id, deviceKey: newKey)], revoked: current.deviceList.revoked)
        }
        // The newest messages that fit in the channel's package with room for the rest.
        let archive = try archive(now: now, includeHistory: includeHistory, historyBytes: ProvisioningChannel.maximumPackageBytes - (512 << 10))
        return LinkPackage(certificate: certificate, deviceList: list, archive: archive)
    }

    /// This account's archive (`Spec/devices.md`, "Account archive").
    func archive(now: UInt64, includeHistory: Bool, historyBytes: Int = .max) throws(ClientError) -> AccountArchive {
        guard let accountKey = stored.accountKey else { throw .invalidData("this device does not hold the account key") }
        return try inVault { () throws(VaultError) in
            try vault.archive(
                accountKey: accountKey, accessSecret: profile.accessSecret, userName: profile.userName, relayURL: profile.endpoint.url,
                relayOrigin: profile.endpoint.origin, rootFingerprint: profile.rootFingerprint, now: now, includeHistory: includeHistory,
                historyBytes: historyBytes)
        }
    }
}
