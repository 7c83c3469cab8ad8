import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// A Double Ratchet conversation rebuilt from a vector (`Spec/vectors.md`, "Ratchet vectors"):
/// both sides start from the handshake's outputs (`rootKey`, `chainKey`, `associatedData`,
/// `baseKey`, Bob's `signedPrekeyPrivate`) and draw their ratchet keys and nonces, in order, from
/// `aliceRatchetKeys`, `bobRatchetKeys`, `aliceNonces` and `bobNonces`.
struct RatchetScenario {
    /// One step of the script, with what it produced or must produce.
    struct Step {
        var action: String  // "send" or "deliver"
        var party: String  // who sends, or who receives
        var plaintext: [UInt8]
        var index: Int  // deliver: which step's message
        var outputs: [String: JSONValue] = [:]
    }

    var alice: SessionState
    var bob: SessionState
    var aliceRandom: RecordedRatchetRandomness
    var bobRandom: RecordedRatchetRandomness
    let now: UInt64 = 1_790_000_000

    static let peer = PeerIdentity(
        accountID: try! AccountID(rawRepresentation: [UInt8](repeating: 1, count: 16)),
        accountKey: try! Ed25519.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 31) + [1]),
        deviceID: try! DeviceID(1), deviceKey: try! Ed25519.PublicKey(rawRepresentation: [UInt8](repeating: 0, count: 31) + [2]))

    init(_ fields: JSONFields) throws {
        func keys(_ name: String) throws -> [X25519.PrivateKey] {
            try fields.hexes(name).map { try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: $0)) }
        }
        func nonces(_ name: String) throws -> [XChaCha20Poly1305.Nonce] {
            try fields.hexes(name).map { try XChaCha20Poly1305.Nonce(rawRepresentation: $0) }
        }
        aliceRandom = RecordedRatchetRandomness(ratchetKeys: try keys("aliceRatchetKeys"), nonces: try nonces("aliceNonces"))
        bobRandom = RecordedRatchetRandomness(ratchetKeys: try keys("bobRatchetKeys"), nonces: try nonces("bobNonces"))
        let ad = try fields.hex("associatedData")
        let root = SecretBytes(copying: try fields.hex("rootKey"))
        let chain = SecretBytes(copying: try fields.hex("chainKey"))
        let baseKey = try X25519.PublicKey(rawRepresentation: try fields.hex("baseKey"))
        let signed = try X25519.PrivateKey(rawRepresentation: SecretBytes(copying: try fields.hex("signedPrekeyPrivate")))
        alice = try SessionState(
            initiatorRootKey: root, chainKey: chain, associatedData: ad, baseKey: baseKey, peer: Self.peer, signedPrekey: signed.publicKey,
            randomness: &aliceRandom)
        bob = SessionState(
            responderRootKey: root, chainKey: chain, associatedData: (try fields.optionalHex("bobAssociatedData")) ?? ad, baseKey: baseKey,
            peer: Self.peer, signedPrekey: signed)
    }

    static func steps(_ fields: JSONFields) throws -> [Step] {
        guard case .array(let items)? = fields.values["steps"] else { return [] }
        var steps: [Step] = []
        for item in items {
            guard case .object(let object) = item else { throw CheckFailure("a step is not an object") }
            let step = JSONFields(object, location: "\(fields.location), step \(steps.count)")
            steps.append(Step(
                action: try step.string("action"), party: try step.string("party"),
                plaintext: (try step.optionalHex("plaintext")) ?? [], index: step.has("index") ? try step.int("index") : -1, outputs: object))
        }
        return steps
    }

    /// Runs `steps`, filling each step's outputs; `sent` collects every message sent, by step.
    mutating func run(_ steps: inout [Step]) throws {
        var sent: [Int: RatchetMessage] = [:]
        for index in steps.indices {
            var step = steps[index]
            let fromAlice = step.party == "alice"
            if step.action == "send" {
                let state = fromAlice ? alice : bob
                let chainBefore = state.currentSendingChainKey
                let messageKey = HMACSHA256.authenticationCode(for: [0x01], using: chainBefore)
                let aeadKey = try HKDFSHA256.deriveKey(
                    inputKeyMaterial: messageKey, salt: [], info: Array("sealpost/ratchet/message-key/v1".utf8), outputByteCount: 32)
                let result = fromAlice
                    ? try state.encrypt(step.plaintext, now: now, randomness: &aliceRandom)
                    : try state.encrypt(step.plaintext, now: now, randomness: &bobRandom)
                if fromAlice { alice = result.state } else { bob = result.state }
                let message = result.message.ratchetMessage
                sent[index] = message
                step.outputs["chainKey"] = .string(chainBefore.withUnsafeBytes { Hex.encode($0) })
                step.outputs["messageKey"] = .string(messageKey.withUnsafeBytes { Hex.encode($0) })
                step.outputs["aeadKey"] = .string(aeadKey.withUnsafeBytes { Hex.encode($0) })
                step.outputs["nonce"] = .string(Hex.encode(message.nonce.rawRepresentation))
                step.outputs["header"] = .string(Hex.encode(message.header))
                step.outputs["message"] = .string(Hex.encode(message.serialized()))
                step.outputs["rootKey"] = .string(result.state.currentRootKey.withUnsafeBytes { Hex.encode($0) })
            } else {
                guard let message = sent[step.index] else { throw CheckFailure("step \(index) delivers an unknown message \(step.index)") }
                let state = fromAlice ? alice : bob
                let received = fromAlice
                    ? try state.decrypt(message, now: now, randomness: &aliceRandom)
                    : try state.decrypt(message, now: now, randomness: &bobRandom)
                if fromAlice { alice = received.state } else { bob = received.state }
                step.outputs["plaintext"] = .string(Hex.encode(received.plaintext))
                step.outputs["rootKey"] = .string(received.state.currentRootKey.withUnsafeBytes { Hex.encode($0) })
            }
            steps[index] = step
        }
        guard !aliceRandom.exhausted, !bobRandom.exhausted else { throw CheckFailure("the vector records too few ratchet keys or nonces") }
    }

    /// Delivers one more message to `party`.
    mutating func deliver(_ message: RatchetMessage, to party: String) throws {
        if party == "alice" {
            alice = try alice.decrypt(message, now: now, randomness: &aliceRandom).state
        } else {
            bob = try bob.decrypt(message, now: now, randomness: &bobRandom).state
        }
    }
}
