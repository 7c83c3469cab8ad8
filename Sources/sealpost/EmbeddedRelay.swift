import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import SealpostRelay
import SealpostWire

/// A relay inside this process, for `sealpost demo`: the same service and routes as
/// `sealpost-relay serve`, with a development operator root, SQLite stores in `folder`, on
/// 127.0.0.1 at a port the system picks.
final class EmbeddedRelay: Sendable {
    /// The origin clients sign for (any agreed string; the port is not known in advance).
    static let origin = "http://demo.sealpost.invalid"
    let service: RelayService
    let url: String
    let rootFingerprint: String
    private let task: Task<Void, any Error>

    private init(service: RelayService, url: String, rootFingerprint: String, task: Task<Void, any Error>) {
        self.service = service
        self.url = url
        self.rootFingerprint = rootFingerprint
        self.task = task
    }

    static func start(folder: URL) async throws -> EmbeddedRelay {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let keys = try OperatorKeys.load(directory: folder.appendingPathComponent("operator"), development: true, now: UInt64(Date().timeIntervalSince1970))
        let service = RelayService(
            directory: try DirectoryStore(path: folder.appendingPathComponent("directory.sqlite").path),
            mailboxes: try SQLiteMailboxStore(path: folder.appendingPathComponent("mailboxes.sqlite").path),
            operatorKeys: keys, origin: origin)
        var logger = Logger(label: "sealpost-demo-relay")
        logger.logLevel = .critical  // cancellation at the end of the demo is not an error worth showing
        let router = RelayServer.router(service: service)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "sealpost-demo-relay"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.runService() }
        var port = 0
        for await bound in ports { port = bound }
        guard port != 0 else {
            task.cancel()
            throw CLIError("the embedded relay did not start")
        }
        return EmbeddedRelay(service: service, url: "http://127.0.0.1:\(port)", rootFingerprint: keys.fingerprint, task: task)
    }

    /// Stops the server (requests in flight finish) and waits for it.
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
