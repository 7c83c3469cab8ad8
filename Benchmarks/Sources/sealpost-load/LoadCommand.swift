import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SealpostCrypto
import SealpostWire
import WSClient

/// Drives a running relay on loopback with concurrent sealed senders and WebSocket receivers,
/// and prints what it sustained. The envelopes are well-formed but opaque (random HPKE parts and
/// content of the real sizes): the relay never opens an envelope, so this measures the relay, not
/// the clients' cryptography (`Benchmarks/RESULTS.md`, "Relay").
@main
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sealpost-load", abstract: "Load a Sealpost relay on loopback.")

    @Option(help: "The relay's URL.") var url = "http://127.0.0.1:8787"
    @Option(help: "The origin the relay was started with (--origin).") var origin = "http://127.0.0.1:8787"
    @Option(help: "Recipient devices, each with a WebSocket receiver.") var recipients = 50
    @Option(help: "Concurrent senders (uploads in flight).") var senders = 64
    @Option(help: "Seconds of sending.") var seconds = 10
    @Option(help: "Target envelopes per second (all senders together); unlimited if absent.") var rate: Int?
    @Option(help: "Content bytes per message (padded as Sealpost pads).") var contentBytes = 1_024
    @Option(help: "The relay's process id, for CPU and memory figures.") var relayPid: Int32?
    @Option(help: "After the run, open this many idle authenticated WebSockets and report memory per connection.") var idleConnections = 0
    @Option(help: "Receivers acknowledge what arrived in this many milliseconds in one message (0: each envelope at once).") var ackEveryMilliseconds = 0
    @Option(help: "How senders upload: http (one POST each) or websocket (pipelined on /v1/send).") var transport = "http"
    @Option(help: "Sending WebSockets (--transport websocket); the senders share them.") var sendConnections = 8
    @Option(help: "Uploads per request, all to one recipient (1: /v1/messages; more: the batch form).") var batch = 1

    func run() async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(senders, 8))))
        do {
            try await load(client: client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func load(client: HTTPClient) async throws {
        let api = RelayAPI(client: client, url: url, origin: origin)
        print("registering \(recipients) recipient devices …")
        var registered: [LoadDevice] = []
        for _ in 0..<recipients { registered.append(try await api.registerDevice()) }
        let devices = registered

        let stats = LoadStatistics()
        let receivers = devices.map { device in
            Task { try await LoadReceiver.run(url: url, device: device, stats: stats, ackEveryMilliseconds: ackEveryMilliseconds) }
        }
        try await Task.sleep(for: .milliseconds(500))  // receivers connected

        let template = UploadTemplate(contentBytes: contentBytes)
        let usageBefore = relayPid.map(ProcessUsage.read)
        let start = ContinuousClock.now
        let deadline = start + .seconds(seconds)
        let perSenderInterval: Duration? = rate.map { .nanoseconds(Int64(1_000_000_000) * Int64(senders) / Int64(max($0, 1))) }
        guard transport == "http" || transport == "websocket" else { throw LoadError("--transport is http or websocket") }
        guard (1...100).contains(batch) else { throw LoadError("--batch is 1 to 100") }
        let sockets = transport == "websocket" ? try await SendSockets.open(count: sendConnections, url: url) : nil
        let batch = self.batch
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in 0..<senders {
                group.addTask {
                    var index = sender
                    var next = ContinuousClock.now
                    while ContinuousClock.now < deadline {
                        if let perSenderInterval {
                            next += perSenderInterval
                            if next > ContinuousClock.now { try await Task.sleep(until: next) }
                        }
                        let device = devices[index % devices.count]
                        index += senders
                        let stamp = DispatchTime.now().uptimeNanoseconds
                        let body = batch == 1 ? template.upload(to: device, stamp: stamp) : template.batch(of: batch, to: device, stamp: stamp)
                        let status: Int
                        if let sockets {
                            status = try await sockets.send(body, batch: batch > 1, on: sender)
                        } else {
                            status = try await api.post(batch == 1 ? "/v1/messages" : "/v1/messages/batch", body: body)
                        }
                        if status == 204 { stats.accepted(batch) } else { stats.failed(status) }
                    }
                }
            }
            try await group.waitForAll()
        }
        sockets?.close()
        let sendSeconds = (ContinuousClock.now - start).seconds
        let usageAfter = relayPid.map(ProcessUsage.read)
        // Let the last envelopes arrive (at most 10 s).
        let drainDeadline = ContinuousClock.now + .seconds(10)
        while stats.snapshot().delivered < stats.snapshot().accepted, ContinuousClock.now < drainDeadline { try await Task.sleep(for: .milliseconds(50)) }
        let result = stats.snapshot()
        print("")
        print("content \(contentBytes) B → envelope \(template.envelopeBytes) B, upload \(template.uploadBytes) B; \(recipients) receivers, \(senders) senders, \(seconds) s\(rate.map { ", target \($0)/s" } ?? ", unlimited"); acknowledgements \(ackEveryMilliseconds == 0 ? "one per envelope" : "batched every \(ackEveryMilliseconds) ms"); uploads over \(transport == "http" ? "HTTP, one request each" : "\(sendConnections) WebSockets, pipelined")\(batch > 1 ? ", \(batch) per request" : "")")
        print(String(format: "accepted   %8d envelopes, %9.0f /s (2xx, durable)", result.accepted, Double(result.accepted) / sendSeconds))
        print(String(format: "delivered  %8d envelopes, %9.0f /s over the sending time", result.delivered, Double(result.deliveredDuringSend) / sendSeconds))
        if !result.failures.isEmpty { print("refused    \(result.failures)") }
        let latencies = result.latencies.sorted()
        if !latencies.isEmpty {
            func percentile(_ p: Double) -> Double { Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6 }
            print(String(format: "latency    p50 %.2f ms, p99 %.2f ms, max %.2f ms (send start → delivered to the receiver)", percentile(0.5), percentile(0.99), Double(latencies.last!) / 1e6))
        }
        if let before = usageBefore, let after = usageAfter, result.accepted > 0 {
            let cpu = after.cpuSeconds - before.cpuSeconds
            print(String(format: "relay CPU  %.1f s over %.1f s (%.0f %% of one core), %.1f µs per envelope; RSS %.0f MiB",
                         cpu, sendSeconds, 100 * cpu / sendSeconds, 1e6 * cpu / Double(result.accepted), Double(after.residentBytes) / 1_048_576))
        }
        stats.finish(markDelivered: false)
        for receiver in receivers { receiver.cancel() }

        if idleConnections > 0, let relayPid {
            try await IdleConnections.measure(count: idleConnections, url: url, devices: devices, relayPid: relayPid)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
