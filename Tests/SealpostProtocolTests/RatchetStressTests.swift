import Testing
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The property that separates a messenger from a demo: through a network that drops, duplicates
/// and reorders, with both devices crashing between any two steps, every delivered message
/// decrypts exactly once and no message key ever protects two different plaintexts.
@Suite("Double Ratchet under loss, reordering, duplication and crashes")
struct RatchetStressTests {
    /// A deterministic generator, so a failure can be replayed (the seed is in the test name).
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct InFlight {
        let bytes: [UInt8]
        let id: Int
        let toBob: Bool
    }

    /// The two devices, the network between them, and what was observed.
    struct Harness {
        var rng: SplitMix
        var c: Conversation
        var network: [InFlight] = []
        var nextID = 0
        var delivered = Set<Int>()  // ids decrypted and committed
        var dropped = Set<Int>()
        var keyUse: [[UInt8]: Int] = [:]  // ratchet key ‖ N → the one id sent under it
        var crashes = 0
        var bobHasSession = false

        init(seed: UInt64) throws {
            rng = SplitMix(state: seed)
            c = try Conversation()
        }

        mutating func crash() -> Bool {
            guard Int.random(in: 0..<100, using: &rng) < 3 else { return false }
            crashes += 1
            return true
        }

        mutating func send(fromAlice: Bool) throws {
            let id = nextID
            let record = fromAlice ? c.aliceRecord : c.bobRecord
            var random = SystemRatchetRandomness()
            let sent = try record.encrypt(Array("message \(id)".utf8), now: c.now, randomness: &random)
            // A crash here, before the commit: nothing was stored, nothing leaves the device.
            if crash() { return }
            if fromAlice { c.aliceRecord = sent.record } else { c.bobRecord = sent.record }
            nextID += 1
            let ratchet = sent.message.ratchetMessage
            let slot = ratchet.ratchetKey.rawRepresentation + ratchet.header.suffix(4)
            #expect(keyUse[slot] == nil, "message key reused for ids \(keyUse[slot] ?? -1) and \(id)")
            keyUse[slot] = id
            network.append(InFlight(bytes: sent.message.serialized(), id: id, toBob: fromAlice))
        }

        mutating func deliver(_ index: Int, keep: Bool) throws {
            let message = network[index]
            if !keep { network.remove(at: index) }
            let parsed = try SessionMessage(serialized: message.bytes)
            var random = SystemRatchetRandomness()
            let outcome: Result<SessionRecord.Received, SessionError>
            if message.toBob {
                let record = c.bobRecord
                outcome = Result { () throws(SessionError) in
                    try record.receive(
                        parsed, identity: c.bob.devices[0].identity, prekeys: c.bob.devices[0].prekeys,
                        initiatorDeviceList: c.alice.deviceList, pinned: nil, now: c.now, randomness: &random)
                }
            } else {
                let record = c.aliceRecord
                outcome = Result { () throws(SessionError) in try record.decrypt(parsed, now: c.now, randomness: &random) }
            }
            switch outcome {
            case .success(let received):
                #expect(String(decoding: received.plaintext, as: UTF8.self) == "message \(message.id)")
                // A crash here, before the commit: the message is processed again later.
                if crash() {
                    if !keep { network.append(message) }
                    return
                }
                #expect(!delivered.contains(message.id), "id \(message.id) decrypted twice")
                delivered.insert(message.id)
                if message.toBob {
                    c.bobRecord = received.record
                    if let handshake = received.handshake { c.bob.devices[0].prekeys.apply(handshake.consumption) }
                    bobHasSession = true
                } else {
                    c.aliceRecord = received.record
                }
            case .failure(.duplicate):
                #expect(delivered.contains(message.id), "id \(message.id) refused as a duplicate but never delivered")
            case .failure(let error):
                Issue.record("id \(message.id) refused: \(error)")
            }
        }

        mutating func run(messages: Int) throws {
            while nextID < messages {
                let roll = Int.random(in: 0..<100, using: &rng)
                let window = min(network.count, 30)
                switch roll {
                case 0..<40: try send(fromAlice: true)
                case 40..<70 where bobHasSession: try send(fromAlice: false)
                case 70..<95 where window > 0:
                    // Mostly in order, sometimes from anywhere in a bounded window.
                    try deliver(Int.random(in: 0..<window, using: &rng), keep: false)
                case 95..<97 where window > 0:
                    dropped.insert(network.remove(at: Int.random(in: 0..<window, using: &rng)).id)
                case 97..<100 where window > 0:
                    try deliver(Int.random(in: 0..<window, using: &rng), keep: true)  // a duplicate stays queued
                default:
                    continue
                }
            }
            while !network.isEmpty { try deliver(0, keep: false) }
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func tenThousandMessages(seed: UInt64) throws {
        var harness = try Harness(seed: seed)
        try harness.run(messages: 10_000)
        // Every message either decrypted (exactly once, checked on the way) or had a copy dropped.
        let missing = Set(0..<harness.nextID).subtracting(harness.delivered)
        #expect(missing.isSubset(of: harness.dropped), "\(missing.subtracting(harness.dropped).count) messages never decrypted")
        #expect(harness.delivered.count > 9_000)
        #expect(harness.crashes > 100)
    }
}
