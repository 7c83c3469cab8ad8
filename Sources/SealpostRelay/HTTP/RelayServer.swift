import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import SealpostCrypto
import SealpostWire

/// The relay's HTTP and WebSocket API over a ``RelayService`` (`Spec/relay.md`, "Endpoints").
///
/// Bodies are Sealpost's binary encodings (`application/octet-stream`); errors are
/// `application/json` `{"code", "message", "details"}` with the status of the ``RelayError``.
public enum RelayServer {
    /// The request context: hummingbird's, with the WebSocket handler and the peer's address
    /// (kept for rate limiting, in memory only).
    public struct Context: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
        /// Hummingbird's storage.
        public var coreContext: CoreRequestContextStorage
        /// The WebSocket upgrade handler.
        public let webSocket: WebSocketHandlerReference<Self>
        /// The peer's address.
        public let remoteAddress: SocketAddress?
        /// The device a WebSocket upgrade authenticated, handed to the connection (a signed
        /// challenge can be checked only once).
        let authenticated = AuthenticatedDevice()

        /// A context for a request on `source`'s channel.
        public init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            webSocket = .init()
            remoteAddress = source.channel.remoteAddress
        }

        /// The key rate limits use: the peer's IPv4 address, or the /64 prefix of its IPv6 address
        /// (one host usually holds a whole /64).
        var peer: String {
            guard let remoteAddress else { return "unknown" }
            if case .v6(let address) = remoteAddress {
                let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0.prefix(8)) }
                return "v6:" + bytes.map { String(format: "%02x", $0) }.joined()
            }
            return remoteAddress.ipAddress ?? "unknown"
        }
    }

    /// The largest upload body: a full content field and 1 024 recipient entries.
    public static let maximumUploadBytes = 6 << 20
    /// The largest body of any other request.
    public static let maximumRequestBytes = 64 << 10
    /// The most envelope bytes one `GET /v1/messages` answer carries.
    public static let maximumFetchBytes = 8 << 20

    /// Seconds since the Unix epoch.
    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

    /// The router with every route of `Spec/relay.md`.
    /// - Parameter serveMetrics: Whether `/metrics` is on this router; off when the operator
    ///   serves it on a separate, internal listener (``metricsRouter(service:)``).
    public static func router(service: RelayService, limits: RelayRateLimits = RelayRateLimits(), serveMetrics: Bool = true) -> Router<Context> {
        let router = Router(context: Context.self)
        router.get("/healthz") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        if serveMetrics { addMetrics(to: router, service: service) }
        router.get("/v1/operator") { _, _ in handle(service.metrics) { binary(try service.operatorInfo(now: now())) } }
        router.post("/v1/accounts") { request, context in
            await handle(service.metrics) {
                guard limits.registrations.allow(context.peer) else { throw RelayError.rateLimited }
                return binary(try await service.registerAccount(try await body(request), now: now()), status: .created) }
        }
        router.post("/v1/accounts/:account/reset") { request, context in
            await handle(service.metrics) {
                guard limits.registrations.allow(context.peer) else { throw RelayError.rateLimited }
                guard let text = context.parameters.get("account"), let account = try? AccountID(hex: text) else { throw RelayError.notFound }
                try await service.resetAccount(account, try await body(request), now: now())
                return empty()
            }
        }
        router.get("/v1/auth/challenge") { _, context in
            handle(service.metrics) {
                guard limits.lookups.allow(context.peer) else { throw RelayError.rateLimited }
                return binary(service.challenge(now: now()))
            }
        }
        router.put("/v1/devices") { request, context in
            await handle(service.metrics) {
                guard limits.lookups.allow(context.peer) else { throw RelayError.rateLimited }
                try await service.registerDevice(try await body(request), now: now())
                return empty()
            }
        }
        router.put("/v1/keys/envelope") { request, _ in
            await handle(service.metrics) {
                let address = try await service.authenticate(request.headers[.authorization])
                try await service.publishEnvelopeKey(try await body(request), for: address, now: now())
                return empty()
            }
        }
        router.put("/v1/keys/prekeys") { request, _ in
            await handle(service.metrics) {
                let address = try await service.authenticate(request.headers[.authorization])
                try await service.publishPrekeys(try await body(request, limit: 512 << 10), for: address)
                return empty()
            }
        }
        router.get("/v1/keys/counts") { request, _ in
            await handle(service.metrics) { binary(try await service.prekeyCounts(for: try await service.authenticate(request.headers[.authorization]))) }
        }
        router.get("/v1/accounts/:account/devices/:device/bundle") { _, context in
            await handle(service.metrics) {
                guard limits.bundles.allow(context.peer) else { throw RelayError.rateLimited }
                guard let text = context.parameters.get("account"), let account = try? AccountID(hex: text),
                    let number = context.parameters.get("device").flatMap({ UInt32($0) }), let device = try? DeviceID(number)
                else { throw RelayError.notFound }
                return binary(try await service.bundle(for: DeviceAddress(accountID: account, deviceID: device)))
            }
        }
        router.put("/v1/username") { request, _ in
            await handle(service.metrics) {
                let address = try await service.authenticate(request.headers[.authorization])
                try await service.setName(try await body(request), for: address)
                return empty()
            }
        }
        router.get("/v1/usernames/:name") { _, context in
            await handle(service.metrics) {
                guard limits.lookups.allow(context.peer) else { throw RelayError.rateLimited }
                return binary(try await service.lookUp(name: context.parameters.get("name") ?? ""))
            }
        }
        router.put("/v1/access") { request, _ in
            await handle(service.metrics) {
                let address = try await service.authenticate(request.headers[.authorization])
                try await service.setAccess(try await body(request), for: address)
                return empty()
            }
        }
        router.get("/v1/certificate") { request, _ in
            await handle(service.metrics) { binary(try await service.senderCertificate(for: try await service.authenticate(request.headers[.authorization]), now: now())) }
        }
        router.get("/v1/accounts/:account/devices") { _, context in
            await handle(service.metrics) {
                guard limits.lookups.allow(context.peer) else { throw RelayError.rateLimited }
                guard let text = context.parameters.get("account"), let account = try? AccountID(hex: text) else { throw RelayError.notFound }
                return binary(try await service.accountDevices(account))
            }
        }
        addProvisioning(to: router, service: service, limits: limits)
        router.post("/v1/messages") { request, context in
            await handle(service.metrics) {
                guard limits.uploads.allow(context.peer) else { throw RelayError.rateLimited }
                // Sealed send: no authentication is read from this request, by design.
                var omitting: DeviceID?
                if let text = request.uri.queryParameters.get("omit") {
                    guard let value = UInt32(text), let device = try? DeviceID(value) else { throw RelayError.malformed("omit is a device id") }
                    omitting = device
                }
                try await service.send(try await body(request, limit: maximumUploadBytes), omitting: omitting, now: now())
                return empty()
            }
        }
        router.post("/v1/messages/batch") { request, context in
            await handle(service.metrics) {
                guard limits.uploads.allow(context.peer) else { throw RelayError.rateLimited }
                try await service.sendBatch(try await body(request, limit: maximumUploadBytes), now: now())
                return empty()
            }
        }
        router.ws("/v1/send") { _, _ in
            // Sealed send: no authentication is read from this upgrade, by design.
            .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            try await SendSocket.serve(service: service, limits: limits, peer: context.requestContext.peer, inbound: inbound, outbound: outbound)
        }
        router.get("/v1/messages") { request, _ in
            await handle(service.metrics) {
                let address = try await service.authenticate(request.headers[.authorization])
                let after = request.uri.queryParameters.get("after").flatMap { UInt64($0) } ?? 0
                let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100
                var envelopes = try await service.pending(for: address, after: after, limit: limit)
                // At most `maximumFetchBytes` per answer: the rest comes with the next fetch.
                var total = 0
                if let cut = envelopes.firstIndex(where: { total += $0.envelope.count + 21; return total > maximumFetchBytes }) {
                    envelopes = Array(envelopes[..<max(cut, 1)])
                }
                var writer = ByteWriter()
                writer.u8(1)
                writer.u16(UInt16(envelopes.count))
                for envelope in envelopes { writer.lp32(envelope.deliveryFrame()) }
                service.metrics.envelopesDelivered.increment(by: Int64(envelopes.count))
                return binary(writer.bytes)
            }
        }
        router.post("/v1/messages/acknowledge") { request, _ in
            await handle(service.metrics) {
                let address = try await service.authenticate(request.headers[.authorization])
                try await service.acknowledge(try await body(request), for: address)
                return empty()
            }
        }
        router.ws("/v1/receive") { request, context in
            do {
                context.authenticated.set(try await service.authenticate(request.headers[.authorization]))
                return .upgrade([:])
            } catch {
                throw HTTPError(.unauthorized)
            }
        } onUpgrade: { inbound, outbound, context in
            guard let address = context.requestContext.authenticated.get() else { return }
            service.metrics.receivers.increment(by: 1)
            defer { service.metrics.receivers.decrement(by: 1) }
            try await receive(address: address, service: service, inbound: inbound, outbound: outbound)
        }
        return router
    }

    /// A router with `/metrics` only, for a listener on an internal address.
    public static func metricsRouter(service: RelayService) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        addMetrics(to: router, service: service)
        return router
    }

    static func addMetrics<C: RequestContext>(to router: Router<C>, service: RelayService) {
        router.get("/metrics") { _, _ in
            if let store = service.mailboxes as? SQLiteMailboxStore {
                let statistics = await store.commitStatistics()
                service.metrics.commits.set(Double(statistics.transactions))
                service.metrics.committedOperations.set(Double(statistics.operations))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: service.metrics.render())))
        }
    }

    /// `PUT` and `GET /v1/provisioning/{channel}/{slot}`: write-once slots of a short-lived
    /// channel; a `GET` with `?wait=S` (at most 25) waits up to S seconds for the slot.
    static func addProvisioning(to router: Router<Context>, service: RelayService, limits: RelayRateLimits) {
        @Sendable func slot(_ context: Context) throws -> (channel: [UInt8], slot: Int) {
            guard let text = context.parameters.get("channel"), let channel = try? Hex.decode(text),
                let slot = context.parameters.get("slot").flatMap({ Int($0) })
            else { throw RelayError.notFound }
            return (channel, slot)
        }
        router.put("/v1/provisioning/:channel/:slot") { request, context in
            await handle(service.metrics) {
                guard limits.provisioning.allow(context.peer) else { throw RelayError.rateLimited }
                let target = try slot(context)
                let body = try await body(request, limit: ProvisioningStore.maximumSlotBytes)
                try service.provisioning.put(channel: target.channel, slot: target.slot, body: body, peer: context.peer)
                return Response(status: .created)
            }
        }
        router.get("/v1/provisioning/:channel/:slot") { request, context in
            await handle(service.metrics) {
                guard limits.provisioning.allow(context.peer) else { throw RelayError.rateLimited }
                let target = try slot(context)
                let wait = min(request.uri.queryParameters.get("wait").flatMap { Int($0) } ?? 0, 25)
                let deadline = ContinuousClock.now + .seconds(max(wait, 0))
                while true {
                    if let body = try service.provisioning.get(channel: target.channel, slot: target.slot) { return binary(body) }
                    guard ContinuousClock.now < deadline else { throw RelayError.notFound }
                    try await Task.sleep(for: .milliseconds(25))
                }
            }
        }
    }

    /// Pushes queued then live envelopes; applies the acknowledgements the device sends back.
    static func receive(address: DeviceAddress, service: RelayService, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let arrivals = service.arrivals(for: address)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in inbound.messages(maxSize: 16 << 10) {
                    guard case .binary(let buffer) = message else { continue }
                    try await service.acknowledge(Array(buffer.readableBytesView), for: address)
                }
            }
            group.addTask {
                var cursor: UInt64 = 0
                func send(_ envelope: StoredEnvelope) async throws {
                    // Fragmented into frames of at most 16 KiB, the size clients read by default.
                    try await outbound.writeBinaryMessage(ByteBuffer(bytes: envelope.deliveryFrame()))
                    service.metrics.envelopesDelivered.increment()
                    cursor = envelope.sequence
                }
                /// Everything stored after `cursor`, from the store.
                func catchUp() async throws {
                    while true {
                        let batch = try await service.pending(for: address, after: cursor, limit: 16)
                        for envelope in batch { try await send(envelope) }
                        if batch.count < 16 { return }
                    }
                }
                try await catchUp()
                // The subscription was made before the first read: nothing stored since is missed.
                for await batch in arrivals {
                    for envelope in batch where envelope.sequence > cursor {
                        // The next one in order comes from memory; a gap means the store has more.
                        if envelope.sequence == cursor + 1 { try await send(envelope) } else { try await catchUp() }
                    }
                }
            }
            // When the device closes (its inbound ends) or a write fails, stop both.
            try await group.next()
            group.cancelAll()
        }
    }

    static func body(_ request: Request, limit: Int = maximumRequestBytes) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw RelayError.tooLarge
        } catch {
            throw RelayError.malformed("the body could not be read")
        }
    }

    static func binary(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func empty() -> Response { Response(status: .noContent) }

    /// Runs a handler; maps a ``RelayError`` (or anything else, as 500) to its JSON answer.
    static func handle(_ metrics: RelayMetrics, _ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return failure(error, metrics) }
    }

    static func handle(_ metrics: RelayMetrics, _ body: () throws -> Response) -> Response {
        do { return try body() } catch { return failure(error, metrics) }
    }

    static func failure(_ error: any Error, _ metrics: RelayMetrics) -> Response {
        errorResponse(relayError(error, metrics))
    }

    /// The ``RelayError`` an error answers with (anything else is a 500), counted.
    static func relayError(_ error: any Error, _ metrics: RelayMetrics) -> RelayError {
        let relayError = error as? RelayError ?? RelayError(status: 500, code: "internal", message: "internal error")
        metrics.refused(relayError)
        return relayError
    }

    /// `{"code", "message", "details"}` and a newline.
    static func errorJSON(_ error: RelayError) -> [UInt8] {
        let escaped = error.message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return Array("{\"code\":\"\(error.code)\",\"message\":\"\(escaped)\",\"details\":\"\(Hex.encode(error.details))\"}\n".utf8)
    }

    static func errorResponse(_ error: RelayError) -> Response {
        Response(
            status: HTTPResponse.Status(code: error.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: errorJSON(error))))
    }
}

/// The device a request authenticated, shared by the copies of one request's context.
final class AuthenticatedDevice: Sendable {
    private let address = Mutex<DeviceAddress?>(nil)
    func set(_ value: DeviceAddress) { address.withLock { $0 = value } }
    func get() -> DeviceAddress? { address.withLock { $0 } }
}
