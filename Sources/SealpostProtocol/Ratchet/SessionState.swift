import SealpostCrypto
import SealpostWire

/// One Double Ratchet session with one device of another account (`Spec/ratchet.md`).
///
/// A value: ``encrypt(_:now:randomness:)`` and ``decrypt(_:now:randomness:)`` return the new state
/// beside their result and never change this one, so a caller commits the new state together with
/// what it produced (the outbox record, the decrypted message) or drops both.
public struct SessionState: Sendable {
    /// A receiving chain: the peer's ratchet key, its chain key and the next message number.
    struct ReceivingChain: Sendable {
        let remoteKey: X25519.PublicKey
        var chainKey: SecretBytes
        var counter: UInt32
    }

    /// A message key kept for a message not yet received.
    struct SkippedKey: Sendable {
        let remoteKey: X25519.PublicKey
        let counter: UInt32
        let messageKey: SecretBytes
        let storedAt: UInt64
    }

    /// The other side.
    public let peer: PeerIdentity
    /// The handshake's associated data, authenticated by every message.
    public let associatedData: [UInt8]
    /// The handshake's base key `EK_A`: how a responder finds this session for initial messages.
    public let baseKey: X25519.PublicKey
    var rootKey: SecretBytes
    var sendingKey: X25519.PrivateKey
    var sendingChainKey: SecretBytes
    var sendingCounter: UInt32
    var previousCounter: UInt32
    var receivingChains: [ReceivingChain]
    var skippedKeys: [SkippedKey]
    /// Ratchet keys of receiving chains dropped for ``Limits/maximumReceivingChains``, so a late
    /// message for one fails as ``SessionError/expiredChain`` rather than as a forgery.
    var retiredKeys: [X25519.PublicKey]
    /// The handshake header an initiator repeats until the first reply arrives.
    public internal(set) var pendingInitialMessage: InitialMessage?

    /// The initiator's state after ``Handshake/initiate(identity:accountID:accountKey:deviceList:bundle:pinned:now:randomness:)``:
    /// the responder's signed prekey is the first remote ratchet key, and the handshake's chain key
    /// its sending chain; the initiator ratchets once to its own first sending chain.
    public init(initiator result: Handshake.InitiatorResult, randomness: inout some RatchetRandomness) throws(SessionError) {
        try self.init(
            initiatorRootKey: result.secret.rootKey, chainKey: result.secret.chainKey, associatedData: result.secret.associatedData,
            baseKey: result.message.baseKey, peer: result.peer, signedPrekey: result.signedPrekey, randomness: &randomness)
        pendingInitialMessage = result.message
    }

    /// The responder's state after ``Handshake/respond(to:identity:initiatorDeviceList:pinned:prekeys:now:)``:
    /// its signed prekey is its first ratchet key and the handshake's chain key its sending chain.
    public init(responder result: Handshake.ResponderResult, baseKey: X25519.PublicKey, signedPrekey: X25519.PrivateKey) {
        self.init(
            responderRootKey: result.secret.rootKey, chainKey: result.secret.chainKey, associatedData: result.secret.associatedData,
            baseKey: baseKey, peer: result.peer, signedPrekey: signedPrekey)
    }

    /// The initiator's state from the handshake's raw outputs; the public initializer and the
    /// vectors both go through it (`package` access).
    package init(
        initiatorRootKey: SecretBytes, chainKey: SecretBytes, associatedData: [UInt8], baseKey: X25519.PublicKey, peer: PeerIdentity,
        signedPrekey: X25519.PublicKey, randomness: inout some RatchetRandomness
    ) throws(SessionError) {
        let ratchet = randomness.ratchetKey()
        let dh: SharedSecret
        do { dh = try ratchet.sharedSecret(with: signedPrekey) } catch { throw .malformed(.invalidValue(field: "signed prekey", reason: "low-order key")) }
        let (root, chain) = RatchetKDF.root(initiatorRootKey, dh)
        self.peer = peer
        self.associatedData = associatedData
        self.baseKey = baseKey
        rootKey = root
        sendingKey = ratchet
        sendingChainKey = chain
        sendingCounter = 0
        previousCounter = 0
        receivingChains = [ReceivingChain(remoteKey: signedPrekey, chainKey: chainKey, counter: 0)]
        skippedKeys = []
        retiredKeys = []
        pendingInitialMessage = nil
    }

    /// The responder's state from the handshake's raw outputs; the public initializer and the
    /// vectors both go through it (`package` access).
    package init(
        responderRootKey: SecretBytes, chainKey: SecretBytes, associatedData: [UInt8], baseKey: X25519.PublicKey, peer: PeerIdentity,
        signedPrekey: X25519.PrivateKey
    ) {
        self.peer = peer
        self.associatedData = associatedData
        self.baseKey = baseKey
        rootKey = responderRootKey
        sendingKey = signedPrekey
        sendingChainKey = chainKey
        sendingCounter = 0
        previousCounter = 0
        receivingChains = []
        skippedKeys = []
        retiredKeys = []
        pendingInitialMessage = nil
    }

    /// The current root key (vectors only).
    package var currentRootKey: SecretBytes { rootKey }
    /// The current sending chain key (vectors only).
    package var currentSendingChainKey: SecretBytes { sendingChainKey }

    // MARK: Sending

    /// An encrypted message and the state to commit with it.
    public struct Sent: Sendable {
        /// The state after sending: commit it together with ``message`` (the outbox record)
        /// before the message leaves the device.
        public let state: SessionState
        /// The message to send, and to resend unchanged after a crash.
        public let message: SessionMessage
    }

    /// Encrypts `plaintext` under the next message key.
    /// - Throws: ``SessionError/malformed(_:)`` if the plaintext exceeds the bound.
    public func encrypt(_ plaintext: [UInt8], now: UInt64, randomness: inout some RatchetRandomness) throws(SessionError) -> Sent {
        guard plaintext.count <= RatchetMessage.maximumPlaintextBytes else {
            throw .malformed(.lengthOutOfBounds(field: "plaintext", maximum: RatchetMessage.maximumPlaintextBytes, got: plaintext.count))
        }
        // A chain of 2^32 messages would repeat N; it never happens, and is refused if it did.
        guard sendingCounter < UInt32.max else { throw .chainExhausted }
        var next = self
        next.evictSkippedKeys(now: now)
        let (messageKey, chainKey) = RatchetKDF.chain(sendingChainKey)
        next.sendingChainKey = chainKey
        next.sendingCounter = sendingCounter + 1
        let header = RatchetMessage.header(ratchetKey: sendingKey.publicKey, previousChainLength: previousCounter, messageNumber: sendingCounter)
        let nonce = randomness.nonce()
        let ciphertext = XChaCha20Poly1305.seal(
            plaintext, using: RatchetKDF.aeadKey(messageKey), nonce: nonce, authenticating: associatedData + [RatchetMessage.version] + header)
        let message: RatchetMessage
        do {
            message = try RatchetMessage(
                ratchetKey: sendingKey.publicKey, previousChainLength: previousCounter, messageNumber: sendingCounter, nonce: nonce, ciphertext: ciphertext)
        } catch {
            throw .malformed(error)
        }
        return Sent(state: next, message: pendingInitialMessage.map { .initial($0, message) } ?? .ratchet(message))
    }

    // MARK: Receiving

    /// A decrypted message and the state to commit with it.
    public struct Received: Sendable {
        /// The state after receiving: commit it together with ``plaintext``.
        public let state: SessionState
        /// The message.
        public let plaintext: [UInt8]
    }

    /// Decrypts a ratchet message.
    ///
    /// - Throws: ``SessionError``; a failure leaves this state as it was.
    public func decrypt(_ message: RatchetMessage, now: UInt64, randomness: inout some RatchetRandomness) throws(SessionError) -> Received {
        var next = self
        next.evictSkippedKeys(now: now)
        let messageKey = try next.messageKey(for: message, now: now, randomness: &randomness)
        let ad = associatedData + [RatchetMessage.version] + message.header
        guard let plaintext = try? XChaCha20Poly1305.open(message.ciphertext, using: RatchetKDF.aeadKey(messageKey), nonce: message.nonce, authenticating: ad) else {
            throw .authenticationFailed
        }
        // A reply authenticated: the peer has the session, so the handshake header can stop.
        next.pendingInitialMessage = nil
        return Received(state: next, plaintext: plaintext)
    }

    /// Finds or derives the message key for `message`, advancing chains as needed.
    private mutating func messageKey(for message: RatchetMessage, now: UInt64, randomness: inout some RatchetRandomness) throws(SessionError) -> SecretBytes {
        if let index = skippedKeys.firstIndex(where: { $0.remoteKey == message.ratchetKey && $0.counter == message.messageNumber }) {
            return skippedKeys.remove(at: index).messageKey
        }
        if let index = receivingChains.firstIndex(where: { $0.remoteKey == message.ratchetKey }) {
            return try advance(chain: index, to: message.messageNumber, now: now)
        }
        guard !retiredKeys.contains(message.ratchetKey) else { throw .expiredChain }
        // A new chain starts at 0: refuse a jump beyond the window before any DH or skipping, so a
        // forged header costs little.
        guard Int(message.messageNumber) <= Limits.maximumForwardJump else { throw .tooFarAhead(jump: Int(message.messageNumber)) }
        // A new ratchet key from the peer: finish the current chain up to PN, then step the ratchet.
        if var current = receivingChains.last, message.previousChainLength > current.counter {
            let jump = Int(message.previousChainLength) - Int(current.counter)
            guard jump <= Limits.maximumForwardJump else { throw .tooFarAhead(jump: jump) }
            skip(&current, until: message.previousChainLength, now: now)
            receivingChains[receivingChains.count - 1] = current
        }
        let received: SharedSecret
        do { received = try sendingKey.sharedSecret(with: message.ratchetKey) } catch { throw .authenticationFailed }
        let (root, receivingChainKey) = RatchetKDF.root(rootKey, received)
        receivingChains.append(ReceivingChain(remoteKey: message.ratchetKey, chainKey: receivingChainKey, counter: 0))
        if receivingChains.count > Limits.maximumReceivingChains {
            retiredKeys.append(receivingChains.removeFirst().remoteKey)
            if retiredKeys.count > Self.maximumRetiredKeys { retiredKeys.removeFirst() }
        }
        let newKey = randomness.ratchetKey()
        let sent: SharedSecret
        do { sent = try newKey.sharedSecret(with: message.ratchetKey) } catch { throw .authenticationFailed }
        let (nextRoot, sendingChain) = RatchetKDF.root(root, sent)
        rootKey = nextRoot
        previousCounter = sendingCounter
        sendingCounter = 0
        sendingKey = newKey
        sendingChainKey = sendingChain
        return try advance(chain: receivingChains.count - 1, to: message.messageNumber, now: now)
    }

    /// Steps receiving chain `index` to message `number`, keeping the keys it skips.
    private mutating func advance(chain index: Int, to number: UInt32, now: UInt64) throws(SessionError) -> SecretBytes {
        var chain = receivingChains[index]
        guard number >= chain.counter else { throw .duplicate }
        guard number < UInt32.max else { throw .chainExhausted }
        let jump = Int(number) - Int(chain.counter)
        guard jump <= Limits.maximumForwardJump else { throw .tooFarAhead(jump: jump) }
        skip(&chain, until: number, now: now)
        let (messageKey, next) = RatchetKDF.chain(chain.chainKey)
        chain.chainKey = next
        chain.counter = number + 1
        receivingChains[index] = chain
        return messageKey
    }

    private mutating func skip(_ chain: inout ReceivingChain, until number: UInt32, now: UInt64) {
        while chain.counter < number {
            let (messageKey, next) = RatchetKDF.chain(chain.chainKey)
            skippedKeys.append(SkippedKey(remoteKey: chain.remoteKey, counter: chain.counter, messageKey: messageKey, storedAt: now))
            chain.chainKey = next
            chain.counter += 1
        }
        if skippedKeys.count > Limits.maximumSkippedKeys { skippedKeys.removeFirst(skippedKeys.count - Limits.maximumSkippedKeys) }
    }

    private mutating func evictSkippedKeys(now: UInt64) {
        skippedKeys.removeAll { now > $0.storedAt && now - $0.storedAt > Limits.skippedKeyLifetime }
    }

    /// How many dropped chains' keys are remembered.
    static let maximumRetiredKeys = 40
}
