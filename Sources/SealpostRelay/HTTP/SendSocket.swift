import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import SealpostWire

/// `GET /v1/send`: sealed send over a WebSocket that carries no authentication (`Spec/relay.md`,
/// "Sealed send over a WebSocket"). A sender keeps it open and pipelines uploads on it instead of
/// making one HTTP request each; what the relay learns is what it learns from a keep-alive
/// connection carrying `POST /v1/messages`.
///
/// Each request message is `u32 request id ‖ u8 kind ‖ body`, kind 1 the body of
/// `POST /v1/messages`, kind 2 that of `POST /v1/messages/batch`. Each answer is
/// `u32 request id ‖ u16 status ‖ lp32(error JSON, empty for 204)`, the status and JSON exactly
/// those of the HTTP endpoint, in the order the requests complete. At most
/// ``maximumInFlight`` requests of one connection are in progress; the relay reads no further
/// until one completes.
enum SendSocket {
    /// Requests in progress per connection.
    static let maximumInFlight = 64
    /// The largest request message.
    static let maximumMessageBytes = RelayServer.maximumUploadBytes + 5

    static func serve(service: RelayService, limits: RelayRateLimits, peer: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for try await message in inbound.messages(maxSize: maximumMessageBytes) {
                guard case .binary(let buffer) = message else { continue }
                if inFlight == maximumInFlight {
                    try await group.next()
                    inFlight -= 1
                }
                inFlight += 1
                group.addTask {
                    let bytes = Array(buffer.readableBytesView)
                    let id = bytes.count >= 4 ? Array(bytes[..<4]) : [0, 0, 0, 0]
                    let status: Int, answer: [UInt8]
                    do {
                        guard bytes.count >= 5 else { throw RelayError.malformed("a send request is u32 id ‖ u8 kind ‖ body") }
                        guard limits.uploads.allow(peer) else { throw RelayError.rateLimited }
                        let body = Array(bytes[5...])
                        switch bytes[4] {
                        case 1: try await service.send(body, now: RelayServer.now())
                        case 2: try await service.sendBatch(body, now: RelayServer.now())
                        default: throw RelayError.malformed("unknown send request kind")
                        }
                        (status, answer) = (204, [])
                    } catch {
                        let failure = RelayServer.relayError(error, service.metrics)
                        (status, answer) = (failure.status, RelayServer.errorJSON(failure))
                    }
                    var writer = ByteWriter(capacity: 10 + answer.count)
                    writer.raw(id)
                    writer.u16(UInt16(status))
                    writer.lp32(answer)
                    try await outbound.write(.binary(ByteBuffer(bytes: writer.bytes)))
                }
            }
            try await group.waitForAll()
        }
    }
}
