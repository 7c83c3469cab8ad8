// `client-bench`: messages between SealpostClient instances through a running relay on loopback
// (`client-bench.sh` starts one in release mode). Every figure includes everything a real client
// does per message: content encoding, the ratchet, the vault commits (fsynced), sealing, the
// upload (durable at the relay), and on the other side opening, decrypting, committing and
// acknowledging.
import Foundation
import SealpostClient
@_spi(Testing) import SealpostVault

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}
let url = option("url", "http://127.0.0.1:8787"), origin = option("origin", url), root = option("root", "")
let messages = Int(option("messages", "500"))!, pairs = Int(option("pairs", "4"))!
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("client-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let endpoint = RelayEndpoint(url: url, origin: origin)

func register(_ name: String) async throws -> SealpostClient {
    // Fast key derivation: vault opening is measured by vault-bench; this measures messaging.
    let vault = try Vault.create(at: folder.appendingPathComponent("\(name).vault").path, passphrase: name, parameters: .fastTest)
    return try await SealpostClient.register(vault: vault, endpoint: endpoint, rootFingerprint: root, userName: name)
}

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
func percentile(_ values: [Double], _ p: Double) -> Double { let sorted = values.sorted(); return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

let suffix = String(UUID().uuidString.prefix(6)).lowercased()
print("registering \(2 * pairs) users …")
var senders: [SealpostClient] = [], receivers: [SealpostClient] = []
let registrationStart = ContinuousClock.now
for pair in 0..<pairs {
    senders.append(try await register("s\(pair)x\(suffix)"))
    receivers.append(try await register("r\(pair)x\(suffix)"))
}
print(String(format: "registration   %.1f ms per user (account, device, access, %d prekeys of each kind, envelope key, user name)",
             1e3 * seconds(ContinuousClock.now - registrationStart) / Double(2 * pairs), 100))

// 1. One sender, one receiver, sequential sends (the first opens the session).
let alice = senders[0], bob = receivers[0]
let bobName = await bob.userName
var latencies: [Double] = []
_ = try await alice.send(text: "warm-up", to: bobName)
let sendStart = ContinuousClock.now
for index in 0..<messages {
    let start = ContinuousClock.now
    try await alice.send(text: "message \(index) " + String(repeating: "x", count: 180), to: bobName)
    latencies.append(1e3 * seconds(ContinuousClock.now - start))
}
let sendSeconds = seconds(ContinuousClock.now - sendStart)
print(String(format: "send           %6.0f messages/s from one client (200-byte texts, one at a time); per send p50 %.2f ms, p99 %.2f ms",
             Double(messages) / sendSeconds, percentile(latencies, 0.5), percentile(latencies, 0.99)))
let receiveStart = ContinuousClock.now
let events = try await bob.receivePending()
let receiveSeconds = seconds(ContinuousClock.now - receiveStart)
let received = events.filter { if case .message = $0 { true } else { false } }.count
print(String(format: "receive        %6.0f messages/s by one client over HTTP (open, decrypt, commit, acknowledge each; %d received)",
             Double(received) / receiveSeconds, received))

// 2. Many pairs at once: listeners on WebSockets, every sender sending concurrently.
let counter = EventCounter()
let listeners = receivers.map { receiver in Task { await receiver.listen { event in if case .message = event { counter.add() } } } }
try await Task.sleep(for: .milliseconds(500))
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
let cpuBefore = cpuSeconds()
let concurrentStart = ContinuousClock.now
let perSender = messages
try await withThrowingTaskGroup(of: Void.self) { group in
    for (index, sender) in senders.enumerated() {
        let name = await receivers[index].userName
        group.addTask { for message in 0..<perSender { try await sender.send(text: "pair \(index) message \(message)", to: name) } }
    }
    try await group.waitForAll()
}
let sentSeconds = seconds(ContinuousClock.now - concurrentStart)
let deadline = ContinuousClock.now + .seconds(60)
while counter.value < pairs * perSender, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
let deliveredSeconds = seconds(ContinuousClock.now - concurrentStart)
print(String(format: "concurrent     %d pairs: %6.0f messages/s sent, %6.0f messages/s received and committed end to end (%d of %d)",
             pairs, Double(pairs * perSender) / sentSeconds, Double(counter.value) / deliveredSeconds, counter.value, pairs * perSender))
print(String(format: "client CPU     %.0f µs per message end to end (all %d clients in this process: send, receive, and the delivery receipt each message triggers)",
             1e6 * (cpuSeconds() - cpuBefore) / Double(max(counter.value, 1)), 2 * pairs))
for listener in listeners { listener.cancel() }

// 3. Devices: a backup of the first sender's account (its history holds the messages above),
// read back and restored as a new device; a device linked over the provisioning channel.
let bobAccount = await bob.address.accountID
let history = try await alice.history(with: bobAccount).count
var start = ContinuousClock.now
let recovery = try await alice.recoveryKey()
let underRecovery = try await alice.exportBackup(key: .recoveryKey(recovery))
print(String(format: "backup export  %.1f ms for %d messages, %d bytes, under the recovery key (written and read back)",
             1e3 * seconds(ContinuousClock.now - start), history, underRecovery.count))
start = ContinuousClock.now
let underPassphrase = try await alice.exportBackup(key: .passphrase(.init(copying: Array("bench passphrase".utf8))))
print(String(format: "backup export  %.1f ms under a passphrase (Argon2id t=3, m=64 MiB, twice: written and read back), %d bytes",
             1e3 * seconds(ContinuousClock.now - start), underPassphrase.count))
start = ContinuousClock.now
let archive = try SealpostClient.readBackup(underRecovery, key: .recoveryKey(recovery))
let readSeconds = seconds(ContinuousClock.now - start)
start = ContinuousClock.now
let restored = try await SealpostClient.restore(
    vault: try Vault.create(at: folder.appendingPathComponent("restored.vault").path, passphrase: "r", parameters: .fastTest), backup: archive,
    removingOtherDevices: false)
print(String(format: "backup import  %.1f ms to read %d messages, %.1f ms to restore them as a new device (register, keys, one commit)",
             1e3 * readSeconds, archive.messages.count, 1e3 * seconds(ContinuousClock.now - start)))
start = ContinuousClock.now
let request = try DeviceLinkRequest(endpoint: endpoint)
let code = request.code
let adding = Task { try await alice.addDevice(code: code, includeHistory: true) { _ in true } }
_ = try await request.awaitAnswer()
let linked = try await request.finish(vault: try Vault.create(at: folder.appendingPathComponent("linked.vault").path, passphrase: "l", parameters: .fastTest)) { _ in true }
_ = try await adding.value
print(String(format: "link           %.1f ms from the code to the new device registered, with %d messages of history, over loopback",
             1e3 * seconds(ContinuousClock.now - start), try await linked.history(with: bobAccount).count))
for client in senders + receivers + [restored, linked] { await client.close() }

final class EventCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
