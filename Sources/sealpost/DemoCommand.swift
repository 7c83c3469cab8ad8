import ArgumentParser
import Foundation
import SealpostClient
import SealpostCrypto
import SealpostRelay
import SealpostVault
import SealpostWire

/// `sealpost demo`: a relay embedded on loopback, two users, and what each side — and the relay —
/// saw.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", 
        abstract: "Run a relay on loopback, create two users, exchange messages (one to an offline device), show what everyone saw; then restore a backup on a new device and link another by code.")

    @Option(help: "Keep the relay's data and the two vaults in this folder (default: a temporary folder, deleted after).")
    var folder: String?

    @Flag(help: "Write JSON lines instead of text.") var json = false

    func run() async throws {
        let output = Output(json: json)
        let base = folder.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { if folder == nil { try? FileManager.default.removeItem(at: base) } }

        let relay = try await EmbeddedRelay.start(folder: base.appendingPathComponent("relay-data"))
        output.emit("1. A relay on \(relay.url) (SQLite in \(base.path)/relay-data), development operator root \(relay.rootFingerprint)",
                    ["step": "relay", "url": relay.url, "root": relay.rootFingerprint])
        do {
            try await demo(relay: relay, base: base, output: output)
        } catch {
            await relay.stop()
            throw error
        }
        await relay.stop()
    }

    func demo(relay: EmbeddedRelay, base: URL, output: Output) async throws {
        let endpoint = RelayEndpoint(url: relay.url, origin: EmbeddedRelay.origin)
        output.progress("   creating two vaults (Argon2id, 64 MiB each) and registering …")
        var clients: [String: SealpostClient] = [:]
        for name in ["alice", "bob"] {
            let vault = try Vault.create(at: base.appendingPathComponent("\(name).vault").path, passphrase: "demo passphrase of \(name)")
            clients[name] = try await SealpostClient.register(vault: vault, endpoint: endpoint, rootFingerprint: relay.rootFingerprint, userName: name)
        }
        let alice = clients["alice"]!, bob = clients["bob"]!
        let aliceAddress = await alice.address, bobAddress = await bob.address
        output.emit("2. Registered alice (account \(aliceAddress.accountID)) and bob (account \(bobAddress.accountID)), one device each; each vault holds its keys",
                    ["step": "registered", "alice": "\(aliceAddress.accountID)", "bob": "\(bobAddress.accountID)"])

        let texts = ["Hi Bob! This travels sealed: the relay cannot see that it is from me.", "You are offline, so it waits in your mailbox."]
        for text in texts { try await alice.send(text: text, to: "bob") }
        output.emit("3. alice sends \(texts.count) messages to bob, who is offline", ["step": "sent", "count": texts.count])

        let stored = try await relay.service.pending(for: bobAddress, after: 0, limit: 100)
        output.emit("4. What the relay stored for bob's device (mailbox \(bobAddress.accountID).\(bobAddress.deviceID)):", ["step": "relay-view"])
        for envelope in stored {
            let head = Hex.encode(Array(envelope.envelope.prefix(12)))
            output.emit(
                "   #\(envelope.sequence)  received \(Output.time(envelope.receivedAt))  \(envelope.envelope.count) bytes of ciphertext  (\(head)…)  sender: not stored, not known",
                ["sequence": envelope.sequence, "bytes": envelope.envelope.count, "receivedAt": envelope.receivedAt])
        }
        let plaintextVisible = stored.contains { envelope in texts.contains { text in Self.contains(envelope.envelope, Array(text.utf8.prefix(16))) } }
        output.emit("   any plaintext in what the relay holds: \(plaintextVisible ? "YES (a bug)" : "no"); the sizes are padded buckets, not message lengths",
                    ["plaintextVisible": plaintextVisible])

        try await bob.addContact(named: "alice")
        output.emit("5. bob adds alice as a contact by user name (pinning her account key), comes online and receives:", ["step": "bob-receives"])
        for event in try await bob.receivePending() { EventPrinter(output: output).print(event) }
        try await bob.send(.text("Got both. Replying sealed too."), to: aliceAddress.accountID)
        output.emit("6. bob replies; alice receives (with bob's delivery receipt):", ["step": "alice-receives"])
        for event in try await alice.receivePending() { EventPrinter(output: output).print(event) }
        _ = try await bob.receivePending()  // alice's receipt of the reply

        let aliceNumber = try await alice.safetyNumber(for: bobAddress.accountID), bobNumber = try await bob.safetyNumber(for: aliceAddress.accountID)
        output.emit("7. Safety numbers: alice sees \(aliceNumber.digits.prefix(20))…, bob sees \(bobNumber.digits.prefix(20))… — \(aliceNumber.digits == bobNumber.digits ? "equal" : "DIFFERENT")",
                    ["step": "safety-number", "equal": aliceNumber.digits == bobNumber.digits])

        output.emit("8. Side by side, from each vault:", ["step": "histories"])
        let left = try await alice.history(with: bobAddress.accountID).map(HistoryCommand.line(peer: "bob"))
        let right = try await bob.history(with: aliceAddress.accountID).map(HistoryCommand.line(peer: "alice"))
        let width = min(80, (left.map(\.count).max() ?? 0) + 2)
        output.emit("   " + "alice's vault".padding(toLength: width, withPad: " ", startingAt: 0) + " | bob's vault", ["alice": left, "bob": right])
        for row in 0..<max(left.count, right.count) {
            let l = row < left.count ? String(left[row].prefix(width)) : ""
            output.emit("   " + l.padding(toLength: width, withPad: " ", startingAt: 0) + " | " + (row < right.count ? right[row] : ""), [:])
        }
        let remaining = try await relay.service.pending(for: bobAddress, after: 0, limit: 100).count + (try await relay.service.pending(for: aliceAddress, after: 0, limit: 100).count)
        output.emit("9. Envelopes left at the relay after acknowledgements: \(remaining)", ["step": "done", "remaining": remaining])
        try await devices(alice: alice, bob: bob, relay: relay, base: base, output: output)
    }

    /// Devices and recovery: bob restores an encrypted backup on a new phone (never a clone: no
    /// ratchet rolls back) and the conversation goes on by itself; alice links a laptop by code.
    func devices(alice: SealpostClient, bob: SealpostClient, relay: EmbeddedRelay, base: URL, output: Output) async throws {
        let aliceAccount = await alice.address.accountID, bobAccount = await bob.address.accountID
        let numberBefore = try await alice.safetyNumber(for: bobAccount)
        let backup = try await bob.exportBackup(key: .recoveryKey(try await bob.recoveryKey()))
        await bob.close()
        output.emit(
            "10. bob exports an encrypted backup (\(backup.count) bytes, under his recovery key: account key, contacts, history — no session, no prekey), then loses his phone",
            ["step": "backup", "bytes": backup.count])
        let archive = try SealpostClient.readBackup(backup, key: .recoveryKey(try await bob.recoveryKey()))
        let phone = try await SealpostClient.restore(
            vault: try Vault.create(at: base.appendingPathComponent("bob-new-phone.vault").path, passphrase: "demo passphrase of bob's new phone"),
            backup: archive, removingOtherDevices: true)
        let phoneAddress = await phone.address
        output.emit(
            "11. bob restores it on a new phone: device \(phoneAddress.deviceID) of his account (the lost device \(await bob.address.deviceID) is removed), \(archive.contacts.count) contacts, \(archive.messages.count) history entries (messages and receipts)",
            ["step": "restored", "device": Int(phoneAddress.deviceID.value)])
        try await alice.send(.text("Welcome back, new phone."), to: bobAccount)
        let arrived = try await phone.receivePending()
        for event in arrived { EventPrinter(output: output).print(event) }
        try await phone.send(.text("Restored from a backup, nothing to re-verify."), to: aliceAccount)
        for event in try await alice.receivePending() { EventPrinter(output: output).print(event) }
        let numberAfter = try await alice.safetyNumber(for: bobAccount)
        output.emit(
            "    a fresh handshake each way, no user action; alice's safety number for bob: \(numberAfter.digits == numberBefore.digits ? "unchanged" : "CHANGED")",
            ["step": "continued", "safetyNumberUnchanged": numberAfter.digits == numberBefore.digits])

        let request = try DeviceLinkRequest(endpoint: RelayEndpoint(url: relay.url))
        let code = request.code
        let shownOnPhone = Digits()
        let adding = Task { try await alice.addDevice(code: code, includeHistory: true) { sas in await shownOnPhone.set(sas); return true } }
        let shownOnLaptop = try await request.awaitAnswer()
        let laptop = try await request.finish(
            vault: try Vault.create(at: base.appendingPathComponent("alice-laptop.vault").path, passphrase: "demo passphrase of alice's laptop")
        ) { offer in offer.shortAuthenticationString == shownOnLaptop }
        let laptopID = try await adding.value
        let matched = await shownOnPhone.value == shownOnLaptop
        output.emit(
            "12. alice links a laptop: it shows \(code.text.prefix(26))…, her phone reads it, both show \(shownOnLaptop) (\(matched ? "the same" : "DIFFERENT")); the laptop is device \(laptopID), with her contacts and history",
            ["step": "linked", "device": Int(laptopID.value), "sasMatched": matched])
        try await phone.send(.text("To both of your devices."), to: aliceAccount)
        for event in try await laptop.receivePending() { EventPrinter(output: output).print(event) }
        _ = try await alice.receivePending()
        for client in [alice, phone, laptop] { await client.close() }
    }

    /// The digits the existing device showed, across tasks.
    actor Digits {
        var value: String?
        func set(_ shown: String) { value = shown }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
