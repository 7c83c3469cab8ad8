import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import SealpostWire

/// `GET /v1/send`: sealed send over a WebSocket that carries no authentication (`Spec/relay.md`,
/// "Sealed send", "Over a WebSocket"). A sender keeps it open and pipelines uploads on it instead
/// of making one HTTP request each; what the relay learns is what it learns from a keep-alive
/// connection carrying `POST /v1/messages`.
///
/// Each request message is `u32 request id ‖ u8 kind ‖ body`, kind 1 the body of
/// `POST /v1/messages`, kind 2 that of `POST /v1/messages/batch`. Each answer is
/// `u32 request id ‖ u16 status ‖ lp32(error JSON, empty for 204)`, the status and JSON exactly
/// those of the HTTP endpoint, in the order the requests complete. A connection has at most
/// ``maximumInFlight`` requests and ``maximumInFlightBytes`` of request bytes in progress; the
/// relay reads no further until some complete.
enum SendSocket {
    /// Requests in progress per connection.
    static let maximumInFlight = 64
    /// Request bytes in progress per connection (one maximal upload always fits).
    static let maximumInFlightBytes = 16 << 20
    /// The largest request message.
    static let maximumMessageBytes = RelayServer.maximumUploadBytes + 5

    static func serve(service: RelayService, limits: RelayRateLimits, peer: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var inFlight = 0, inFlightBytes = 0
            for try await message in inbound.messages(maxSize: maximumMessageBytes) {
                guard case .binary(let buffer) = message else { continue }
                let size = buffer.readableBytes
                while inFlight == maximumInFlight || (inFlight > 0 && inFlightBytes + size > maximumInFlightBytes) {
                    guard let done = try await group.next() else { break }
                    inFlight -= 1
                    inFlightBytes -= done
                }
                inFlight += 1
                inFlightBytes += size
                // Checked here, before any work is queued for the request.
                let allowed = limits.uploads.allow(peer)
                group.addTask {
                    var request = buffer
                    let id: UInt32 = size >= 5 ? request.readInteger() ?? 0 : 0
                    let kind: UInt8 = size >= 5 ? request.readInteger() ?? 0 : 0
                    let status: Int, answer: [UInt8]
                    do {
                        guard size >= 5 else { throw RelayError.malformed("a send request is u32 id ‖ u8 kind ‖ body") }
                        guard allowed else { throw RelayError.rateLimited }
                        let body = request.readBytes(length: request.readableBytes) ?? []
                        switch kind {
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
                    writer.u32(id)
                    writer.u16(UInt16(status))
                    writer.lp32(answer)
                    try await outbound.write(.binary(ByteBuffer(bytes: writer.bytes)))
                    return size
                }
            }
            // The sender closed: finish (and answer) what is in progress.
            while try await group.next() != nil {}
        }
    }
}
