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
        abstract: "Run a relay on loopback, create two users, exchange messages (one to an offline device), and show what everyone saw.")

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
        await alice.close()
        await bob.close()
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
