import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SealpostWire

/// A `sealpost-relay serve` process on 127.0.0.1 with its own data folder, for end-to-end tests.
/// It listens on a port the system picks; `stop` ends it (SIGTERM), `kill` crashes it (SIGKILL).
public final class RelayProcess: @unchecked Sendable {
    let process = Process()
    /// The data folder.
    public let data: URL
    let output = Pipe()
    /// The port it listens on.
    public private(set) var port = 0
    /// The operator root fingerprint it printed at start.
    public private(set) var rootFingerprint = ""
    /// The origin it runs with.
    public static let origin = "http://relay.test"

    /// The binary SwiftPM built beside the test runner.
    public static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sealpost-relay")
    }

    /// Starts the relay on `data` and waits until it listens.
    public init(data: URL, arguments: [String] = []) throws {
        self.data = data
        process.executableURL = Self.binary
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data", data.path, "--origin", Self.origin] + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        port = try waitForPort()
    }

    /// Reads the relay's output until it says where it listens (at most 30 s).
    private func waitForPort() throws -> Int {
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        let handle = output.fileHandleForReading
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { if !process.isRunning { break }; continue }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: "operator root fingerprint: ") {
                rootFingerprint = String(text[range.upperBound...].prefix { !$0.isWhitespace })
            }
            if let range = text.range(of: "listening on 127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port != 0 { return port }
            }
        }
        throw RelayProcessError(message: "the relay did not start: \(text)")
    }

    /// Runs an operator command (`sealpost-relay ARGUMENTS --data <this relay's folder>`) beside
    /// the running relay and returns what it printed.
    public func operatorCommand(_ arguments: [String]) throws -> String {
        let command = Process()
        let pipe = Pipe()
        command.executableURL = Self.binary
        command.arguments = arguments + ["--data", data.path]
        command.standardOutput = pipe
        command.standardError = pipe
        try command.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        command.waitUntilExit()
        guard command.terminationStatus == 0 else { throw RelayProcessError(message: "sealpost-relay \(arguments.joined(separator: " ")): \(text)") }
        return text
    }

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Ends it with SIGTERM (a clean shutdown).
    ///
    /// A relay's graceful shutdown can wait up to 15 s for a connection an HTTP client opened and
    /// never used (`Spec/relay.md`, "Known limitations"); the tests do not wait for that: after
    /// 3 s the relay is killed (every acknowledged write is durable either way).
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Ends it with SIGTERM and waits however long its graceful shutdown takes; returns how long.
    public func stopGracefully() -> Duration {
        let start = ContinuousClock.now
        guard process.isRunning else { return .zero }
        process.terminate()
        process.waitUntilExit()
        return ContinuousClock.now - start
    }

    /// Crashes it with SIGKILL.
    public func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }

    /// One HTTP request; returns the status and body.
    public func request(_ method: String, _ path: String, body: [UInt8]? = nil, authorization: String? = nil) async throws -> (status: Int, body: [UInt8]) {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.timeoutInterval = 20
        if let body { request.httpBody = Data(body) }
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, [UInt8](data))
    }
}

public struct RelayProcessError: Error, CustomStringConvertible {
    let message: String
    /// The reason.
    public var description: String { message }
}
