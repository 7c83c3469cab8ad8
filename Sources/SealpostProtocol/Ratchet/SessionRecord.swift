import SealpostCrypto
import SealpostWire

/// Everything a device keeps for one peer device: the current session state and a bounded list of
/// earlier ones (libsignal's rule, `Spec/ratchet.md`, "Session records").
///
/// Decryption tries the current state, then the earlier ones in order; the state that decrypts
/// becomes current. This is how two devices that start sessions with each other at the same time
/// converge: each keeps both sessions until one of them carries traffic both ways.
public struct SessionRecord: Sendable {
    /// The state new messages are encrypted with.
    public internal(set) var current: SessionState?
    /// Earlier states, most recent first, at most ``Limits/maximumPreviousStates``.
    public internal(set) var previous: [SessionState]

    /// An empty record: no session yet.
    public init() {
        current = nil
        previous = []
    }

    /// Makes `state` current, keeping the old current one as the most recent earlier state.
    public mutating func promote(_ state: SessionState) {
        if let current { previous.insert(current, at: 0) }
        current = state
        if previous.count > Limits.maximumPreviousStates { previous.removeLast(previous.count - Limits.maximumPreviousStates) }
    }

    /// Whether some state of this record was started with `baseKey`.
    public func hasSession(baseKey: X25519.PublicKey) -> Bool {
        current?.baseKey == baseKey || previous.contains { $0.baseKey == baseKey }
    }

    /// An encrypted message and the record to commit with it.
    public struct Sent: Sendable {
        /// Commit it together with ``message`` (the outbox record) before sending.
        public let record: SessionRecord
        /// The message; resend it unchanged after a crash.
        public let message: SessionMessage
    }

    /// Encrypts with the current state.
    /// - Throws: ``SessionError/noSession`` when there is none.
    public func encrypt(_ plaintext: [UInt8], now: UInt64, randomness: inout some RatchetRandomness) throws(SessionError) -> Sent {
        guard let current else { throw .noSession }
        let sent = try current.encrypt(plaintext, now: now, randomness: &randomness)
        var next = self
        next.current = sent.state
        return Sent(record: next, message: sent.message)
    }

    /// A decrypted message and the record to commit with it.
    public struct Received: Sendable {
        /// Commit it together with ``plaintext`` (and, for a new session, the prekey changes).
        public let record: SessionRecord
        /// The message.
        public let plaintext: [UInt8]
        /// The device the message authenticated as: the peer of the state that decrypted it. A
        /// caller compares it with its pin; a message from an earlier state whose peer is no longer
        /// trusted (after an accepted account-key change) must not be shown as the current peer's.
        public let peer: PeerIdentity
        /// Set when the message started a new session: the handshake to commit (prekey deletions,
        /// the pin) and show (a changed account key).
        public let handshake: Handshake.ResponderResult?
    }

    /// Decrypts a message of a session this record has.
    ///
    /// An initial message whose base key belongs to one of the states is decrypted in that state
    /// only: its ratchet counter alone decides whether it is a duplicate. A ratchet message is
    /// tried on every state, current first.
    /// - Throws: ``SessionError/noSession`` if no state holds the session (for an initial message,
    ///   start it with ``receive(_:identity:prekeys:initiatorDeviceList:pinned:now:randomness:)``).
    public func decrypt(_ message: SessionMessage, now: UInt64, randomness: inout some RatchetRandomness) throws(SessionError) -> Received {
        let states = (current.map { [$0] } ?? []) + previous
        let candidates: [Int]
        switch message {
        case .initial(let header, _):
            candidates = states.indices.filter { states[$0].baseKey == header.baseKey }
        case .ratchet:
            candidates = Array(states.indices)
        }
        guard !candidates.isEmpty else { throw .noSession }
        var failures: [SessionError] = []
        for index in candidates {
            do {
                let received = try states[index].decrypt(message.ratchetMessage, now: now, randomness: &randomness)
                var next = self
                if index == 0, current != nil {
                    next.current = received.state
                } else {
                    next.previous.remove(at: current == nil ? index : index - 1)
                    next.promote(received.state)
                }
                return Received(record: next, plaintext: received.plaintext, peer: received.state.peer, handshake: nil)
            } catch {
                failures.append(error)
            }
        }
        // The most telling reason: a replay beats a failed tag from another state.
        for preferred: SessionError in [.duplicate, .expiredChain] where failures.contains(preferred) { throw preferred }
        if let jump = failures.first(where: { if case .tooFarAhead = $0 { true } else { false } }) { throw jump }
        throw .authenticationFailed
    }

    /// Receives any session message: an existing session's, or an initial message that starts one.
    ///
    /// For an initial message whose base key no state knows, runs the responder's handshake
    /// (``Handshake/respond(to:identity:initiatorDeviceList:pinned:prekeys:now:)``), builds the new
    /// state and decrypts the ratchet message in it. Nothing is committed: the result carries the
    /// new record and the handshake's prekey changes and pin, to store together with the plaintext.
    ///
    /// - Parameter initiatorDeviceList: The initiator account's signed device list, if the caller
    ///   has it; without it a new session cannot start (``SessionError/deviceListNeeded(_:)``).
    public func receive(
        _ message: SessionMessage, identity: DeviceIdentity, prekeys: some ResponderPrekeys, initiatorDeviceList: DeviceList?,
        pinned: AccountPin?, now: UInt64, randomness: inout some RatchetRandomness
    ) throws(SessionError) -> Received {
        guard case .initial(let header, let ratchetMessage) = message, !hasSession(baseKey: header.baseKey) else {
            return try decrypt(message, now: now, randomness: &randomness)
        }
        guard let initiatorDeviceList else { throw .deviceListNeeded(header.initiatorCertificate.accountID) }
        let result: Handshake.ResponderResult
        do {
            result = try Handshake.respond(
                to: header, identity: identity, initiatorDeviceList: initiatorDeviceList, pinned: pinned, prekeys: prekeys, now: now)
        } catch {
            throw .handshake(error)
        }
        guard let signed = prekeys.signedPrekey(id: header.signedPrekeyID) else {
            throw .handshake(.unknownPrekey(kind: "signed prekey", id: header.signedPrekeyID))
        }
        let state = SessionState(responder: result, baseKey: header.baseKey, signedPrekey: signed.privateKey)
        let received = try state.decrypt(ratchetMessage, now: now, randomness: &randomness)
        var next = self
        next.promote(received.state)
        return Received(record: next, plaintext: received.plaintext, peer: result.peer, handshake: result)
    }
}
