import Foundation
import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostTestSupport
import SealpostWire
@_spi(Testing) import SealpostVault
@testable import SealpostClient

func textHistory(_ items: [ConversationItem]) -> [String] {
    items.compactMap { item in if case .text(let text)? = item.content?.body { text } else { nil } }
}

/// Linking over the provisioning channel, and restoring from backups, against a real relay.
@Suite("Devices end to end", .serialized)
struct DeviceEndToEndTests {
    /// Alice links a third device from a second machine's point of view: the new device shows a
    /// code, her first device answers, both show the same six digits, the new device gets the
    /// account key, contacts and history over the channel and registers itself. Bob sees a new
    /// device under the same safety number, and the third device receives his next message.
    @Test(.timeLimit(.minutes(2))) func aThirdDeviceLinkedByCodeReceivesNewMessages() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, relay, alice1, bob) = (world.folder, world.relay, world.alice, world.bob)
        let alice2 = try await alice1.client.linkDevice(vault: try Vault.create(at: folder.appendingPathComponent("alice2.vault").path, passphrase: "a2", parameters: .fastTest))
        let aliceAccount = await alice1.client.address.accountID, bobAccount = await bob.client.address.accountID
        try await alice1.client.send(text: "before the link", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["before the link"])
        try await alice1.client.markVerified(bobAccount)
        let numberBefore = try await bob.client.safetyNumber(for: aliceAccount)

        let request = try DeviceLinkRequest(endpoint: RelayEndpoint(url: relay.url))
        let code = try ProvisioningCode(text: request.code.text.lowercased())
        let shownOnExisting = SASBox()
        async let added = alice1.client.addDevice(code: code, includeHistory: true) { sas in
            await shownOnExisting.set(sas)
            return true
        }
        let shownOnNew = try await request.awaitAnswer(timeout: .seconds(30))
        let offered = SASBox()
        let alice3 = try await request.finish(
            vault: try Vault.create(at: folder.appendingPathComponent("alice3.vault").path, passphrase: "a3", parameters: .fastTest), timeout: .seconds(30)
        ) { offer in
            await offered.set("\(offer.shortAuthenticationString) \(offer.userName) \(offer.contacts) \(offer.messages)")
            return offer.shortAuthenticationString == shownOnNew
        }
        let newID = try await added
        #expect(await shownOnExisting.value == shownOnNew)
        let offer = await offered.value
        // The sync transcript sent to the second device is not a message of its own.
        #expect(try alice1.client.vault.history(with: aliceAccount).isEmpty)
        #expect(offer == "\(shownOnNew) alice 2 1")
        #expect(shownOnNew.count == 7)
        #expect(await alice3.address == DeviceAddress(accountID: aliceAccount, deviceID: newID))
        #expect(newID.value == 3)
        #expect(try await alice1.client.ownDevices().map(\.deviceID.value) == [1, 2, 3])
        // What came over the channel: the account key, the verified contact, the history.
        #expect(try await alice3.recoveryKey().accountKey.publicKey == (try await alice1.client.recoveryKey()).accountKey.publicKey)
        #expect(try await alice3.contact(bobAccount)?.isVerified == true)
        #expect(textHistory(try await alice3.history(with: bobAccount)) == ["before the link"])

        try await bob.client.send(.text("after the link"), to: aliceAccount)
        #expect(texts(try await alice3.receivePending()) == ["after the link"])
        #expect(texts(try await alice1.client.receivePending()) == ["after the link"])
        #expect(texts(try await alice2.receivePending()) == ["after the link"])
        let notices = await bob.client.takeNotices()
        #expect(notices.contains { if case .devicesChanged(_, let devices) = $0 { devices.map(\.value) == [1, 2, 3] } else { false } }, "\(notices)")
        #expect(!notices.contains { if case .keyChanged = $0 { true } else { false } })
        #expect(try await bob.client.safetyNumber(for: aliceAccount).digits == numberBefore.digits)
        // The new device writes too; Bob's answer reaches it.
        try await alice3.send(.text("from the third device"), to: bobAccount)
        #expect(texts(try await bob.client.receivePending()) == ["from the third device"])
        for client in [alice1.client, alice2, alice3, bob.client] { await client.close() }
    }

    /// The digits differ (or the user says so): the existing device sends nothing, and the new
    /// device, waiting for the package, gives up with nothing stored.
    @Test(.timeLimit(.minutes(2))) func aRejectedComparisonSendsNothing() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, relay, alice) = (world.folder, world.relay, world.alice)
        let request = try DeviceLinkRequest(endpoint: RelayEndpoint(url: relay.url))
        let client = alice.client, code = request.code
        let added = Task { () async throws(ClientError) -> DeviceID in try await client.addDevice(code: code) { _ in false } }
        _ = try await request.awaitAnswer(timeout: .seconds(30))
        do {
            _ = try await added.value
            Issue.record("linking went on after the user said the digits differ")
        } catch ClientError.linkRejected {
        } catch {
            Issue.record("\(error)")
        }
        let vault = try Vault.create(at: folder.appendingPathComponent("alice3.vault").path, passphrase: "a3", parameters: .fastTest)
        do {
            _ = try await request.finish(vault: vault, timeout: .seconds(2)) { _ in true }
            Issue.record("linking finished without the user's confirmation")
        } catch .linkTimedOut {
        } catch {
            Issue.record("\(error)")
        }
        #expect(try vault.identity() == nil)
        #expect(try await alice.client.ownDevices().count == 1)
        await alice.client.close()
    }

    /// Alice verified Bob and exported a backup. Later messages went by; then she lost her phone.
    /// She restores the (older) backup on a new device: a new device of the account, never a
    /// clone, with her contacts, verified safety numbers and the backed-up history. The
    /// conversation continues both ways without any action by her or by Bob, and Bob's safety
    /// number for her does not change. The message Bob sent while she had no device reaches the
    /// new one, resent by his client.
    @Test(.timeLimit(.minutes(2))) func anOldBackupRestoredOnANewDeviceKeepsTalking() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, alice, bob) = (world.folder, world.alice, world.bob)
        let aliceAccount = await alice.client.address.accountID, bobAccount = await bob.client.address.accountID
        try await alice.client.send(text: "backed up", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["backed up"])
        try await bob.client.send(.text("me too"), to: aliceAccount)
        #expect(texts(try await alice.client.receivePending()) == ["me too"])
        try await alice.client.markVerified(bobAccount)
        let numberBefore = try await bob.client.safetyNumber(for: aliceAccount)
        let backup = try await alice.client.exportBackup(key: .passphrase(SecretBytes(copying: Array("correct horse".utf8))), parameters: .fastTest)

        // After the backup: more messages, in sessions the backup does not hold.
        try await alice.client.send(text: "not in the backup", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["not in the backup"])
        await alice.client.close()
        // The phone is lost: what Bob sends now waits in its mailbox, never read, never receipted.
        try await bob.client.send(.text("in the gap"), to: aliceAccount)

        let archive = try SealpostClient.readBackup(backup, key: .passphrase(SecretBytes(copying: Array("correct horse".utf8))))
        let restored = try await SealpostClient.restore(
            vault: try Vault.create(at: folder.appendingPathComponent("alice-new.vault").path, passphrase: "new", parameters: .fastTest),
            backup: archive, removingOtherDevices: true)
        #expect(await restored.address.deviceID.value == 2)
        #expect(try await restored.contact(bobAccount)?.isVerified == true)
        #expect(textHistory(try await restored.history(with: bobAccount)) == ["backed up", "me too"])

        // She adds a tablet too. Bob's next send finds both new devices; his client resends them
        // what no device of Alice's receipted (the message in the gap), and nothing she had
        // receipted — one content key per message, so both can read it.
        let tablet = try await restored.linkDevice(vault: try Vault.create(at: folder.appendingPathComponent("alice-tablet.vault").path, passphrase: "t", parameters: .fastTest))
        try await bob.client.send(.text("after the restore"), to: aliceAccount)
        #expect(Set(texts(try await restored.receivePending())) == ["after the restore", "in the gap"])
        #expect(Set(texts(try await tablet.receivePending())) == ["after the restore", "in the gap"])
        #expect(textHistory(try await restored.history(with: bobAccount)).count == 4)
        #expect(try bob.client.vault.outbox().isEmpty)
        try await restored.send(.text("hello from my new phone"), to: bobAccount)
        #expect(texts(try await bob.client.receivePending()) == ["hello from my new phone"])
        #expect(try await bob.client.safetyNumber(for: aliceAccount).digits == numberBefore.digits)
        let notices = await bob.client.takeNotices()
        #expect(!notices.contains { if case .keyChanged = $0 { true } else { false } }, "\(notices)")
        for client in [restored, tablet, bob.client] { await client.close() }
    }
}

extension DeviceEndToEndTests {
    /// Bob's client notes Alice's restored device in his vault in the transaction that moves his
    /// pin of her list; he crashes before resending; after the restart his next operation resends
    /// what no device of hers receipted, and the note is gone.
    @Test(.timeLimit(.minutes(2))) func aSenderThatCrashesBeforeResendingResendsAfterRestarting() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, alice) = (world.folder, world.alice)
        var bob = world.bob
        let aliceAccount = await alice.client.address.accountID
        try await alice.client.send(text: "before", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["before"])
        let backup = try await alice.client.exportBackup(key: .recoveryKey(try await alice.client.recoveryKey()))
        let recovery = try await alice.client.recoveryKey()
        await alice.client.close()
        try await bob.client.send(.text("in the gap"), to: aliceAccount)
        let restored = try await SealpostClient.restore(
            vault: try Vault.create(at: folder.appendingPathComponent("alice-new.vault").path, passphrase: "new", parameters: .fastTest),
            backup: try SealpostClient.readBackup(backup, key: .recoveryKey(recovery)), removingOtherDevices: true)

        try await bob.restart()
        try await bob.client.addContact(named: "alice")
        #expect(try bob.client.vault.pendingResends().map(\.added) == [[try DeviceID(2)]])
        try await bob.restart()
        _ = try await bob.client.receivePending()
        #expect(texts(try await restored.receivePending()) == ["in the gap"])
        #expect(try bob.client.vault.pendingResends().isEmpty)
        for client in [restored, bob.client] { await client.close() }
    }
}

/// The digits the existing device was shown, across tasks.
actor SASBox {
    var value: String?
    func set(_ shown: String) { value = shown }
}

@Suite("Devices end to end: unlinking and lost keys", .serialized)
struct DeviceRecoveryEndToEndTests {
    /// Someone who saw the code answers it first: the account's device is told the code is
    /// taken and sends nothing; the new device's user sees an account that is not theirs and
    /// declines, and nothing is stored.
    @Test(.timeLimit(.minutes(2))) func aCodeAnsweredBySomeoneElseIsRefusedOnBothSides() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, relay, alice, bob) = (world.folder, world.relay, world.alice, world.bob)
        let request = try DeviceLinkRequest(endpoint: RelayEndpoint(url: relay.url))
        let code = request.code, intruder = bob.client
        let answered = Task { () async throws(ClientError) -> DeviceID in try await intruder.addDevice(code: code) { _ in true } }
        _ = try await request.awaitAnswer(timeout: .seconds(30))
        do {
            _ = try await alice.client.addDevice(code: code) { _ in true }
            Issue.record("a second answer to one code was accepted")
        } catch .linkCodeTaken {
        } catch {
            Issue.record("\(error)")
        }
        let vault = try Vault.create(at: folder.appendingPathComponent("alice2.vault").path, passphrase: "a2", parameters: .fastTest)
        do {
            _ = try await request.finish(vault: vault, timeout: .seconds(30)) { offer in offer.userName == "alice" }
            Issue.record("the new device joined an account its user declined")
        } catch .linkRejected {
        } catch {
            Issue.record("\(error)")
        }
        #expect(try vault.identity() == nil)
        _ = await answered.result
        #expect(try await bob.client.ownDevices().count == 1)
        for client in [alice.client, bob.client] { await client.close() }
    }

    /// A device unlinks itself: the relay drops it, the account's other device sees the list
    /// without it, senders stop encrypting to it, and its own history stays readable.
    @Test(.timeLimit(.minutes(2))) func aDeviceUnlinksItself() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, alice1, bob) = (world.folder, world.alice, world.bob)
        let alice2 = try await alice1.client.linkDevice(vault: try Vault.create(at: folder.appendingPathComponent("alice2.vault").path, passphrase: "a2", parameters: .fastTest))
        let aliceAccount = await alice1.client.address.accountID, bobAccount = await bob.client.address.accountID
        try await bob.client.send(.text("to both"), to: aliceAccount)
        #expect(texts(try await alice2.receivePending()) == ["to both"])
        try await alice2.unlink()
        #expect(try await alice1.client.ownDevices().map(\.deviceID.value) == [1])
        try await bob.client.send(.text("after the unlink"), to: aliceAccount)
        #expect(texts(try await alice1.client.receivePending()) == ["to both", "after the unlink"])
        await #expect(throws: ClientError.self) { try await alice2.receivePending() }
        #expect(textHistory(try await alice2.history(with: bobAccount)) == ["to both"])
        // A device unlinked cannot come back under its id.
        await #expect(throws: ClientError.self) { try await alice2.unlink() }
        for client in [alice1.client, alice2, bob.client] { await client.close() }
    }

    /// Alice lost everything: every device, the recovery key, any backup. The operator issues a
    /// reset code; she binds the account to a new account key on a new device. Bob's client
    /// warns of the key change (never a silent switch): an unverified Bob can write on; had he
    /// verified her, sending would stay blocked until he accepts the change.
    @Test(.timeLimit(.minutes(2))) func aLostAccountKeyIsReplacedWithTheOperatorAndContactsAreWarned() async throws {
        let world = try await TwoUsers.start()
        defer { withExtendedLifetime(world) {} }
        let (folder, relay, alice, bob) = (world.folder, world.relay, world.alice, world.bob)
        let aliceAccount = await alice.client.address.accountID
        try await alice.client.send(text: "before", to: "bob")
        #expect(texts(try await bob.client.receivePending()) == ["before"])
        try await bob.client.markVerified(aliceAccount)
        let numberBefore = try await bob.client.safetyNumber(for: aliceAccount)
        await alice.client.close()

        let printed = try relay.operatorCommand(["accounts", "reset", "\(aliceAccount)"])
        let code = try #require(printed.split(separator: " ").last.map { String($0.filter { $0.isLetter || $0.isNumber }) })
        let endpoint = RelayEndpoint(url: relay.url, origin: RelayProcess.origin)
        // A wrong code changes nothing.
        await #expect(throws: ClientError.self) {
            try await SealpostClient.resetAccount(
                vault: try Vault.create(at: folder.appendingPathComponent("wrong.vault").path, passphrase: "w", parameters: .fastTest), endpoint: endpoint,
                rootFingerprint: relay.rootFingerprint, accountID: aliceAccount, resetCode: "not-the-code")
        }
        let reset = try await SealpostClient.resetAccount(
            vault: try Vault.create(at: folder.appendingPathComponent("alice-reset.vault").path, passphrase: "r", parameters: .fastTest), endpoint: endpoint,
            rootFingerprint: relay.rootFingerprint, accountID: aliceAccount, resetCode: code, userName: "alice")
        let resetAddress = await reset.address
        #expect(resetAddress.accountID == aliceAccount && resetAddress.deviceID.value == 2)
        // The code was good once.
        await #expect(throws: ClientError.self) {
            try await SealpostClient.resetAccount(
                vault: try Vault.create(at: folder.appendingPathComponent("again.vault").path, passphrase: "a", parameters: .fastTest), endpoint: endpoint,
                rootFingerprint: relay.rootFingerprint, accountID: aliceAccount, resetCode: code)
        }
        #expect(try await reset.lookUp("alice") == aliceAccount)
        // Called again with the same vault (as after an answer that was lost), it resumes.
        let resumed = try await SealpostClient.resetAccount(
            vault: reset.vault, endpoint: endpoint, rootFingerprint: relay.rootFingerprint, accountID: aliceAccount, resetCode: code, userName: "alice")
        #expect(await resumed.address == resetAddress)

        // Bob verified her old key: his send is blocked, with a warning, until he accepts.
        do {
            try await bob.client.send(.text("are you still you?"), to: aliceAccount)
            Issue.record("a message went to a changed key of a verified contact")
        } catch .keyChangeNotAccepted {
        } catch {
            Issue.record("\(error)")
        }
        let notices = await bob.client.takeNotices()
        #expect(notices.contains { if case .keyChanged(aliceAccount, true) = $0 { true } else { false } }, "\(notices)")
        #expect(try await bob.client.safetyNumber(for: aliceAccount).digits != numberBefore.digits)
        try await bob.client.acceptKeyChange(for: aliceAccount)
        try await bob.client.send(.text("welcome back"), to: aliceAccount)
        #expect(texts(try await reset.receivePending()) == ["welcome back"])
        let bobAccount = await bob.client.address.accountID
        try await reset.send(.text("thanks"), to: bobAccount)
        #expect(texts(try await bob.client.receivePending()) == ["thanks"])
        for client in [reset, bob.client] { await client.close() }
    }
}
