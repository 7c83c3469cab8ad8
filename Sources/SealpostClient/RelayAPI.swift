import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SealpostCrypto
import SealpostWire

/// Where a relay is: the URL to connect to, and the origin it signs challenges and registrations
/// for (its `--origin`; usually the same URL).
public struct RelayEndpoint: Sendable, Hashable {
    /// `http://HOST:PORT` or `https://HOST:PORT`.
    public let url: String
    /// The origin the relay runs with.
    public let origin: String

    /// An endpoint; the origin defaults to the URL.
    public init(url: String, origin: String? = nil) {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.url = trimmed
        self.origin = origin ?? trimmed
    }

    /// The WebSocket URL of `path`.
    func webSocketURL(_ path: String) -> String {
        (url.hasPrefix("https://") ? "wss://" + url.dropFirst(8) : "ws://" + url.dropFirst(7)) + path
    }
}

/// The relay's HTTP API (`Spec/relay.md`), typed. Two HTTP clients, so two connection pools:
/// sealed sends never travel over a connection that carried an authenticated request.
///
/// The pools live as long as the process (an `HTTPClient` must be shut down before it is
/// released, and a client dropped on an error path must not take the process down).
final class RelayAPI: Sendable {
    let endpoint: RelayEndpoint

    private static let configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(30)))
    /// Requests that identify a device (or are public directory reads).
    private static let authenticatedPool = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    /// Sealed sends only: no request on these connections carries a credential.
    private static let sealedPool = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

    private var authenticated: HTTPClient { Self.authenticatedPool }
    private var sealed: HTTPClient { Self.sealedPool }

    init(endpoint: RelayEndpoint) {
        self.endpoint = endpoint
    }

    /// Nothing to release: the pools are the process's (idle connections close after a minute).
    func shutdown() async {}

    /// One request; a non-2xx answer becomes ``ClientError/relay(status:code:message:details:)``.
    func call(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, authorization: String? = nil, sealedSend: Bool = false) async throws(ClientError) -> [UInt8] {
        var request = HTTPClientRequest(url: endpoint.url + path)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
        }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let status: Int, bytes: [UInt8]
        do {
            let response = try await (sealedSend ? sealed : authenticated).execute(request, timeout: .seconds(30))
            status = Int(response.status.code)
            bytes = Array(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        } catch {
            throw .network("\(error)")
        }
        guard (200..<300).contains(status) else { throw Self.failure(status: status, body: bytes) }
        return bytes
    }

    /// The relay's JSON error, parsed leniently (it is only shown and branched on by code).
    static func failure(status: Int, body: [UInt8]) -> ClientError {
        struct Answer: Decodable { let code: String; let message: String; let details: String? }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
            return .relay(status: status, code: "http\(status)", message: String(decoding: body.prefix(200), as: UTF8.self).printable, details: [])
        }
        return .relay(
            status: status, code: String(answer.code.prefix(64)).printable, message: String(answer.message.prefix(500)).printable,
            details: answer.details.flatMap { try? Hex.decode($0) } ?? [])
    }

    // MARK: Endpoints

    func operatorInfo() async throws(ClientError) -> OperatorInfo {
        let bytes = try await call(.GET, "/v1/operator")
        return try checked("operator info") { try OperatorInfo(serialized: bytes) }
    }

    func createAccount(accountKey: Ed25519.PublicKey, invite: String?) async throws(ClientError) -> AccountID {
        let request = try checked("registration") { try AccountRegistration(inviteCode: Array((invite ?? "").utf8), accountKey: accountKey) }
        let reply = try await call(.POST, "/v1/accounts", body: request.serialized())
        return try checked("account id") {
            var reader = ByteReader(reply, structure: "account created")
            try reader.version(1)
            let id = try AccountID(rawRepresentation: try reader.raw(AccountID.byteCount))
            try reader.finish()
            return id
        }
    }

    /// Binds `account` to a new account key with the operator's reset code.
    func resetAccount(_ account: AccountID, code: String, accountKey: Ed25519.PublicKey) async throws(ClientError) {
        let request = try checked("reset") { try AccountRegistration(inviteCode: Array(code.utf8), accountKey: accountKey) }
        _ = try await call(.POST, "/v1/accounts/\(account)/reset", body: request.serialized())
    }

    func registerDevice(_ registration: DeviceRegistration) async throws(ClientError) {
        _ = try await call(.PUT, "/v1/devices", body: registration.serialized())
    }

    func publishEnvelopeKey(_ key: SignedEnvelopeKey, authorization: String) async throws(ClientError) {
        _ = try await call(.PUT, "/v1/keys/envelope", body: key.serialized(), authorization: authorization)
    }

    func publishPrekeys(_ upload: PrekeyUpload, authorization: String) async throws(ClientError) {
        _ = try await call(.PUT, "/v1/keys/prekeys", body: upload.serialized(), authorization: authorization)
    }

    func prekeyCounts(authorization: String) async throws(ClientError) -> PrekeyCounts {
        let bytes = try await call(.GET, "/v1/keys/counts", authorization: authorization)
        return try checked("prekey counts") { try PrekeyCounts(serialized: bytes) }
    }

    func setAccess(_ settings: AccessSettings, authorization: String) async throws(ClientError) {
        _ = try await call(.PUT, "/v1/access", body: settings.serialized(), authorization: authorization)
    }

    func setUserName(_ name: UserName, authorization: String) async throws(ClientError) {
        _ = try await call(.PUT, "/v1/username", body: name.serialized(), authorization: authorization)
    }

    /// The account of a user name; ``ClientError/unknownUser(_:)`` for none.
    func lookUp(_ name: UserName) async throws(ClientError) -> AccountID {
        let bytes: [UInt8]
        do {
            bytes = try await call(.GET, "/v1/usernames/\(name.value)")
        } catch {
            if case .relay(404, _, _, _) = error { throw .unknownUser(name.value) }
            throw error
        }
        return try checked("user name answer") {
            var reader = ByteReader(bytes, structure: "user name answer")
            try reader.version(1)
            let id = try AccountID(rawRepresentation: try reader.raw(AccountID.byteCount))
            try reader.finish()
            return id
        }
    }

    func accountDevices(_ account: AccountID) async throws(ClientError) -> AccountDevices {
        let bytes = try await call(.GET, "/v1/accounts/\(account)/devices")
        return try checked("account devices") { try AccountDevices(serialized: bytes) }
    }

    func bundle(_ address: DeviceAddress) async throws(ClientError) -> PrekeyBundle {
        let bytes = try await call(.GET, "/v1/accounts/\(address.accountID)/devices/\(address.deviceID)/bundle")
        return try checked("prekey bundle") { try PrekeyBundle(serialized: bytes) }
    }

    func senderCertificate(authorization: String) async throws(ClientError) -> SenderCertificate {
        let bytes = try await call(.GET, "/v1/certificate", authorization: authorization)
        return try checked("sender certificate") { try SenderCertificate(serialized: bytes) }
    }

    /// Sealed send, on the connection pool that never carries a credential. `omitting` names
    /// this device when the upload goes to its own account's other devices (a sync transcript).
    func send(_ upload: EnvelopeUpload, omitting: DeviceID? = nil) async throws(ClientError) {
        _ = try await call(.POST, "/v1/messages" + (omitting.map { "?omit=\($0)" } ?? ""), body: upload.serialized(), sealedSend: true)
    }

    /// The HTTP fallback of receive: envelopes after `sequence`.
    func pending(after sequence: UInt64, authorization: String) async throws(ClientError) -> [MailboxDelivery] {
        let bytes = try await call(.GET, "/v1/messages?after=\(sequence)&limit=100", authorization: authorization)
        return try checked("pending envelopes") {
            var reader = ByteReader(bytes, structure: "pending envelopes")
            try reader.version(1)
            var deliveries: [MailboxDelivery] = []
            for _ in 0..<Int(try reader.u16()) { deliveries.append(try MailboxDelivery(serialized: try reader.lp32("delivery", maximum: 8 << 20))) }
            try reader.finish()
            return deliveries
        }
    }

    /// Writes a provisioning slot (`Spec/relay.md`, "Provisioning"), on the pool without
    /// credentials: nothing ties the channel to an account.
    func putProvisioning(channel: [UInt8], slot: Int, body: [UInt8]) async throws(ClientError) {
        _ = try await call(.PUT, "/v1/provisioning/\(Hex.encode(channel))/\(slot)", body: body, sealedSend: true)
    }

    /// Waits for a provisioning slot until `deadline` (each request waits up to 20 s at the relay).
    /// - Throws: ``ClientError/linkTimedOut`` once the deadline passes.
    func awaitProvisioning(channel: [UInt8], slot: Int, deadline: ContinuousClock.Instant) async throws(ClientError) -> [UInt8] {
        while ContinuousClock.now < deadline {
            let seconds = max(1, min(20, Int((deadline - ContinuousClock.now).components.seconds)))
            do {
                return try await call(.GET, "/v1/provisioning/\(Hex.encode(channel))/\(slot)?wait=\(seconds)", sealedSend: true)
            } catch {
                guard case .relay(404, _, _, _) = error else { throw error }
            }
        }
        throw .linkTimedOut
    }

    func acknowledge(_ sequences: [UInt64], authorization: String) async throws(ClientError) {
        let body = try checked("acknowledgement") { try Acknowledgement(sequences: sequences).serialized() }
        _ = try await call(.POST, "/v1/messages/acknowledge", body: body, authorization: authorization)
    }
}
