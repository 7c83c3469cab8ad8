import Foundation
import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire
@_spi(Testing) @testable import SealpostVault

/// A crash: everything in memory is lost; what the vaults committed and the relay stored stays.
struct Crash: Error {}

/// One party: its identity and keys (kept outside the vault here: the crash points are in the
/// conversation, after the session exists), and its vault on disk.
final class Party {
    let name: String
    let account = AccountID.random()
    let accountKey = Ed25519.PrivateKey.generate()
    let deviceKey = Ed25519.PrivateKey.generate()
    let identity: DeviceIdentity
    let list: DeviceList
    var prekeys = PrekeyStore()
    var envelopeKeys = EnvelopeKeyStore()
    let path: String
    var vault: Vault
    let now: UInt64

    init(_ name: String, folder: URL, now: UInt64) throws {
        self.name = name
        self.now = now
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: account, deviceID: try DeviceID(1), deviceKey: deviceKey.publicKey, createdAt: now)
        identity = try DeviceIdentity(accountID: account, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        list = try DeviceList.sign(accountKey: accountKey, accountID: account, listVersion: 1, issuedAt: now, devices: [.init(deviceID: try DeviceID(1), deviceKey: deviceKey.publicKey)], revoked: [])
        _ = prekeys.maintain(now: now, identity: identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        envelopeKeys.confirmPublished(id: envelopeKeys.maintain(now: now, identity: identity).publish!.id, now: now)
        path = folder.appendingPathComponent("\(name).sqlite").path
        vault = try Vault.create(at: path, passphrase: name, parameters: .fastTest)
    }

    var address: DeviceAddress { DeviceAddress(accountID: account, deviceID: identity.deviceID) }
    var peer: PeerIdentity { PeerIdentity(accountID: account, accountKey: accountKey.publicKey, deviceID: identity.deviceID, deviceKey: deviceKey.publicKey) }

    /// After a crash: a new process opens the vault again.
    func restart() throws {
        try? vault.close()
        vault = try Vault.open(at: path, passphrase: name)
    }
}

/// The relay, reduced to mailboxes with sequence numbers and acknowledgements.
final class MemoryRelay {
    var mailboxes: [DeviceAddress: [MailboxDelivery]] = [:]
    var next: UInt64 = 1
    func upload(_ upload: EnvelopeUpload, at time: UInt64) {
        for (recipient, envelope) in upload.split() {
            mailboxes[recipient.address, default: []].append(MailboxDelivery(sequence: next, receivedAt: time, envelope: envelope))
            next += 1
        }
    }
    func acknowledge(_ address: DeviceAddress, _ sequence: UInt64) { mailboxes[address]?.removeAll { $0.sequence == sequence } }
}

/// Runs a conversation with a crash before step `crashAt` (every step counts one), then recovers
/// and finishes it.
struct Conversation {
    let alice: Party, bob: Party
    let relay = MemoryRelay()
    let root = Ed25519.PrivateKey.generate(), server = Ed25519.PrivateKey.generate()
    var trust: OperatorTrust
    var step = 0
    let crashAt: Int?
    var random = SystemRatchetRandomness()

    init(folder: URL, crashAt: Int?) throws {
        let now: UInt64 = 1_790_000_000
        alice = try Party("alice", folder: folder, now: now)
        bob = try Party("bob", folder: folder, now: now)
        self.crashAt = crashAt
        trust = OperatorTrust(rootKey: root.publicKey)
        try trust.add(ServerCertificate.issue(rootKey: root, keyID: 1, serverKey: server.publicKey, notBefore: now - 100, notAfter: now + 100_000))
        // Bob's prekeys are in his vault; Alice will start the session with her first message.
        let bobPrekeys = bob.prekeys
        try bob.vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.putPrekeyStore(bobPrekeys) }
    }

    /// The bundle the relay would hand out for `party`, from its committed prekey store.
    func bundle(of party: Party) throws -> PrekeyBundle {
        let store = try #require(try party.vault.prekeyStore())
        return PrekeyBundle(
            certificate: party.identity.certificate, signedPrekey: store.signedPrekey(id: store.currentSignedPrekeyID!)!.published,
            kemPrekey: store.kemPrekey(id: store.oneTimeKEMPrekeyIDs.first ?? store.currentLastResortKEMPrekeyID!)!.published,
            oneTimePrekey: store.oneTimePrekeyIDs.first.map { store.oneTimePrekey(id: $0)!.published })
    }

    /// The session `sender` holds with `recipient`, started from the recipient's bundle if none.
    mutating func session(of sender: Party, with recipient: Party) throws -> SessionRecord {
        if let record = try sender.vault.session(for: recipient.address) { return record }
        var handshakeRandomness = SystemHandshakeRandomness()
        let initiated = try Handshake.initiate(
            identity: sender.identity, accountID: recipient.account, accountKey: recipient.accountKey.publicKey, deviceList: recipient.list,
            bundle: try bundle(of: recipient), pinned: nil, now: sender.now, randomness: &handshakeRandomness)
        var record = SessionRecord()
        record.promote(try SessionState(initiator: initiated, randomness: &random))
        return record
    }

    mutating func tick() throws {
        defer { step += 1 }
        if step == crashAt { throw Crash() }
    }

    func certificate(_ party: Party) -> SenderCertificate {
        SenderCertificate.issue(serverKey: server, serverKeyID: 1, accountID: party.account, deviceID: party.identity.deviceID, deviceKey: party.deviceKey.publicKey, expires: party.now + 3_600)
    }

    /// The user sends `text`, unless it is already committed (a crash after the commit).
    mutating func send(_ text: String, from sender: Party, to recipient: Party) throws {
        let committed = try sender.vault.history(with: recipient.account).contains { $0.body == Array(text.utf8) }
            || sender.vault.outbox().contains { $0.entry.body == Array(text.utf8) }
        if !committed {
            try tick()
            let prepared = try PreparedContent(Array(text.utf8), envelopeID: .random())
            let record = try session(of: sender, with: recipient)
            let sent = try record.encrypt(prepared, now: sender.now, randomness: &random)
            _ = try sender.vault.write { (tx: inout VaultTransaction) throws(VaultError) in
                try tx.commitSending(sent.record, entry: OutboxEntry(recipient: recipient.address, message: sent.message, content: prepared, body: Array(text.utf8), createdAt: sender.now))
            }
        }
        try flush(sender, to: recipient)
    }

    /// Uploads every outbox entry (re-sealed: a fresh envelope, same id and message), then moves it
    /// to the history.
    mutating func flush(_ sender: Party, to recipient: Party) throws {
        for (id, entry) in try sender.vault.outbox() {
            try tick()
            let target = try EnvelopeRecipient(peer: recipient.peer, envelopeKey: recipient.envelopeKeys.record(id: recipient.envelopeKeys.currentID!)!.published, fetchedAt: sender.now, access: .none, now: sender.now)
            relay.upload(try EnvelopeSealer.seal(entry.content, messages: [(target, entry.message)], certificate: certificate(sender)), at: sender.now)
            try tick()
            try sender.vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.commitSent(id, at: sender.now) }
        }
    }

    /// Receives every waiting envelope: open, decrypt, commit, then acknowledge.
    mutating func receive(_ party: Party, from sender: Party) throws {
        for delivery in relay.mailboxes[party.address] ?? [] {
            try tick()
            let unverified = try EnvelopeOpener.open(delivery, recipient: party.address, envelopeKeys: party.envelopeKeys, trust: trust, now: party.now)
            let record = try party.vault.session(for: unverified.claimedSender) ?? SessionRecord()
            let prekeys = try party.vault.prekeyStore() ?? PrekeyStore()
            let vault = party.vault
            do {
                let opened = try unverified.decrypt(
                    record: record, identity: party.identity, prekeys: prekeys, initiatorDeviceList: sender.list, pinned: nil,
                    alreadyProcessed: { key in (try? vault.isProcessed(key)) ?? false },
                    now: party.now, randomness: &random)
                try tick()
                try party.vault.write { (tx: inout VaultTransaction) throws(VaultError) in try tx.commitReceived(opened, from: unverified.claimedSender, now: delivery.receivedAt) }
            } catch EnvelopeError.session(.duplicate) {
                // Committed before a crash, not yet acknowledged: acknowledge it now.
            }
            try tick()
            relay.acknowledge(party.address, delivery.sequence)
        }
    }

    /// The script, written against durable state so that it can be run again after a crash.
    mutating func script() throws {
        for text in ["a1", "a2", "a3"] { try send(text, from: alice, to: bob) }
        try receive(bob, from: alice)
        for text in ["b1", "b2"] { try send(text, from: bob, to: alice) }
        try receive(alice, from: bob)
        try send("a4", from: alice, to: bob)
        try receive(bob, from: alice)
    }

    /// Runs the script; on the crash, both parties restart from their vaults, recover, and the
    /// script runs to its end.
    mutating func run() throws {
        do {
            try script()
        } catch is Crash {
            try alice.restart()
            try bob.restart()
            try flush(alice, to: bob)
            try flush(bob, to: alice)
            try script()
        }
    }
}

@Suite("Vault crash safety")
struct CrashInjectionTests {
    /// A crash between every pair of steps of sending and receiving: no message lost, none shown
    /// twice, no key used twice (a reused key would make the recipient refuse a new message as a
    /// duplicate, and lose it).
    @Test func aCrashAtAnyStepLosesNothingAndRepeatsNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sealpost-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func run(crashAt: Int?, in name: String) throws -> Conversation {
            let sub = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            var conversation = try Conversation(folder: sub, crashAt: crashAt)
            try conversation.run()
            try check(conversation, label: crashAt.map { "crash before step \($0)" } ?? "no crash")
            return conversation
        }
        // The number of steps of an undisturbed run, then a crash before each of them.
        let total = try run(crashAt: nil, in: "clean").step
        #expect(total > 20)
        for crashAt in 0..<total { _ = try run(crashAt: crashAt, in: "crash-\(crashAt)") }
    }

    func check(_ conversation: Conversation, label: String = "no crash") throws {
        let bobSees = try conversation.bob.vault.history(with: conversation.alice.account).filter { !$0.outgoing }.map { String(decoding: $0.body, as: UTF8.self) }
        let aliceSees = try conversation.alice.vault.history(with: conversation.bob.account).filter { !$0.outgoing }.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bobSees == ["a1", "a2", "a3", "a4"], "\(label): Bob saw \(bobSees)")
        #expect(aliceSees == ["b1", "b2"], "\(label): Alice saw \(aliceSees)")
        #expect(try conversation.alice.vault.outbox().isEmpty, "\(label): Alice's outbox not empty")
        #expect(try conversation.bob.vault.outbox().isEmpty, "\(label): Bob's outbox not empty")
        let left = conversation.relay.mailboxes.values.reduce(0) { $0 + $1.count }
        #expect(left == 0, "\(label): mail left at the relay")
    }
}
