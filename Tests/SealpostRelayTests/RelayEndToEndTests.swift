import Foundation
import HTTPTypes
import Logging
import NIOCore
import Testing
import WSClient
import SealpostCrypto
import SealpostProtocol
import SealpostRelay
import SealpostWire
import SealpostTestSupport

/// A device of the end-to-end tests: everything a client keeps, talking to a real relay.
struct E2EDevice {
    let accountKey: Ed25519.PrivateKey
    let deviceKey: Ed25519.PrivateKey
    let credential = SecretBytes.random(count: 32)
    let accountID: AccountID
    let identity: DeviceIdentity
    let deviceList: DeviceList
    var prekeys = PrekeyStore()
    var envelopeKeys = EnvelopeKeyStore()
    let accessSecret = DeliveryAccessSecret.generate()

    var address: DeviceAddress { DeviceAddress(accountID: accountID, deviceID: identity.deviceID) }
    var peer: PeerIdentity {
        PeerIdentity(accountID: accountID, accountKey: accountKey.publicKey, deviceID: identity.deviceID, deviceKey: deviceKey.publicKey)
    }
    var authorization: String { "Sealpost \(accountID).\(identity.deviceID).\(credential.withUnsafeBytes { Hex.encode($0) })" }

    /// Registers an account with one device, publishes its envelope key and access settings.
    static func register(at relay: RelayProcess, now: UInt64) async throws -> E2EDevice {
        let accountKey = Ed25519.PrivateKey.generate()
        let (status, reply) = try await relay.request("POST", "/v1/accounts", body: AccountRegistration(accountKey: accountKey.publicKey).serialized())
        #expect(status == 201)
        let accountID = try AccountID(rawRepresentation: Array(reply.dropFirst()))
        let deviceKey = Ed25519.PrivateKey.generate()
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: accountID, deviceID: try DeviceID(1), deviceKey: deviceKey.publicKey, createdAt: now)
        let identity = try DeviceIdentity(accountID: accountID, accountKey: accountKey.publicKey, certificate: certificate, deviceKey: deviceKey)
        let deviceList = try DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: now,
            devices: [.init(deviceID: certificate.deviceID, deviceKey: deviceKey.publicKey)], revoked: [])
        var device = E2EDevice(accountKey: accountKey, deviceKey: deviceKey, accountID: accountID, identity: identity, deviceList: deviceList)
        let registration = DeviceRegistration.sign(
            deviceList: deviceList, certificate: certificate, credential: device.credential, time: now, origin: RelayProcess.origin, deviceKey: deviceKey)
        #expect(try await relay.request("PUT", "/v1/devices", body: registration.serialized()).status == 204)
        _ = device.prekeys.maintain(now: now, identity: identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        let key = try #require(device.envelopeKeys.maintain(now: now, identity: identity).publish)
        #expect(try await relay.request("PUT", "/v1/keys/envelope", body: key.serialized(), authorization: device.authorization).status == 204)
        device.envelopeKeys.confirmPublished(id: key.id, now: now)
        let settings = AccessSettings(anyoneMayWrite: false, verifier: try device.accessSecret.accessKey(for: accountID).verifier)
        #expect(try await relay.request("PUT", "/v1/access", body: settings.serialized(), authorization: device.authorization).status == 204)
        return device
    }
}

@Suite("Relay end to end", .serialized)
struct RelayEndToEndTests {
    let now = UInt64(Date().timeIntervalSince1970)

    /// Alice seals three messages to Bob while he is offline; Bob connects later over the
    /// WebSocket, receives them in order, opens them, acknowledges, and nothing comes back.
    @Test(.timeLimit(.minutes(2))) func offlineDeliveryOverTheWebSocket() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder)
        defer { relay.stop() }

        let info = try OperatorInfo(serialized: try await relay.request("GET", "/v1/operator").body)
        var trust = try OperatorTrust(rootKey: info.rootKey, fingerprint: OperatorTrust.fingerprint(of: info.rootKey))
        for certificate in info.serverCertificates { try trust.add(certificate) }
        let alice = try await E2EDevice.register(at: relay, now: now)
        let bob = try await E2EDevice.register(at: relay, now: now)

        // Alice: a sender certificate, Bob's devices and envelope keys, a session from his bundle.
        let certificate = try SenderCertificate(serialized: try await relay.request("GET", "/v1/certificate", authorization: alice.authorization).body)
        let directory = try AccountDevices(serialized: try await relay.request("GET", "/v1/accounts/\(bob.accountID)/devices").body)
        #expect(directory.accountKey == bob.accountKey.publicKey)
        try directory.deviceList.verify(accountKey: directory.accountKey)
        let envelopeKey = try #require(directory.devices.first?.envelopeKey)
        let recipient = try EnvelopeRecipient(peer: bob.peer, envelopeKey: envelopeKey, fetchedAt: now, access: .key(try alice.accessSecretOf(bob)), now: now)
        var handshakeRandomness = SystemHandshakeRandomness()
        var random = SystemRatchetRandomness()
        let bundle = PrekeyBundle(
            certificate: bob.identity.certificate, signedPrekey: bob.prekeys.signedPrekey(id: bob.prekeys.currentSignedPrekeyID!)!.published,
            kemPrekey: bob.prekeys.kemPrekey(id: bob.prekeys.currentLastResortKEMPrekeyID!)!.published, oneTimePrekey: nil)
        var aliceRecord = SessionRecord()
        aliceRecord.promote(try SessionState(
            initiator: try Handshake.initiate(
                identity: alice.identity, accountID: bob.accountID, accountKey: bob.accountKey.publicKey, deviceList: bob.deviceList, bundle: bundle,
                pinned: nil, now: now, randomness: &handshakeRandomness),
            randomness: &random))
        let texts = ["first", "second", "third"]
        var uploads: [[UInt8]] = []
        for text in texts {
            let prepared = try PreparedContent(Array(text.utf8), envelopeID: .random())
            let sent = try aliceRecord.encrypt(prepared, now: now, randomness: &random)
            aliceRecord = sent.record
            uploads.append(try EnvelopeSealer.seal(prepared, messages: [(recipient, sent.message)], certificate: certificate).serialized())
        }
        // The first two over HTTP, the third over the sending WebSocket, with refusals on it.
        for upload in uploads.prefix(2) { #expect(try await relay.request("POST", "/v1/messages", body: upload).status == 204) }
        var wrongAccess = uploads[2]
        let partBytes = try EnvelopeUpload(serialized: uploads[2]).recipients[0].sealedPart.count
        wrongAccess[wrongAccess.count - 2 - partBytes - 32 - 4 - 1] ^= 1  // a bit of the access key
        let answers = try await SendSocketAnswers.exchange(url: relay.url.replacingOccurrences(of: "http", with: "ws") + "/v1/send", requests: [
            [0, 0, 0, 7, 1] + uploads[2],
            [0, 0, 0, 8, 9] + uploads[2],
            [0, 0, 0, 9, 1] + uploads[2].prefix(100),
            [0, 0, 0, 10, 1] + wrongAccess,
            [0, 0],
        ])
        #expect(answers[7]?.status == 204 && answers[7]?.json == "")
        #expect(answers[8]?.status == 400 && answers[8]?.json.contains("\"code\":\"malformed\"") == true)
        #expect(answers[9]?.status == 400)
        #expect(answers[10]?.status == 401 && answers[10]?.json.contains("\"code\":\"unauthorized\"") == true)
        #expect(answers[0]?.status == 400)

        // Bob comes online.
        let url = "ws://127.0.0.1:\(relay.port)/v1/receive"
        // Bob signs in with his device key over a challenge (checked once, at the upgrade).
        let challenge = try await relay.request("GET", "/v1/auth/challenge").body
        var fields = HTTPFields()
        fields[.authorization] = AuthChallenge.header(
            origin: RelayProcess.origin, address: bob.address, nonce: Array(challenge[1..<33]), time: now, deviceKey: bob.deviceKey)
        let bobSnapshot = bob
        let operatorTrust = trust
        let collected = try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: fields), logger: Logger(label: "test")) { inbound, outbound, _ in
            var record = SessionRecord()
            var prekeys = bobSnapshot.prekeys
            var random = SystemRatchetRandomness()
            var texts: [String] = []
            for try await message in inbound.messages(maxSize: 2 << 20) {
                guard case .binary(let buffer) = message else { continue }
                let delivery = try MailboxDelivery(serialized: Array(buffer.readableBytesView))
                let unverified = try EnvelopeOpener.open(delivery, recipient: bobSnapshot.address, envelopeKeys: bobSnapshot.envelopeKeys, trust: operatorTrust, now: delivery.receivedAt)
                let opened = try unverified.decrypt(
                    record: record, identity: bobSnapshot.identity, prekeys: prekeys, initiatorDeviceList: alice.deviceList, pinned: nil,
                    alreadyProcessed: { _ in false }, now: delivery.receivedAt, randomness: &random)
                record = opened.record
                if let handshake = opened.handshake { prekeys.apply(handshake.consumption) }
                #expect(opened.sender == alice.peer)
                texts.append(String(decoding: opened.plaintext, as: UTF8.self))
                try await outbound.write(.binary(ByteBuffer(bytes: try Acknowledgement(sequences: [delivery.sequence]).serialized())))
                if texts.count == 3 {
                    ReceivedTexts.shared.set(texts)
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
        }
        _ = collected
        #expect(ReceivedTexts.shared.get() == texts)
        let metrics = String(decoding: try await relay.request("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("sealpost_envelopes_accepted_total 3") && metrics.contains("sealpost_acknowledgements_total 3"))
        // Acknowledged: nothing is delivered again.
        let waiting = try await relay.request("GET", "/v1/messages", authorization: bob.authorization)
        #expect(waiting.status == 200 && waiting.body == [1, 0, 0])
    }

    /// Under continuous sending, `kill -9` the relay: every upload that got a 2xx is there after
    /// a restart on the same data folder, once.
    @Test(.timeLimit(.minutes(2))) func acknowledgedUploadsSurviveACrash() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var relay = try RelayProcess(data: folder)
        let bob = try await E2EDevice.register(at: relay, now: now)
        let key = try bob.accessSecret.accessKey(for: bob.accountID)
        let keyID = bob.envelopeKeys.currentID!
        let target = relay
        let sender = Task { () -> [EnvelopeID] in
            var acknowledged: [EnvelopeID] = []
            for index in UInt16(0)..<400 {
                let prepared = try PreparedContent([UInt8(index >> 8), UInt8(index & 0xFF)], envelopeID: .random())
                let entry = try EnvelopeUpload.Recipient(
                    accountID: bob.accountID, deviceID: bob.identity.deviceID, access: .key(key), envelopeKeyID: keyID,
                    encapsulatedKey: [UInt8](repeating: 9, count: 32), sealedPart: [UInt8](repeating: 1, count: 400))
                let upload = try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: [entry])
                guard let reply = try? await target.request("POST", "/v1/messages", body: upload.serialized()), reply.status == 204 else { break }
                acknowledged.append(prepared.envelopeID)
            }
            return acknowledged
        }
        // Kill it in the middle of the stream.
        while !sender.isCancelled {
            try await Task.sleep(for: .milliseconds(20))
            let metrics = String(decoding: (try? await relay.request("GET", "/metrics").body) ?? [], as: UTF8.self)
            if metrics.contains("sealpost_uploads_total") && !metrics.contains("sealpost_uploads_total 0") { break }
        }
        try await Task.sleep(for: .milliseconds(150))
        relay.kill()
        let acknowledged = try await sender.value
        #expect(!acknowledged.isEmpty)
        relay = try RelayProcess(data: folder)
        defer { relay.stop() }
        let waiting = try await relay.request("GET", "/v1/messages?limit=500", authorization: bob.authorization)
        #expect(waiting.status == 200)
        var reader = ByteReader(waiting.body, structure: "messages")
        #expect(try reader.u8() == 1)
        let count = Int(try reader.u16())
        var stored: [EnvelopeID] = []
        for _ in 0..<count {
            stored.append(try MailboxDelivery(serialized: try reader.lp32("delivery", maximum: 1 << 21)).envelope.envelopeID)
        }
        // Every acknowledged upload is there, once; an upload whose answer the crash cut off may
        // be there too (stored, not answered): the sender retries it, the receiver de-duplicates.
        #expect(Set(acknowledged).isSubset(of: Set(stored)))
        #expect(Set(stored).count == stored.count)
        #expect(stored.count <= acknowledged.count + 1)
        print("crash test: \(acknowledged.count) uploads acknowledged before the kill, \(stored.count) stored after the restart")
        // Malformed and unauthenticated requests get typed 4xx answers, and the relay stays up.
        #expect(try await relay.request("POST", "/v1/messages", body: [1, 2, 3]).status == 400)
        #expect(try await relay.request("GET", "/v1/messages").status == 401)
        #expect(try await relay.request("GET", "/healthz").status == 200)
        // Metrics count what happened, with no per-user label.
        let metrics = String(decoding: try await relay.request("GET", "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("sealpost_requests_refused_total{code=\"malformed\"} 1"))
        #expect(metrics.contains("sealpost_requests_refused_total{code=\"unauthorized\"} 1"))
        #expect(!metrics.contains(bob.accountID.description))
        // Bundle fetches are rate limited per address: draining one-time prekeys is slow.
        var statuses: [Int] = []
        for _ in 0..<32 { statuses.append(try await relay.request("GET", "/v1/accounts/\(bob.accountID)/devices/1/bundle").status) }
        #expect(statuses.prefix(30).allSatisfy { $0 == 404 } && statuses.last == 429)
    }
}

extension RelayEndToEndTests {
    /// Concurrent bundle fetches over HTTP never share a one-time prekey; a stale device set is
    /// refused with the lists and succeeds after correction.
    @Test(.timeLimit(.minutes(2))) func concurrentFetchesAndAStaleDeviceSet() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder)
        defer { relay.stop() }
        let bob = try await E2EDevice.register(at: relay, now: now)
        var store = PrekeyStore()
        let uploads = store.maintain(now: now, identity: bob.identity, relayOneTimeCount: 0, relayOneTimeKEMCount: 0)
        let upload = try PrekeyUpload(
            signedPrekey: uploads.signedPrekey, lastResortKEMPrekey: uploads.lastResortKEMPrekey,
            oneTimePrekeys: Array(uploads.oneTimePrekeys.prefix(20)), oneTimeKEMPrekeys: Array(uploads.oneTimeKEMPrekeys.prefix(20)))
        #expect(try await relay.request("PUT", "/v1/keys/prekeys", body: upload.serialized(), authorization: bob.authorization).status == 204)
        let path = "/v1/accounts/\(bob.accountID)/devices/1/bundle"
        let bundles = try await withThrowingTaskGroup(of: PrekeyBundle.self) { group in
            for _ in 0..<30 { group.addTask { try PrekeyBundle(serialized: try await relay.request("GET", path).body) } }
            var all: [PrekeyBundle] = []
            for try await bundle in group { all.append(bundle) }
            return all
        }
        let oneTime = bundles.compactMap(\.oneTimePrekey?.id)
        #expect(oneTime.count == 20 && Set(oneTime).count == 20)
        #expect(Set(bundles.filter { $0.kemPrekey.kind == .oneTime }.map(\.kemPrekey.id)).count == 20)

        // An upload naming a device the account does not have: 409 with the lists.
        let key = try bob.accessSecret.accessKey(for: bob.accountID)
        func entry(_ device: UInt32) throws -> EnvelopeUpload.Recipient {
            try EnvelopeUpload.Recipient(
                accountID: bob.accountID, deviceID: try DeviceID(device), access: .key(key), envelopeKeyID: bob.envelopeKeys.currentID!,
                encapsulatedKey: [UInt8](repeating: 9, count: 32), sealedPart: [UInt8](repeating: 1, count: 400))
        }
        let prepared = try PreparedContent([1], envelopeID: .random())
        let stale = try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: [try entry(1), try entry(2)])
        let refused = try await relay.request("POST", "/v1/messages", body: stale.serialized())
        #expect(refused.status == 409)
        let answer = String(decoding: refused.body, as: UTF8.self)
        #expect(answer.contains("\"code\":\"staleDevices\""))
        let details = try #require(answer.split(separator: "\"").dropLast().last.map(String.init))
        #expect(try StaleDevices(serialized: try Hex.decode(details)).accounts.first?.extra == [try DeviceID(2)])
        let corrected = try EnvelopeUpload(envelopeID: prepared.envelopeID, content: prepared.content, recipients: [try entry(1)])
        #expect(try await relay.request("POST", "/v1/messages", body: corrected.serialized()).status == 204)
    }
}

extension E2EDevice {
    /// The access key Alice holds for `contact` (shared end to end; here, read directly).
    func accessSecretOf(_ contact: E2EDevice) throws -> DeliveryAccessKey {
        try contact.accessSecret.accessKey(for: contact.accountID)
    }
}

/// Hands texts out of the WebSocket handler, which must be `@Sendable`.
final class ReceivedTexts: @unchecked Sendable {
    static let shared = ReceivedTexts()
    private let lock = NSLock()
    private var texts: [String] = []
    func set(_ value: [String]) { lock.lock(); texts = value; lock.unlock() }
    func get() -> [String] { lock.lock(); defer { lock.unlock() }; return texts }
}

/// Sends requests on one `/v1/send` WebSocket and collects the answers by request id.
enum SendSocketAnswers {
    static func exchange(url: String, requests: [[UInt8]]) async throws -> [UInt32: (status: Int, json: String)] {
        let collected = SendAnswerBox()
        _ = try await WebSocketClient.connect(url: url, logger: Logger(label: "test")) { inbound, outbound, _ in
            for request in requests { try await outbound.write(.binary(ByteBuffer(bytes: request))) }
            var count = 0
            for try await message in inbound.messages(maxSize: 1 << 16) {
                guard case .binary(let buffer) = message else { continue }
                let bytes = Array(buffer.readableBytesView)
                var reader = ByteReader(bytes, structure: "send answer")
                let id = try reader.u32(), status = Int(try reader.u16()), json = try reader.lp32("json", maximum: 1 << 16)
                try reader.finish()
                collected.add(id, status, String(decoding: json, as: UTF8.self))
                count += 1
                if count == requests.count { try await outbound.close(.normalClosure, reason: nil) }
            }
        }
        return collected.get()
    }
}

final class SendAnswerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [UInt32: (status: Int, json: String)] = [:]
    func add(_ id: UInt32, _ status: Int, _ json: String) { lock.withLock { answers[id] = (status, json) } }
    func get() -> [UInt32: (status: Int, json: String)] { lock.withLock { answers } }
}

extension RelayEndToEndTests {
    /// A connection opened and never used (HTTP clients keep spare ones) does not hold the relay
    /// past its shutdown bound after SIGTERM: 10 s graceful, 5 s cancellation.
    @Test(.timeLimit(.minutes(1))) func aSilentConnectionDoesNotHoldShutdown() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let relay = try RelayProcess(data: folder)
        defer { relay.stop() }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(relay.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        #expect(try await relay.request("GET", "/healthz").status == 200)
        let took = relay.stopGracefully()
        #expect(took < .seconds(20), "shutdown took \(took)")
    }
}

