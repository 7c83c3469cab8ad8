import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
import SealpostWire
import SealpostTestSupport

@Suite("Relay over TLS")
struct RelayTLSTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// `serve --tls-cert --tls-key`: HTTPS with the configured certificate; a client that does not
    /// trust it is refused by its own TLS check.
    @Test(.timeLimit(.minutes(1))) func theRelayServesHTTPSWithItsCertificate() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificate = Self.fixtures.appendingPathComponent("tls-test-cert.pem").path
        let relay = try RelayProcess(data: folder, arguments: ["--tls-cert", certificate, "--tls-key", Self.fixtures.appendingPathComponent("tls-test-key.pem").path])
        defer { relay.stop() }

        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: trusting))
        let strict = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(relay.port)/healthz"), timeout: .seconds(10))
            #expect(response.status.code == 200)
            #expect(String(buffer: try await response.body.collect(upTo: 1_024)) == "ok\n")
            var operatorRequest = HTTPClientRequest(url: "https://127.0.0.1:\(relay.port)/v1/operator")
            operatorRequest.method = .GET
            let info = try await client.execute(operatorRequest, timeout: .seconds(10))
            _ = try OperatorInfo(serialized: Array(try await info.body.collect(upTo: 1 << 16).readableBytesView))
            await #expect(throws: (any Error).self) {
                _ = try await strict.execute(HTTPClientRequest(url: "https://127.0.0.1:\(relay.port)/healthz"), timeout: .seconds(2))
            }
        } catch {
            try await client.shutdown()
            try await strict.shutdown()
            throw error
        }
        try await client.shutdown()
        try await strict.shutdown()
    }
}
