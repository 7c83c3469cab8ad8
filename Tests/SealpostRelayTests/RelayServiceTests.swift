import Foundation
import Testing
import SealpostCrypto
import SealpostProtocol
@testable import SealpostRelay
import SealpostWire

/// A relay service over temporary stores, and a client-side device that talks to it.
struct RelayFixture {
    let folder: URL
    let service: RelayService
    let now: UInt64 = 1_790_000_000

    init() throws {
        folder = try temporaryDirectory()
        let keys = try OperatorKeys.load(directory: folder.appendingPathComponent("operator"), development: true, now: now)
        service = RelayService(
            directory: try DirectoryStore(path: folder.appendingPathComponent("directory.sqlite").path),
            mailboxes: try SQLiteMailboxStore(path: folder.appendingPathComponent("mailboxes.sqlite").path),
            operatorKeys: keys, origin: "http://127.0.0.1:8787")
    }

    /// A registered account with `devices` devices, each with a credential and an envelope key.
    func account(devices count: Int = 1) async throws -> RelayAccount {
        try await Self.account(devices: count, service: service, now: now)
    }

    static func account(devices count: Int, service: RelayService, now: UInt64) async throws -> RelayAccount {
        let accountKey = Ed25519.PrivateKey.generate()
        let reply = try await service.registerAccount(AccountRegistration(accountKey: accountKey.publicKey).serialized(), now: now)
        let accountID = try AccountID(rawRepresentation: Array(reply.dropFirst()))
        var account = RelayAccount(accountID: accountID, accountKey: accountKey, devices: [])
        for index in 1...count { try await account.addDevice(try DeviceID(UInt32(index)), service: service, now: now) }
        return account
    }
}

struct RelayDevice {
    let deviceKey: Ed25519.PrivateKey
    let certificate: DeviceCertificate
    var credential = SecretBytes.random(count: 32)
    var envelopeKeys = EnvelopeKeyStore()
    var address: DeviceAddress { DeviceAddress(accountID: certificate.accountID, deviceID: certificate.deviceID) }
    var authorization: String {
        "Sealpost \(certificate.accountID).\(certificate.deviceID).\(credential.withUnsafeBytes { Hex.encode($0) })"
    }
}

struct RelayAccount {
    let accountID: AccountID
    let accountKey: Ed25519.PrivateKey
    var devices: [RelayDevice]
    var listVersion: UInt64 = 0

    mutating func addDevice(_ id: DeviceID, fixture: RelayFixture) async throws {
        try await addDevice(id, service: fixture.service, now: fixture.now)
    }

    mutating func addDevice(_ id: DeviceID, service: RelayService, now: UInt64) async throws {
        let key = Ed25519.PrivateKey.generate()
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: accountID, deviceID: id, deviceKey: key.publicKey, createdAt: now)
        var device = RelayDevice(deviceKey: key, certificate: certificate)
        devices.append(device)
        listVersion += 1
        let list = try DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: listVersion, issuedAt: now,
            devices: devices.map { .init(deviceID: $0.certificate.deviceID, deviceKey: $0.certificate.deviceKey) }, revoked: [])
        let registration = DeviceRegistration.sign(
            deviceList: list, certificate: certificate, credential: device.credential, time: now, origin: service.origin, deviceKey: key)
        try await service.registerDevice(registration.serialized(), now: now)
        let identity = try DeviceIdentity(accountID: accountID, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: key)
        let published = try #require(device.envelopeKeys.maintain(now: now, identity: identity).publish)
        let address = try await service.authenticate(device.authorization)
        try await service.publishEnvelopeKey(published.serialized(), for: address, now: now)
        device.envelopeKeys.confirmPublished(id: published.id, now: now)
        devices[devices.count - 1] = device
    }
}

/// An upload of opaque-but-well-formed parts to the given devices (the relay never opens them).
func upload(to devices: [RelayDevice], access: DeliveryAccess, keyID: ((RelayDevice) -> UInt32)? = nil) throws -> EnvelopeUpload {
    let prepared = try PreparedContent(Array("hi".utf8), envelopeID: .random())
    let recipients = try devices.map { device in
        try EnvelopeUpload.Recipient(
            accountID: device.certificate.accountID, deviceID: device.certificate.deviceID, access: access,
            envelopeKeyID: keyID?(device) ?? device.envelopeKeys.currentID!, encapsulatedKey: [UInt8](repeating: 9, count: 32),
            sealedPart: [UInt8](repeating: 1, count: 400))
    }
    return try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: recipients)
}

@Suite("Relay service")
struct RelayServiceTests {
    @Test func aSealedUploadReachesEveryMailboxStampedAndIsAcknowledged() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account(devices: 2)
        let secret = DeliveryAccessSecret.generate()
        let key = try secret.accessKey(for: bob.accountID)
        try await relay.service.setAccess(AccessSettings(anyoneMayWrite: false, verifier: key.verifier).serialized(), for: bob.devices[0].address)
        let sent = try upload(to: bob.devices, access: .key(key))
        try await relay.service.send(sent.serialized(), now: relay.now + 5)
        for (index, device) in bob.devices.enumerated() {
            let waiting = try await relay.service.pending(for: device.address, after: 0, limit: 10)
            #expect(waiting.count == 1)
            let delivery = try MailboxDelivery(serialized: waiting[0].deliveryFrame())
            #expect(delivery.receivedAt == relay.now + 5)
            #expect(delivery.envelope == sent.split()[index].envelope)
            try await relay.service.acknowledge(Acknowledgement(sequences: [delivery.sequence]).serialized(), for: device.address)
            #expect(try await relay.service.pending(for: device.address, after: 0, limit: 10).isEmpty)
        }
    }

    @Test func anUnknownRecipientAndAWrongAccessKeyGetTheSame401() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account()
        let right = try DeliveryAccessSecret.generate().accessKey(for: bob.accountID)
        try await relay.service.setAccess(AccessSettings(anyoneMayWrite: false, verifier: right.verifier).serialized(), for: bob.devices[0].address)
        let wrong = try DeliveryAccessSecret.generate().accessKey(for: bob.accountID)
        var stranger = bob.devices[0]
        stranger = RelayDevice(deviceKey: stranger.deviceKey, certificate: DeviceCertificate.issue(
            accountKey: .generate(), accountID: .random(), deviceID: try DeviceID(1), deviceKey: stranger.deviceKey.publicKey, createdAt: relay.now),
            envelopeKeys: stranger.envelopeKeys)
        for body in [try upload(to: bob.devices, access: .key(wrong)), try upload(to: bob.devices, access: .none), try upload(to: [stranger], access: .key(right))] {
            await #expect(throws: RelayError.unauthorized) { try await relay.service.send(body.serialized(), now: relay.now) }
        }
        #expect(try await relay.service.pending(for: bob.devices[0].address, after: 0, limit: 10).isEmpty)
        // "Anyone may write" lets an upload without a key through.
        try await relay.service.setAccess(AccessSettings(anyoneMayWrite: true, verifier: right.verifier).serialized(), for: bob.devices[0].address)
        try await relay.service.send(try upload(to: bob.devices, access: .none).serialized(), now: relay.now)
    }

    @Test func aStaleDeviceSetIsRefusedWithTheListsAndSucceedsAfterCorrection() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account(devices: 2)
        try await relay.service.setAccess(AccessSettings(anyoneMayWrite: true, verifier: nil).serialized(), for: bob.devices[0].address)
        let error = await #expect(throws: RelayError.self) { try await relay.service.send(try upload(to: [bob.devices[0]], access: .none).serialized(), now: relay.now) }
        #expect(error?.status == 409 && error?.code == "staleDevices")
        let stale = try StaleDevices(serialized: try #require(error?.details))
        #expect(stale.accounts.map(\.missing) == [[bob.devices[1].certificate.deviceID]])
        let staleKey = await #expect(throws: RelayError.self) {
            try await relay.service.send(try upload(to: bob.devices, access: .none, keyID: { $0.envelopeKeys.currentID! &+ 7 }).serialized(), now: relay.now)
        }
        #expect(try StaleDevices(serialized: try #require(staleKey?.details)).accounts.first?.staleKeys.count == 2)
        try await relay.service.send(try upload(to: bob.devices, access: .none).serialized(), now: relay.now)
    }

    @Test func registrationChecksEverySignatureAndTheCredential() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account()
        let device = bob.devices[0]
        _ = try await relay.service.authenticate(device.authorization)
        let headers: [String?] = [nil, "Bearer x", String(device.authorization.dropLast()) + (device.authorization.last == "0" ? "1" : "0"), "Sealpost \(bob.accountID).2.\(String(repeating: "0", count: 64))"]
        for header in headers {
            await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate(header) }
        }
        // Another key cannot take over a registered device, even with a valid-looking list.
        let list = try DeviceList.sign(
            accountKey: .generate(), accountID: bob.accountID, listVersion: 9, issuedAt: relay.now,
            devices: [.init(deviceID: device.certificate.deviceID, deviceKey: device.certificate.deviceKey)], revoked: [])
        let forged = DeviceRegistration.sign(
            deviceList: list, certificate: device.certificate, credential: .random(count: 32), time: relay.now, origin: relay.service.origin,
            deviceKey: .generate())
        await #expect(throws: RelayError.forbidden) { try await relay.service.registerDevice(forged.serialized(), now: relay.now) }
        await #expect(throws: RelayError.self) { try await relay.service.registerDevice([1, 2, 3], now: relay.now) }
        // A sender certificate for the device verifies under the operator's chain.
        let certificate = try SenderCertificate(serialized: try await relay.service.senderCertificate(for: device.address, now: relay.now))
        var trust = OperatorTrust(rootKey: relay.service.operatorKeys.rootKey)
        try trust.add(relay.service.operatorKeys.serverCertificate)
        try trust.validate(certificate, receivedAt: relay.now, now: relay.now)
        let devices = try AccountDevices(serialized: try await relay.service.accountDevices(bob.accountID))
        #expect(devices.devices.first?.envelopeKey?.id == device.envelopeKeys.currentID)
    }

    /// Of two lists of one version, the first stored wins; the same list again is accepted.
    @Test func anotherListOfTheStoredVersionIsRefused() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account()
        let device = bob.devices[0]
        let current = try AccountDevices(serialized: try await relay.service.accountDevices(bob.accountID)).deviceList
        func register(_ list: DeviceList) async throws {
            let registration = DeviceRegistration.sign(
                deviceList: list, certificate: device.certificate, credential: .random(count: 32), time: relay.now, origin: relay.service.origin,
                deviceKey: device.deviceKey)
            try await relay.service.registerDevice(registration.serialized(), now: relay.now)
        }
        func list(revoking: UInt32) throws -> DeviceList {
            try DeviceList.sign(
                accountKey: bob.accountKey, accountID: bob.accountID, listVersion: current.listVersion + 1, issuedAt: relay.now, devices: current.devices,
                revoked: [try DeviceID(revoking)])
        }
        let first = try list(revoking: 7)
        try await register(first)
        try await register(first)
        await #expect(throws: RelayError.self) { try await register(try list(revoking: 8)) }
        #expect(try AccountDevices(serialized: try await relay.service.accountDevices(bob.accountID)).deviceList == first)
    }
}

@Suite("Prekey directory")
struct PrekeyDirectoryTests {
    @Test func concurrentBundleFetchesNeverShareAOneTimePrekey() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account()
        let device = bob.devices[0]
        let identity = try DeviceIdentity(accountID: bob.accountID, accountKey: bob.accountKey.publicKey, certificate: device.certificate, deviceKey: device.deviceKey)
        var store = PrekeyStore()
        let uploads = store.maintain(now: relay.now, identity: identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        let upload = try PrekeyUpload(
            signedPrekey: uploads.signedPrekey, lastResortKEMPrekey: uploads.lastResortKEMPrekey, oneTimePrekeys: uploads.oneTimePrekeys,
            oneTimeKEMPrekeys: uploads.oneTimeKEMPrekeys)
        try await relay.service.publishPrekeys(try PrekeyUpload(serialized: upload.serialized()).serialized(), for: device.address)
        #expect(try PrekeyCounts(serialized: try await relay.service.prekeyCounts(for: device.address)) == PrekeyCounts(oneTimePrekeys: 100, oneTimeKEMPrekeys: 100))
        // Republishing the same one-time ids is refused; another device's signature is refused.
        await #expect(throws: RelayError.self) { try await relay.service.publishPrekeys(upload.serialized(), for: device.address) }

        let fetches = 120
        let bundles = try await withThrowingTaskGroup(of: PrekeyBundle.self) { group in
            for _ in 0..<fetches { group.addTask { try PrekeyBundle(serialized: try await relay.service.bundle(for: device.address)) } }
            var all: [PrekeyBundle] = []
            for try await bundle in group { all.append(bundle) }
            return all
        }
        let oneTime = bundles.compactMap(\.oneTimePrekey?.id)
        #expect(oneTime.count == 100 && Set(oneTime).count == 100)
        let kem = bundles.filter { $0.kemPrekey.kind == .oneTime }.map(\.kemPrekey.id)
        #expect(kem.count == 100 && Set(kem).count == 100)
        #expect(bundles.filter { $0.kemPrekey.kind == .lastResort }.count == fetches - 100)
        #expect(try PrekeyCounts(serialized: try await relay.service.prekeyCounts(for: device.address)) == PrekeyCounts(oneTimePrekeys: 0, oneTimeKEMPrekeys: 0))
        // Handed out oldest first: the first ids uploaded went first.
        #expect(Set(oneTime) == Set(uploads.oneTimePrekeys.map(\.id)))
        // A bundle from the relay starts a real handshake.
        let alice = try await relay.account()
        let aliceIdentity = try DeviceIdentity(
            accountID: alice.accountID, accountKey: alice.accountKey.publicKey, certificate: alice.devices[0].certificate, deviceKey: alice.devices[0].deviceKey)
        let list = try DeviceList(serialized: try AccountDevices(serialized: try await relay.service.accountDevices(bob.accountID)).deviceList.serialized())
        var randomness = SystemHandshakeRandomness()
        _ = try Handshake.initiate(
            identity: aliceIdentity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: list, bundle: bundles[0], pinned: nil,
            now: relay.now, randomness: &randomness)
        await #expect(throws: RelayError.self) { try await relay.service.bundle(for: DeviceAddress(accountID: .random(), deviceID: try DeviceID(1))) }
    }
}

@Suite("User names and invites")
struct NamesAndInvitesTests {
    @Test func namesAreNormalizedUniqueAndLookedUp() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let alice = try await relay.account(), bob = try await relay.account()
        try await relay.service.setName(UserName("Alice.W").serialized(), for: alice.devices[0].address)
        #expect(try await relay.service.lookUp(name: "alice.w") == [1] + alice.accountID.rawRepresentation)
        #expect(try await relay.service.lookUp(name: "ALICE.W") == [1] + alice.accountID.rawRepresentation)
        await #expect(throws: RelayError.self) { try await relay.service.setName(UserName("alice.w").serialized(), for: bob.devices[0].address) }
        await #expect(throws: RelayError.notFound) { try await relay.service.lookUp(name: "nobody") }
        for bad in ["ab", "1abc", "ali ce", "аlice", String(repeating: "a", count: 33)] {
            #expect(throws: WireError.self) { try UserName(bad) }
        }
        // A new name replaces the old one.
        try await relay.service.setName(UserName("alice2").serialized(), for: alice.devices[0].address)
        await #expect(throws: RelayError.notFound) { try await relay.service.lookUp(name: "alice.w") }
    }

    @Test func underTheInvitePolicyACodeIsUsedOnce() async throws {
        let base = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: base.folder) }
        let service = RelayService(
            directory: base.service.directory, mailboxes: base.service.mailboxes, operatorKeys: base.service.operatorKeys, origin: base.service.origin,
            requiresInvite: true)
        let key = Ed25519.PrivateKey.generate().publicKey
        await #expect(throws: RelayError.self) { try await service.registerAccount(AccountRegistration(accountKey: key).serialized(), now: base.now) }
        let code = try await service.directory.createInvite(uses: 1, now: base.now)
        #expect(try await service.directory.invites().count == 1)
        _ = try await service.registerAccount(AccountRegistration(inviteCode: Array(code.utf8), accountKey: key).serialized(), now: base.now)
        await #expect(throws: RelayError.self) {
            try await service.registerAccount(AccountRegistration(inviteCode: Array(code.utf8), accountKey: key).serialized(), now: base.now)
        }
        let second = try await service.directory.createInvite(uses: 5, now: base.now)
        let id = try #require(try await service.directory.invites().first?.id)
        #expect(try await service.directory.revokeInvite(id: id) == 1)
        await #expect(throws: RelayError.self) {
            try await service.registerAccount(AccountRegistration(inviteCode: Array(second.utf8), accountKey: key).serialized(), now: base.now)
        }
    }
}

@Suite("Signed-challenge authentication")
struct ChallengeAuthenticationTests {
    @Test func aChallengeSignedByTheDeviceKeyAuthenticatesOnce() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account()
        let device = bob.devices[0]
        func header(key: Ed25519.PrivateKey = device.deviceKey, time: UInt64 = relay.now) -> String {
            let challenge = relay.service.challenge(now: relay.now)
            return AuthChallenge.header(
                origin: relay.service.origin, address: device.address, nonce: Array(challenge[1..<33]), time: time, deviceKey: key)
        }
        let good = header()
        #expect(try await relay.service.authenticate(good, now: relay.now) == device.address)
        await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate(good, now: relay.now) }  // used once
        await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate(header(key: .generate()), now: relay.now) }
        await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate(header(time: relay.now - 301), now: relay.now) }
        // A nonce the relay never issued.
        let forged = AuthChallenge.header(
            origin: relay.service.origin, address: device.address, nonce: [UInt8](repeating: 7, count: 32), time: relay.now, deviceKey: device.deviceKey)
        await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate(forged, now: relay.now) }
        await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate("Sealpost-Signature x.y", now: relay.now) }
        // Extreme times are refused, not an arithmetic trap.
        let extreme = "Sealpost-Signature \(bob.accountID).1.\(String(repeating: "ab", count: 32)).\(UInt64.max).\(String(repeating: "cd", count: 64))"
        await #expect(throws: RelayError.unauthorized) { try await relay.service.authenticate(extreme, now: relay.now) }
        #expect(!RelayService.within(.max, of: 0) && !RelayService.within(0, of: .max) && RelayService.within(relay.now + 300, of: relay.now))
    }
}

@Suite("Batched sealed send")
struct BatchedSendTests {
    func batch(_ uploads: [EnvelopeUpload]) -> [UInt8] {
        var writer = ByteWriter()
        writer.u8(1)
        writer.u16(UInt16(uploads.count))
        for upload in uploads { writer.lp32(upload.serialized()) }
        return writer.bytes
    }

    @Test func aBatchToOneAccountIsStoredInOrderAllOrNothing() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let bob = try await relay.account(devices: 2), carol = try await relay.account()
        for account in [bob, carol] {
            try await relay.service.setAccess(AccessSettings(anyoneMayWrite: true, verifier: nil).serialized(), for: account.devices[0].address)
        }
        let uploads = try (0..<3).map { _ in try upload(to: bob.devices, access: .none) }
        try await relay.service.sendBatch(batch(uploads), now: relay.now)
        for (index, device) in bob.devices.enumerated() {
            let stored = try await relay.service.pending(for: device.address, after: 0, limit: 10)
            #expect(stored.map(\.envelope) == uploads.map { $0.split()[index].envelope.serialized() })
        }
        // Across accounts: refused, as it would tell the relay who talks to whom.
        await #expect(throws: RelayError.self) {
            try await relay.service.sendBatch(batch([try upload(to: bob.devices, access: .none), try upload(to: carol.devices, access: .none)]), now: relay.now)
        }
        // One stale upload refuses the whole batch.
        let error = await #expect(throws: RelayError.self) {
            try await relay.service.sendBatch(batch([try upload(to: bob.devices, access: .none), try upload(to: [bob.devices[0]], access: .none)]), now: relay.now)
        }
        #expect(error?.code == "staleDevices")
        #expect(try await relay.service.pending(for: bob.devices[1].address, after: 0, limit: 10).count == 3)
    }
}

@Suite("Upload size bound")
struct UploadSizeBoundTests {
    /// Content is stored once per recipient: a request may make the relay store at most 64 MiB.
    @Test func contentTimesRecipientsIsBounded() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let prepared = try PreparedContent([UInt8](repeating: 1, count: EnvelopePadding.maximumContentBytes), envelopeID: .random())
        let recipients = try (0..<64).map { _ in
            try EnvelopeUpload.Recipient(
                accountID: .random(), deviceID: try DeviceID(1), access: .none, envelopeKeyID: 1, encapsulatedKey: [UInt8](repeating: 9, count: 32),
                sealedPart: [UInt8](repeating: 1, count: 400))
        }
        let upload = try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: recipients)
        let error = await #expect(throws: RelayError.self) { try await relay.service.send(upload.serialized(), now: relay.now) }
        #expect(error?.status == 413)
    }
}

/// A mailbox store whose mailbox removal fails until allowed: a crash between the two stores.
final class FlakyRemovalStore: MailboxStore, @unchecked Sendable {
    let base: SQLiteMailboxStore
    var failRemovals = true
    init(base: SQLiteMailboxStore) { self.base = base }
    func deposit(_ deposits: [MailboxDeposit], receivedAt: UInt64) async throws(MailboxStoreError) -> [UInt64] { try await base.deposit(deposits, receivedAt: receivedAt) }
    func pending(for address: DeviceAddress, after: UInt64, limit: Int) async throws(MailboxStoreError) -> [StoredEnvelope] { try await base.pending(for: address, after: after, limit: limit) }
    func acknowledge(_ address: DeviceAddress, sequences: [UInt64]) async throws(MailboxStoreError) -> Int { try await base.acknowledge(address, sequences: sequences) }
    func expire(receivedBefore time: UInt64) async throws(MailboxStoreError) -> Int { try await base.expire(receivedBefore: time) }
    func usage(of address: DeviceAddress) async throws(MailboxStoreError) -> MailboxUsage { try await base.usage(of: address) }
    func removeMailbox(_ address: DeviceAddress) async throws(MailboxStoreError) {
        if failRemovals { throw .storage("injected failure") }
        try await base.removeMailbox(address)
    }
}

@Suite("Device removal across the two stores")
struct DeviceRemovalTests {
    @Test func aRemovedDevicesMailboxGoesEvenAfterAFailureAndItsIDIsNotReused() async throws {
        let relay = try RelayFixture()
        defer { try? FileManager.default.removeItem(at: relay.folder) }
        let flaky = FlakyRemovalStore(base: relay.service.mailboxes as! SQLiteMailboxStore)
        let service = RelayService(directory: relay.service.directory, mailboxes: flaky, operatorKeys: relay.service.operatorKeys, origin: relay.service.origin)
        flaky.failRemovals = false
        var bob = try await RelayFixture.account(devices: 2, service: service, now: relay.now)
        try await service.setAccess(AccessSettings(anyoneMayWrite: true, verifier: nil).serialized(), for: bob.devices[0].address)
        try await service.send(try upload(to: bob.devices, access: .none).serialized(), now: relay.now)
        // A new list without device 2; removing its mailbox fails the first time.
        flaky.failRemovals = true
        bob.listVersion += 1
        let list = try DeviceList.sign(
            accountKey: bob.accountKey, accountID: bob.accountID, listVersion: bob.listVersion, issuedAt: relay.now,
            devices: [.init(deviceID: bob.devices[0].certificate.deviceID, deviceKey: bob.devices[0].certificate.deviceKey)], revoked: [])
        try await service.registerDevice(
            DeviceRegistration.sign(
                deviceList: list, certificate: bob.devices[0].certificate, credential: bob.devices[0].credential, time: relay.now, origin: service.origin,
                deviceKey: bob.devices[0].deviceKey).serialized(),
            now: relay.now)
        #expect(try await service.directory.pendingMailboxRemovals() == [bob.devices[1].address])
        #expect(try await service.pending(for: bob.devices[1].address, after: 0, limit: 10).count == 1)
        // The next pass (hourly, or at start) completes it.
        flaky.failRemovals = false
        #expect(await service.removeMailboxesOfRemovedDevices() == 1)
        #expect(try await service.directory.pendingMailboxRemovals().isEmpty)
        #expect(try await service.pending(for: bob.devices[1].address, after: 0, limit: 10).isEmpty)
        // Device id 2 is not given out again, even with a new key.
        bob.devices.removeLast()
        await #expect(throws: RelayError.self) { try await bob.addDevice(try DeviceID(2), service: service, now: relay.now) }
    }
}
