import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import SealpostProtocol
import SealpostRelay

@main
struct SealpostRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealpost-relay",
        abstract: "Sealpost's store-and-forward relay: sealed envelopes to device mailboxes.",
        subcommands: [Serve.self, Keys.self, Root.self, Invites.self, Accounts.self, Backup.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the relay (SQLite in --data, HTTP and WebSocket on --listen).")

    @Option(help: "Address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:8787"

    @Option(help: "Folder for the stores and the operator keys.")
    var data = "relay-data"

    @Option(help: "The origin devices sign registrations for (default: http://LISTEN).")
    var origin: String?

    @Flag(help: "Production mode: never create a development operator root; require a server key certified by the offline root.")
    var production = false

    @Option(help: "Days undelivered mail is kept.")
    var retentionDays: UInt64 = Limits.relayRetention / Limits.day

    @Flag(help: "Registration needs an invite code (sealpost-relay invites create); otherwise it is open.")
    var invites = false

    @Option(help: "Account registrations allowed per network address per hour.")
    var registrationsPerHour: Double = 10

    @Option(help: "Sealed uploads allowed per network address per second.")
    var uploadsPerSecond: Double = 2_000

    mutating func run() async throws {
        var logger = Logger(label: "sealpost-relay")
        logger.logLevel = .info
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        let host = String(parts[0])
        let folder = URL(fileURLWithPath: data, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let now = UInt64(Date().timeIntervalSince1970)
        let keys = try OperatorKeys.load(directory: folder.appendingPathComponent("operator"), development: !production, now: now)
        let service = RelayService(
            directory: try DirectoryStore(path: folder.appendingPathComponent("directory.sqlite").path),
            mailboxes: try SQLiteMailboxStore(path: folder.appendingPathComponent("mailboxes.sqlite").path),
            operatorKeys: keys, origin: origin ?? "http://\(listen)", requiresInvite: invites)
        if keys.isDevelopment {
            say("DEVELOPMENT operator root (created by this relay; never use it in production)")
        }
        say("operator root fingerprint: \(keys.fingerprint)")
        say("data in \(folder.path)")
        let retention = retentionDays * Limits.day
        let router = RelayServer.router(
            service: service, limits: RelayRateLimits(registrationsPerHour: registrationsPerHour, uploadsPerSecond: uploadsPerSecond))
        let app = Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname(host, port: port), serverName: "sealpost-relay"),
            onServerRunning: { channel in
                // The bound port (the system's choice for --listen HOST:0).
                say("listening on \(host):\(channel.localAddress?.port ?? port)")
            },
            logger: logger)
        let expiry = Task {
            while !Task.isCancelled {
                let removed = (try? await service.expire(now: UInt64(Date().timeIntervalSince1970), retention: retention)) ?? 0
                if removed > 0 { logger.info("expired mail", metadata: ["envelopes": "\(removed)"]) }
                try? await Task.sleep(for: .seconds(3_600))
            }
        }
        defer { expiry.cancel() }
        try await app.runService()
    }
}

/// Writes a line to standard output at once (no buffering: operators and tests read it live).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
