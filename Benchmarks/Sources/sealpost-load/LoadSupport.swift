import AsyncHTTPClient
import Foundation
import HTTPTypes
import NIOHTTP1
import Logging
import NIOCore
import SealpostCrypto
import SealpostWire
import WSClient

/// A registered recipient device.
struct LoadDevice: Sendable {
    let address: DeviceAddress
    let authorization: String
    let envelopeKeyID: UInt32
}

/// The relay's HTTP API, as the load generator uses it.
struct RelayAPI: Sendable {
    let client: HTTPClient
    let url: String
    let origin: String

    func post(_ path: String, body: [UInt8], method: HTTPMethod = .POST, authorization: String? = nil) async throws -> Int {
        try await request(path, body: body, method: method, authorization: authorization).status
    }

    func request(_ path: String, body: [UInt8]? = nil, method: HTTPMethod, authorization: String? = nil) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(bytes.readableBytesView))
    }

    /// An account with one device that takes mail from anyone and has an envelope key.
    func registerDevice() async throws -> LoadDevice {
        let accountKey = Ed25519.PrivateKey.generate()
        let reply = try await request("/v1/accounts", body: try AccountRegistration(accountKey: accountKey.publicKey).serialized(), method: .POST)
        guard reply.status == 201 else { throw LoadError("registration: \(reply.status) \(String(decoding: reply.body, as: UTF8.self))") }
        let accountID = try AccountID(rawRepresentation: Array(reply.body.dropFirst()))
        let deviceKey = Ed25519.PrivateKey.generate()
        let now = UInt64(Date().timeIntervalSince1970)
        let deviceID = try DeviceID(1)
        let certificate = DeviceCertificate.issue(accountKey: accountKey, accountID: accountID, deviceID: deviceID, deviceKey: deviceKey.publicKey, createdAt: now)
        let list = try DeviceList.sign(
            accountKey: accountKey, accountID: accountID, listVersion: 1, issuedAt: now, devices: [.init(deviceID: deviceID, deviceKey: deviceKey.publicKey)], revoked: [])
        let credential = SecretBytes.random(count: 32)
        let registration = DeviceRegistration.sign(deviceList: list, certificate: certificate, credential: credential, time: now, origin: origin, deviceKey: deviceKey)
        let device = try await request("/v1/devices", body: registration.serialized(), method: .PUT)
        guard device.status == 204 else { throw LoadError("device registration: \(device.status) \(String(decoding: device.body, as: UTF8.self))") }
        let authorization = "Sealpost \(accountID).\(deviceID).\(credential.withUnsafeBytes { Hex.encode($0) })"
        let key = SignedEnvelopeKey.sign(
            id: 1, createdAt: now, key: X25519.PrivateKey.generate().publicKey, accountID: accountID, deviceID: deviceID, deviceKey: deviceKey)
        guard try await post("/v1/keys/envelope", body: key.serialized(), method: .PUT, authorization: authorization) == 204,
            try await post("/v1/access", body: AccessSettings(anyoneMayWrite: true, verifier: nil).serialized(), method: .PUT, authorization: authorization) == 204
        else { throw LoadError("publishing keys failed") }
        return LoadDevice(address: DeviceAddress(accountID: accountID, deviceID: deviceID), authorization: authorization, envelopeKeyID: 1)
    }
}

/// Single-recipient uploads of the real sizes with random (opaque) parts and content; the first
/// 8 bytes of the content carry the send time for the receiver's latency.
struct UploadTemplate: Sendable {
    let content: [UInt8]
    let part: [UInt8]
    let enc: [UInt8]

    init(contentBytes: Int) {
        let bucket = EnvelopePadding.contentBucket(forPaddedLength: contentBytes + 1)
        content = SecureRandom.bytes(count: 32 + bucket + 16)
        part = SecureRandom.bytes(count: 384 + 16)
        enc = SecureRandom.bytes(count: 32)
    }

    var envelopeBytes: Int { 1 + 16 + 4 + 32 + 2 + part.count + 4 + content.count }
    var uploadBytes: Int { 1 + 16 + 4 + content.count + 2 + 16 + 4 + 1 + 4 + 32 + 2 + part.count }

    func upload(to device: LoadDevice, stamp: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: uploadBytes)
        writer.u8(1)
        writer.raw(SecureRandom.bytes(count: 16))  // envelope id
        var stamped = content
        for index in 0..<8 { stamped[index] = UInt8(truncatingIfNeeded: stamp >> (56 - 8 * UInt64(index))) }
        writer.lp32(stamped)
        writer.u16(1)
        writer.raw(device.address.accountID.rawRepresentation)
        writer.u32(device.address.deviceID.value)
        writer.u8(0)  // access: the recipient takes mail from anyone
        writer.u32(device.envelopeKeyID)
        writer.raw(enc)
        writer.lp16(part)
        return writer.bytes
    }
}

extension UploadTemplate {
    /// `POST /v1/messages/batch`'s body: `count` uploads to one device.
    func batch(of count: Int, to device: LoadDevice, stamp: UInt64) -> [UInt8] {
        var writer = ByteWriter(capacity: 3 + count * (uploadBytes + 4))
        writer.u8(1)
        writer.u16(UInt16(count))
        for _ in 0..<count { writer.lp32(upload(to: device, stamp: stamp)) }
        return writer.bytes
    }
}

/// Sending WebSockets (`/v1/send`): requests pipelined, answers matched by request id.
final class SendSockets: @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [UInt32: CheckedContinuation<Int, any Error>] = [:]
    private var nextID: UInt32 = 0
    private var writers: [WebSocketOutboundWriter] = []
    private var tasks: [Task<Void, any Error>] = []

    static func open(count: Int, url: String) async throws -> SendSockets {
        let sockets = SendSockets()
        let endpoint = url.replacingOccurrences(of: "http://", with: "ws://") + "/v1/send"
        for _ in 0..<count {
            let opened = OpenCounter()
            sockets.tasks.append(Task {
                try await WebSocketClient.connect(url: endpoint, logger: Logger(label: "send")) { inbound, outbound, _ in
                    sockets.lock.withLock { sockets.writers.append(outbound) }
                    opened.add()
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .binary(let buffer) = message else { continue }
                        let bytes = Array(buffer.readableBytesView)
                        guard bytes.count >= 6 else { continue }
                        let id = bytes[..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                        let status = Int(bytes[4]) << 8 | Int(bytes[5])
                        sockets.lock.withLock { sockets.waiting.removeValue(forKey: id) }?.resume(returning: status)
                    }
                }
            })
            let deadline = ContinuousClock.now + .seconds(10)
            while opened.value == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        guard sockets.lock.withLock({ sockets.writers.count }) == count else { throw LoadError("could not open \(count) sending WebSockets") }
        return sockets
    }

    /// Sends one request on connection `sender % count` and waits for its status.
    func send(_ body: [UInt8], batch: Bool, on sender: Int) async throws -> Int {
        let (id, writer) = lock.withLock { () -> (UInt32, WebSocketOutboundWriter) in
            nextID &+= 1
            return (nextID, writers[sender % writers.count])
        }
        var buffer = ByteBuffer()
        buffer.writeInteger(id)
        buffer.writeInteger(UInt8(batch ? 2 : 1))
        buffer.writeBytes(body)
        let frame = buffer
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock { waiting[id] = continuation }
            Task {
                do { try await writer.writeBinaryMessage(frame) } catch {
                    lock.withLock { waiting.removeValue(forKey: id) }?.resume(throwing: error)
                }
            }
        }
    }

    func close() { for task in tasks { task.cancel() } }
}

/// Counts and latencies, shared by senders and receivers.
final class LoadStatistics: @unchecked Sendable {
    struct Snapshot {
        var accepted = 0
        var delivered = 0
        var deliveredDuringSend = 0
        var failures: [Int: Int] = [:]
        var latencies: [UInt64] = []
    }

    private let lock = NSLock()
    private var state = Snapshot()
    private var sending = true

    func accepted(_ count: Int = 1) { lock.withLock { state.accepted += count } }
    func failed(_ status: Int) { lock.withLock { state.failures[status, default: 0] += 1 } }
    func delivered(latency: UInt64) {
        lock.withLock {
            state.delivered += 1
            if sending { state.deliveredDuringSend += 1 }
            state.latencies.append(latency)
        }
    }
    func finish(markDelivered: Bool) { lock.withLock { sending = false } }
    func snapshot() -> Snapshot { lock.withLock { state } }
}

/// One device's WebSocket: parses each delivery, records its latency, acknowledges it.
enum LoadReceiver {
    /// - Parameter ackEveryMilliseconds: 0 acknowledges each envelope at once; otherwise the
    ///   sequence numbers received meanwhile go in one acknowledgement this often (as a client
    ///   that commits in batches does).
    static func run(url: String, device: LoadDevice, stats: LoadStatistics, ackEveryMilliseconds: Int) async throws {
        var headers = HTTPFields()
        headers[.authorization] = device.authorization
        let socket = url.replacingOccurrences(of: "http://", with: "ws://") + "/v1/receive"
        try await WebSocketClient.connect(url: socket, configuration: .init(additionalHeaders: headers), logger: Logger(label: "load")) { inbound, outbound, _ in
            let pending = PendingAcks()
            try await withThrowingTaskGroup(of: Void.self) { group in
                if ackEveryMilliseconds > 0 {
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(ackEveryMilliseconds))
                            for chunk in pending.take().chunked(Acknowledgement.maximumSequences) {
                                try await outbound.write(.binary(ByteBuffer(bytes: try Acknowledgement(sequences: chunk).serialized())))
                            }
                        }
                    }
                }
                for try await message in inbound.messages(maxSize: 2 << 20) {
                    guard case .binary(let buffer) = message else { continue }
                    let now = DispatchTime.now().uptimeNanoseconds
                    let delivery = try MailboxDelivery(serialized: Array(buffer.readableBytesView))
                    let content = delivery.envelope.content
                    let stamp = (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(content[$1]) }
                    stats.delivered(latency: now > stamp ? now - stamp : 0)
                    if ackEveryMilliseconds > 0 {
                        pending.add(delivery.sequence)
                    } else {
                        try await outbound.write(.binary(ByteBuffer(bytes: try Acknowledgement(sequences: [delivery.sequence]).serialized())))
                    }
                }
                group.cancelAll()
            }
        }
    }
}

/// CPU time and resident memory of a process, from /proc.
struct ProcessUsage {
    let cpuSeconds: Double
    let residentBytes: Int

    static func read(_ pid: Int32) -> ProcessUsage {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name (which may hold spaces) start after the last ')'.
        let fields = stat.split(separator: ")").last.map { $0.split(separator: " ") } ?? []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpu = fields.count > 12 ? ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks : 0
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap { line in
            line.split(separator: " ").compactMap { Int($0) }.first
        } ?? 0
        return ProcessUsage(cpuSeconds: cpu, residentBytes: rss * 1024)
    }
}

/// Many idle authenticated WebSockets: the relay's memory per connection.
enum IdleConnections {
    static func measure(count: Int, url: String, devices: [LoadDevice], relayPid: Int32) async throws {
        let before = ProcessUsage.read(relayPid)
        let opened = OpenCounter()
        let headersList: [HTTPFields] = devices.map { device in
            var headers = HTTPFields()
            headers[.authorization] = device.authorization
            return headers
        }
        let socket = url.replacingOccurrences(of: "http://", with: "ws://") + "/v1/receive"
        let tasks = (0..<count).map { index in
            Task {
                try await WebSocketClient.connect(
                    url: socket, configuration: .init(additionalHeaders: headersList[index % headersList.count]), logger: Logger(label: "idle")
                ) { inbound, _, _ in
                    opened.add()
                    for try await _ in inbound.messages(maxSize: 1 << 20) {}
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(120)
        while opened.value < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .seconds(2))
        let after = ProcessUsage.read(relayPid)
        let perConnection = Double(after.residentBytes - before.residentBytes) / Double(max(opened.value, 1))
        print(String(format: "idle       %d authenticated WebSockets open; relay RSS %.0f → %.0f MiB, %.1f KiB per connection",
                     opened.value, Double(before.residentBytes) / 1_048_576, Double(after.residentBytes) / 1_048_576, perConnection / 1024))
        for task in tasks { task.cancel() }
    }
}

final class OpenCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sequence numbers received and not yet acknowledged.
final class PendingAcks: @unchecked Sendable {
    private let lock = NSLock()
    private var sequences: [UInt64] = []
    func add(_ sequence: UInt64) { lock.withLock { sequences.append(sequence) } }
    func take() -> [UInt64] { lock.withLock { defer { sequences = [] }; return sequences } }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
