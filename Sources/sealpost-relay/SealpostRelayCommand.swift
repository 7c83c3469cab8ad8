import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import NIOSSL
import ServiceLifecycle
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

/// Settings of `serve` that a configuration file may hold (JSON, the flags' names as keys); a
/// flag on the command line wins over the file.
struct ServeSettings: Decodable {
    var listen: String?
    var data: String?
    var origin: String?
    var production: Bool?
    var retentionDays: UInt64?
    var invites: Bool?
    var registrationsPerHour: Double?
    var uploadsPerSecond: Double?
    var tlsCert: String?
    var tlsKey: String?
    var metricsListen: String?
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the relay (SQLite in --data, HTTP and WebSocket on --listen).")

    @Option(help: "A JSON file with any of the settings below (keys: listen, data, origin, production, retentionDays, invites, registrationsPerHour, uploadsPerSecond, tlsCert, tlsKey, metricsListen).")
    var config: String?

    @Option(help: "Address to listen on, HOST:PORT (default 127.0.0.1:8787).")
    var listen: String?

    @Option(help: "Folder for the stores and the operator keys (default relay-data).")
    var data: String?

    @Option(help: "The origin devices sign registrations for (default: http(s)://LISTEN).")
    var origin: String?

    @Flag(help: "Production mode: never create a development operator root; require a server key certified by the offline root.")
    var production = false

    @Option(help: "Days undelivered mail is kept (default 30).")
    var retentionDays: UInt64?

    @Flag(help: "Registration needs an invite code (sealpost-relay invites create); otherwise it is open.")
    var invites = false

    @Option(help: "Account registrations allowed per network address per hour (default 10).")
    var registrationsPerHour: Double?

    @Option(help: "Sealed uploads allowed per network address per second (default 2000).")
    var uploadsPerSecond: Double?

    @Option(help: "PEM certificate chain: serve HTTPS and WSS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "Serve /metrics on this internal HOST:PORT instead of the public listener.")
    var metricsListen: String?

    mutating func run() async throws {
        var file = ServeSettings()
        if let config {
            guard let bytes = FileManager.default.contents(atPath: config) else { throw ValidationError("cannot read \(config)") }
            do { file = try JSONDecoder().decode(ServeSettings.self, from: bytes) } catch { throw ValidationError("\(config): \(error)") }
        }
        let listen = self.listen ?? file.listen ?? "127.0.0.1:8787"
        let data = self.data ?? file.data ?? "relay-data"
        let production = self.production || (file.production ?? false)
        let invites = self.invites || (file.invites ?? false)
        let retentionDays = self.retentionDays ?? file.retentionDays ?? Limits.relayRetention / Limits.day
        let tlsCert = self.tlsCert ?? file.tlsCert, tlsKey = self.tlsKey ?? file.tlsKey
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        var logger = Logger(label: "sealpost-relay")
        logger.logLevel = .info
        let (host, port) = try Self.address(listen, flag: "--listen")
        let metricsListen = self.metricsListen ?? file.metricsListen
        let folder = URL(fileURLWithPath: data, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let now = UInt64(Date().timeIntervalSince1970)
        let keys = try OperatorKeys.load(directory: folder.appendingPathComponent("operator"), development: !production, now: now)
        let scheme = tlsCert == nil ? "http" : "https"
        let service = RelayService(
            directory: try DirectoryStore(path: folder.appendingPathComponent("directory.sqlite").path),
            mailboxes: try SQLiteMailboxStore(path: folder.appendingPathComponent("mailboxes.sqlite").path),
            operatorKeys: keys, origin: origin ?? file.origin ?? "\(scheme)://\(listen)", requiresInvite: invites)
        if keys.isDevelopment {
            say("DEVELOPMENT operator root (created by this relay; never use it in production)")
        }
        say("operator root fingerprint: \(keys.fingerprint)")
        say("data in \(folder.path)\(invites ? ", registration by invite" : ", open registration")")
        guard (1...3_650).contains(retentionDays) else { throw ValidationError("--retention-days must be 1 to 3650") }
        let retention = retentionDays * Limits.day
        let router = RelayServer.router(
            service: service,
            limits: RelayRateLimits(
                registrationsPerHour: registrationsPerHour ?? file.registrationsPerHour ?? 10,
                uploadsPerSecond: uploadsPerSecond ?? file.uploadsPerSecond ?? 2_000),
            serveMetrics: metricsListen == nil)
        // WebSocket frames of at most 16 KiB; larger messages come fragmented, and each route bounds
        // the whole message it assembles.
        var server = HTTPServerBuilder.http1WebSocketUpgrade(webSocketRouter: router)
        if let tlsCert, let tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(tlsCert).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
            server = try .tls(server, tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        }
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "sealpost-relay"),
            onServerRunning: { channel in
                // The bound port (the system's choice for --listen HOST:0).
                say("listening on \(host):\(channel.localAddress?.port ?? port)\(scheme == "https" ? " (TLS)" : "")")
            },
            logger: logger)
        let expiry = Task {
            while !Task.isCancelled {
                let removed = (try? await service.expire(now: UInt64(Date().timeIntervalSince1970), retention: retention)) ?? 0
                if removed > 0 { logger.info("expired mail", metadata: ["envelopes": "\(removed)"]) }
                let mailboxes = await service.removeMailboxesOfRemovedDevices()
                if mailboxes > 0 { logger.info("removed mailboxes of removed devices", metadata: ["mailboxes": "\(mailboxes)"]) }
                try? await Task.sleep(for: .seconds(3_600))
            }
        }
        defer { expiry.cancel() }
        var services: [any Service] = [app]
        if let metricsListen {
            let (metricsHost, metricsPort) = try Self.address(metricsListen, flag: "--metrics-listen")
            services.append(Application(
                router: RelayServer.metricsRouter(service: service),
                configuration: .init(address: .hostname(metricsHost, port: metricsPort), serverName: "sealpost-relay-metrics"),
                onServerRunning: { channel in say("metrics on \(metricsHost):\(channel.localAddress?.port ?? metricsPort)") },
                logger: logger))
        }
        // SIGTERM and SIGINT: stop accepting, let requests in flight finish, then close — within
        // 10 s, then the rest is cancelled; a connection that still holds the relay 2 s after
        // that (one a client opened and never used: the server is not told to close it before
        // its first request) ends with the process. Every acknowledged upload is durable before
        // its answer, and SQLite needs no close to keep what it committed.
        // The watchdog is last, so it hears of the shutdown first; its return ends nothing.
        let configured = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
            + [.init(service: ShutdownWatchdog(limit: .seconds(12), logger: logger), successTerminationBehavior: .ignore)]
        var configuration = ServiceGroupConfiguration(services: configured, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// `HOST:PORT`, checked.
    static func address(_ text: String, flag: String) throws -> (String, Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) else {
            throw ValidationError("\(flag) must be HOST:PORT, got \(text)")
        }
        return (String(parts[0]), port)
    }
}

/// Writes a line to standard output at once (no buffering: operators and tests read it live).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Ends the process if a graceful shutdown has not finished `limit` after it began.
struct ShutdownWatchdog: Service {
    let limit: Duration
    let logger: Logger

    func run() async throws {
        // Waits for the shutdown signal (or cancellation), arms a timer no task awaits, returns.
        try? await gracefulShutdown()
        let (limit, logger) = (limit, logger)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds))
            logger.warning("shutdown did not finish in time (a client holds a connection open); exiting")
            exit(0)
        }
    }
}

