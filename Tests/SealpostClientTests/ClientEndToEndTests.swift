import Foundation
import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostTestSupport
import SealpostWire
@_spi(Testing) import SealpostVault
@testable import SealpostClient

/// A user's device for these tests: a vault in a temporary folder, registered at the relay.
struct TestDevice {
    let name: String
    let path: String
    var client: SealpostClient

    static func register(_ name: String, at relay: RelayProcess, folder: URL) async throws -> TestDevice {
        let path = folder.appendingPathComponent("\(name).vault").path
        let vault = try Vault.create(at: path, passphrase: name, parameters: .fastTest)
        let client = try await SealpostClient.register(
            vault: vault, endpoint: RelayEndpoint(url: relay.url, origin: RelayProcess.origin), rootFingerprint: relay.rootFingerprint, userName: name)
        return TestDevice(name: name, path: path, client: client)
    }

    /// A crash and restart: the client and its vault are dropped, and opened again from the file.
    mutating func restart() async throws {
        await client.close()
        try client.vault.close()
        client = try await SealpostClient.open(vault: try Vault.open(at: path, passphrase: name))
    }
}

func texts(_ events: [ClientEvent]) -> [String] {
    events.compactMap { event in
        guard case .message(let message) = event, case .text(let text) = message.content.body else { return nil }
        return text
    }
}

/// A relay process and two registered users, Alice and Bob, in a temporary folder; the relay
/// stops and the folder goes when the value is released.
final class TwoUsers: @unchecked Sendable {
    let folder: URL
    let relay: RelayProcess
    let alice: TestDevice
    let bob: TestDevice

    private init(folder: URL, relay: RelayProcess, alice: TestDevice, bob: TestDevice) {
        (self.folder, self.relay, self.alice, self.bob) = (folder, relay, alice, bob)
    }

    static func start() async throws -> TwoUsers {
        let folder = try temporaryFolder()
        let relay = try RelayProcess(data: folder.appendingPathComponent("relay"))
        let alice = try await TestDevice.register("alice", at: relay, folder: folder)
        let bob = try await TestDevice.register("bob", at: relay, folder: folder)
        return TwoUsers(folder: folder, relay: relay, alice: alice, bob: bob)
    }

    deinit {
        relay.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-client-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

@Suite("Client end to end", .serialized)
struct ClientEndToEndTests {
    /// Alice writes to Bob while he is offline; he receives, his receipt reaches her, he answers;
    /// both histories hold the conversation and both outboxes are empty.
    @Test(.timeLimit(.minutes(2))) func twoUsersTalkThroughARealRelay() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (alice, bob) = (world.alice, world.bob)
        let bobAccount = await bob.client.address.accountID, aliceAccount = await alice.client.address.accountID

        let first = try await alice.client.send(text: "hello bob", to: "bob")
        try await alice.client.send(text: "are you there?", to: "bob")
        let received = try await bob.client.receivePending()
        #expect(texts(received) == ["hello bob", "are you there?"])
        #expect(received.contains { if case .newContact(let account, _) = $0 { account == aliceAccount } else { false } })

        try await bob.client.send(.text("yes"), to: aliceAccount)
        let answers = try await alice.client.receivePending()
        #expect(texts(answers) == ["yes"])
        let receipts = answers.compactMap { event -> [MessageID]? in
            guard case .message(let message) = event, case .deliveryReceipt(let ids) = message.content.body else { return nil }
            return ids
        }
        #expect(receipts.flatMap { $0 }.contains(first))

        // Both keep the conversation; Bob learned Alice's access secret, so his sends prove access.
        let aliceHistory = try await alice.client.history(with: bobAccount).compactMap { entry -> String? in
            if case .text(let text)? = entry.content?.body { return text } else { return nil }
        }
        #expect(aliceHistory == ["hello bob", "are you there?", "yes"])
        // Receipts mark the messages they name, and are not items of their own.
        #expect(try await alice.client.history(with: bobAccount).map(\.delivered) == [true, true, false])
        #expect(try await bob.client.contact(aliceAccount)?.accessSecret != nil)
        #expect(try alice.client.vault.outbox().isEmpty && bob.client.vault.outbox().isEmpty)
        // Nothing waits at the relay any more (receipts answered and acknowledged).
        _ = try await bob.client.receivePending()
        #expect(try await bob.client.receivePending().isEmpty)
        await alice.client.close()
        await bob.client.close()
    }

    /// Two users with two devices each: a message reaches every device of the recipient, the
    /// sender's other device learns it from a sync transcript, and receipts reach every device of
    /// the sender.
    @Test(.timeLimit(.minutes(2))) func twoUsersWithTwoDevicesEachSeeTheSameConversation() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, alice1) = (world.folder, world.alice)
        let bob1 = world.bob
        let alice2 = try await alice1.client.linkDevice(vault: try Vault.create(at: folder.appendingPathComponent("alice2.vault").path, passphrase: "a2", parameters: .fastTest))
        let bob2 = try await bob1.client.linkDevice(vault: try Vault.create(at: folder.appendingPathComponent("bob2.vault").path, passphrase: "b2", parameters: .fastTest))
        let aliceAccount = await alice1.client.address.accountID, bobAccount = await bob1.client.address.accountID
        #expect(await alice2.address.deviceID.value == 2)
        #expect(try await alice1.client.ownDevices().count == 2)

        let id = try await alice1.client.send(text: "to both of your devices", to: "bob")
        #expect(texts(try await bob1.client.receivePending()) == ["to both of your devices"])
        #expect(texts(try await bob2.receivePending()) == ["to both of your devices"])
        // Alice's other device shows what she sent, as sent.
        _ = try await alice2.receivePending()
        let mirrored = try await alice2.history(with: bobAccount)
        #expect(mirrored.count == 1 && mirrored.first?.entry.outgoing == true && mirrored.first?.content?.messageID == id)

        // Bob answers from his second device; all of Alice's devices get it, his first a transcript.
        try await bob2.send(.text("answered from my laptop"), to: aliceAccount)
        let onAlice1 = try await alice1.client.receivePending(), onAlice2 = try await alice2.receivePending()
        #expect(texts(onAlice1) == ["answered from my laptop"] && texts(onAlice2) == ["answered from my laptop"])
        _ = try await bob1.client.receivePending()
        #expect(try await bob1.client.history(with: aliceAccount).map(\.entry.outgoing) == [false, true])
        // One history entry per message, however many devices it went to.
        #expect(try await alice1.client.history(with: bobAccount).count == 2)
        #expect(try await bob2.history(with: aliceAccount).count == 2)
        // Receipts from both of Bob's devices reached both of Alice's.
        #expect(try await alice1.client.history(with: bobAccount).first?.delivered == true)
        #expect(try await alice2.history(with: bobAccount).first?.delivered == true)
        for client in [alice1.client, alice2, bob1.client, bob2] { await client.close() }
    }

    /// A device removed by another device of its account receives nothing more: the relay
    /// deleted its mailbox and credential, and senders drop it after a stale-device answer.
    @Test(.timeLimit(.minutes(2))) func aRemovedDeviceReceivesNothing() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, alice1) = (world.folder, world.alice)
        let bob = world.bob
        let alice2 = try await alice1.client.linkDevice(vault: try Vault.create(at: folder.appendingPathComponent("alice2.vault").path, passphrase: "a2", parameters: .fastTest))
        let aliceAccount = await alice1.client.address.accountID
        try await bob.client.send(text: "to both", to: "alice")
        #expect(texts(try await alice2.receivePending()) == ["to both"])
        #expect(texts(try await alice1.client.receivePending()) == ["to both"])

        try await alice1.client.removeDevice(try DeviceID(2))
        #expect(try await alice1.client.ownDevices().map(\.deviceID.value) == [1])
        try await bob.client.send(.text("after the removal"), to: aliceAccount)
        #expect(texts(try await alice1.client.receivePending()) == ["after the removal"])
        await #expect(throws: ClientError.self) { try await alice2.receivePending() }
        let notices = await bob.client.takeNotices()
        #expect(notices.contains { if case .devicesChanged(_, let devices) = $0 { devices.map(\.value) == [1] } else { false } }, "\(notices)")
        for client in [alice1.client, alice2, bob.client] { await client.close() }
    }

    /// Bob loses his session with Alice (as after restoring an old copy): her next message does
    /// not decrypt, his client reports it in a new session, hers checks the report against her
    /// resend log and resends the message there, under its original envelope id.
    @Test(.timeLimit(.minutes(2))) func aLostSessionIsReportedAndTheMessageResent() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (alice, bob) = (world.alice, world.bob)
        let aliceAddress = await alice.client.address
        try await alice.client.send(text: "one", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["one"])
        try await bob.client.send(.text("got it"), to: aliceAddress.accountID)
        #expect(texts(try await alice.client.receivePending()) == ["got it"])

        try bob.client.vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.deleteSession(for: aliceAddress) }
        try await alice.client.send(text: "two", to: "bob")
        let failed = try await bob.client.receivePending()
        #expect(texts(failed).isEmpty && failed.contains { if case .undecryptable = $0 { true } else { false } })
        // Alice gets the report (not shown as a message) and resends.
        #expect(texts(try await alice.client.receivePending()).isEmpty)
        #expect(texts(try await bob.client.receivePending()) == ["two"])
        // The conversation goes on in the new session, both ways.
        try await alice.client.send(text: "three", to: "bob")
        try await bob.client.send(.text("four"), to: aliceAddress.accountID)
        #expect(texts(try await bob.client.receivePending()) == ["three"])
        #expect(texts(try await alice.client.receivePending()) == ["four"])
        let history = try await bob.client.history(with: aliceAddress.accountID).compactMap { item -> String? in
            if case .text(let text)? = item.content?.body { text } else { nil }
        }
        // In commit order: Bob sent "four" before he received "three".
        #expect(history == ["one", "got it", "two", "four", "three"])
        // Alice's history has the resent message once.
        let sent = try await alice.client.history(with: await bob.client.address.accountID).compactMap { item -> String? in
            if case .text(let text)? = item.content?.body { text } else { nil }
        }
        #expect(sent == ["one", "got it", "two", "three", "four"])
        await alice.client.close()
        await bob.client.close()
    }

    /// Alice loses her only device and restores her account from the recovery key she wrote
    /// down: a new device (the lost one removed), the same account key — Bob's safety number does
    /// not change — and the conversation continues through fresh handshakes both ways.
    @Test(.timeLimit(.minutes(2))) func anAccountIsRestoredFromItsRecoveryKeyOnANewDevice() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, relay, alice, bob) = (world.folder, world.relay, world.alice, world.bob)
        let aliceAccount = await alice.client.address.accountID, bobAccount = await bob.client.address.accountID
        let written = try await alice.client.recoveryKey().text
        try await alice.client.send(text: "before", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["before"])
        let numberBefore = try await bob.client.safetyNumber(for: aliceAccount)

        let restored = try await SealpostClient.restore(
            vault: try Vault.create(at: folder.appendingPathComponent("alice-new.vault").path, passphrase: "new", parameters: .fastTest),
            endpoint: RelayEndpoint(url: relay.url, origin: RelayProcess.origin), rootFingerprint: relay.rootFingerprint,
            recoveryKey: try RecoveryKey(text: written), userName: "alice", removingOtherDevices: true)
        #expect(await restored.address.accountID == aliceAccount)
        #expect(try await restored.ownDevices().map(\.deviceID.value) == [2])
        // The lost device is gone from the relay.
        await #expect(throws: ClientError.self) { try await alice.client.receivePending() }

        try await bob.client.send(.text("after the restore"), to: aliceAccount)
        #expect(texts(try await restored.receivePending()) == ["after the restore"])
        try await restored.send(text: "hello from my new phone", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["hello from my new phone"])
        #expect(try await bob.client.safetyNumber(for: aliceAccount).digits == numberBefore.digits)
        #expect(try await bob.client.contact(aliceAccount)?.pin.accountKey == (try await restored.recoveryKey()).accountKey.publicKey)
        _ = bobAccount
        for client in [alice.client, restored, bob.client] { await client.close() }
    }

    /// A send while the relay is down stays in the outbox and goes out, re-sealed under the same
    /// envelope id, once the relay is back; a listening device gets it live over the WebSocket.
    @Test(.timeLimit(.minutes(2))) func theOutboxRetriesAndListenReceivesLive() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var relay = try RelayProcess(data: folder.appendingPathComponent("relay"))
        defer { relay.stop() }
        let alice = try await TestDevice.register("alice", at: relay, folder: folder)
        let bob = try await TestDevice.register("bob", at: relay, folder: folder)
        try await alice.client.send(text: "before", to: "bob")
        let port = relay.port
        relay.stop()
        await #expect(throws: ClientError.self) { try await alice.client.send(text: "while the relay is down", to: "bob") }
        #expect(try alice.client.vault.outbox().count == 1)
        relay = try RelayProcess(data: folder.appendingPathComponent("relay"), arguments: ["--listen", "127.0.0.1:\(port)"])

        let received = ReceivedEvents()
        let listener = Task { await bob.client.listen { event in received.add(event) } }
        defer { listener.cancel() }
        #expect(try await alice.client.flushOutbox() == 1)
        #expect(try alice.client.vault.outbox().isEmpty)
        let deadline = ContinuousClock.now + .seconds(20)
        while texts(received.all).count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(texts(received.all) == ["before", "while the relay is down"])
        listener.cancel()
        _ = await listener.value
        await alice.client.close()
        await bob.client.close()
    }

    /// Sends and receives started at once on one client share its sessions one at a time: no
    /// message key is used twice and nothing fails to decrypt — here at the hardest moment, when
    /// Bob starts a session with Alice (fetching her bundle) while receiving the first messages of
    /// the session she started (fetching her device list).
    @Test(.timeLimit(.minutes(2))) func concurrentSendsAndReceivesKeepOneSessionState() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (alice, bob) = (world.alice, world.bob)
        let aliceAccount = await alice.client.address.accountID
        for index in 0..<3 { try await alice.client.send(text: "from alice \(index)", to: "bob") }
        let client = bob.client
        let onBob = try await withThrowingTaskGroup(of: [ClientEvent].self) { group in
            for index in 0..<3 { group.addTask { _ = try await client.send(.text("from bob \(index)"), to: aliceAccount); return [] } }
            group.addTask { try await client.receivePending() }
            var events: [ClientEvent] = []
            for try await batch in group { events += batch }
            return events
        }
        #expect(Set(texts(onBob)) == Set((0..<3).map { "from alice \($0)" }))
        // Both sides keep talking in whatever sessions they settled on.
        let onAlice = try await alice.client.receivePending()
        #expect(Set(texts(onAlice)) == Set((0..<3).map { "from bob \($0)" }))
        try await alice.client.send(text: "after the race", to: "bob")
        try await bob.client.send(.text("after the race too"), to: aliceAccount)
        let later = try await bob.client.receivePending() + (try await alice.client.receivePending())
        #expect(texts(later).sorted() == ["after the race", "after the race too"])
        #expect(!(onBob + onAlice + later).contains { if case .undecryptable = $0 { true } else { false } })
        await alice.client.close()
        await bob.client.close()
    }

    /// Bob commits a message and crashes before acknowledging it: after a restart the relay
    /// delivers it again, and he neither loses it nor shows it twice.
    @Test(.timeLimit(.minutes(2))) func aClientKilledMidReceiveLosesNothingAndShowsNothingTwice() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder.appendingPathComponent("relay"))
        defer { relay.stop() }
        let alice = try await TestDevice.register("alice", at: relay, folder: folder)
        var bob = try await TestDevice.register("bob", at: relay, folder: folder)
        let aliceAccount = await alice.client.address.accountID
        for text in ["one", "two", "three"] { try await alice.client.send(text: text, to: "bob") }

        // Bob processes (commits) the first two, and crashes before acknowledging either.
        let waiting = try await bob.client.api.pending(after: 0, authorization: await bob.client.authorization)
        #expect(waiting.count == 3)
        for delivery in waiting.prefix(2) { _ = try await bob.client.process(delivery) }
        try await bob.restart()
        let events = try await bob.client.receivePending()
        #expect(texts(events) == ["three"])
        let history = try await bob.client.history(with: aliceAccount).compactMap { entry -> String? in
            if case .text(let text)? = entry.content?.body { return text } else { return nil }
        }
        #expect(history == ["one", "two", "three"])
        // The session continues: Bob answers, Alice reads it.
        try await bob.client.send(.text("got all three"), to: aliceAccount)
        #expect(texts(try await alice.client.receivePending()) == ["got all three"])
        await alice.client.close()
        await bob.client.close()
    }

    /// A verified contact whose account key no longer matches blocks sending until the user
    /// accepts the change; an unverified one does not.
    @Test(.timeLimit(.minutes(2))) func aChangedKeyOfAVerifiedContactBlocksSending() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (alice, bob) = (world.alice, world.bob)
        let bobAccount = await bob.client.address.accountID
        try await alice.client.send(text: "hi", to: "bob")
        try await alice.client.markVerified(bobAccount)
        let number = try await alice.client.safetyNumber(for: bobAccount)
        #expect(number.digits.count == 60)
        #expect(try await alice.client.contact(bobAccount)?.isVerified == true)

        // What Alice pinned is no longer what the relay serves (a relay in the middle, or a
        // re-registered account): simulated by pinning another key.
        try alice.client.vault.write { (tx: inout VaultTransaction) throws(VaultError) in
            guard var contact = try tx.contact(for: bobAccount) else { return }
            let other = Ed25519.PrivateKey.generate().publicKey
            contact.pin = AccountPin(accountID: bobAccount, accountKey: other, deviceListVersion: 1, deviceListDigest: [UInt8](repeating: 0, count: 32))
            contact.deviceList = nil
            contact.verifiedAccountKey = other
            try tx.putContact(contact)
        }
        await #expect(throws: ClientError.self) { try await alice.client.send(text: "secret", to: "bob") }
        #expect(try alice.client.vault.outbox().isEmpty)
        #expect(await alice.client.takeNotices().contains { if case .keyChanged(_, true) = $0 { true } else { false } })
        // The changed key is stored, so the safety number shown is the new one — Bob's.
        let aliceAccount = await alice.client.address.accountID
        let expected = SafetyNumber(
            localAccountID: aliceAccount, localAccountKey: await alice.client.stored.identity.accountKey,
            remoteAccountID: bobAccount, remoteAccountKey: await bob.client.stored.identity.accountKey)
        #expect(try await alice.client.safetyNumber(for: bobAccount).digits == expected.digits)
        await #expect(throws: ClientError.self) { try await alice.client.send(text: "still blocked", to: "bob") }
        try await alice.client.acceptKeyChange(for: bobAccount)
        try await alice.client.send(text: "after accepting", to: "bob")
        #expect(try await alice.client.contact(bobAccount)?.isVerified == false)
        #expect(texts(try await bob.client.receivePending()) == ["hi", "after accepting"])
        await alice.client.close()
        await bob.client.close()
    }
}

/// Events handed out of a listener.
final class ReceivedEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ClientEvent] = []
    func add(_ event: ClientEvent) { lock.withLock { events.append(event) } }
    var all: [ClientEvent] { lock.withLock { events } }
}
