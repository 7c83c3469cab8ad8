import CSodiumDirect
import Foundation
import SealpostCrypto
import SealpostProtocol
import SealpostWire

/// The ratchet's hot paths, each beside its floor: the HMAC, HKDF, AEAD and X25519 calls it cannot
/// avoid, made directly.
public enum RatchetWorkloads {
    static let now = HandshakeWorkloads.now

    /// Alice and Bob mid-conversation: both have sent and received, and Bob is on Alice's current
    /// sending chain, so her next message costs no DH step.
    struct Sessions {
        var alice: SessionState
        var bob: SessionState

        init() {
            let aliceParty = HandshakeWorkloads.Party()
            let bobParty = HandshakeWorkloads.Party()
            var handshakeRandom = SystemHandshakeRandomness()
            var random = SystemRatchetRandomness()
            let bundle = bobParty.bundle
            let initiated = try! Handshake.initiate(
                identity: aliceParty.identity, accountID: bobParty.accountID, accountKey: bobParty.accountKey.publicKey,
                deviceList: bobParty.list, bundle: bundle, pinned: nil, now: now, randomness: &handshakeRandom)
            var alice = try! SessionState(initiator: initiated, randomness: &random)
            let first = try! alice.encrypt([1], now: now, randomness: &random)
            alice = first.state
            var bobRecord = SessionRecord()
            let received = try! bobRecord.receive(
                first.message, identity: bobParty.identity, prekeys: bobParty.prekeys, initiatorDeviceList: aliceParty.list, pinned: nil,
                now: now, randomness: &random)
            bobRecord = received.record
            var bob = bobRecord.current!
            let reply = try! bob.encrypt([2], now: now, randomness: &random)
            bob = reply.state
            alice = try! alice.decrypt(reply.message.ratchetMessage, now: now, randomness: &random).state
            // Alice's next message opens her new chain at Bob: after it, both are mid-chain.
            let next = try! alice.encrypt([3], now: now, randomness: &random)
            alice = next.state
            bob = try! bob.decrypt(next.message.ratchetMessage, now: now, randomness: &random).state
            self.alice = alice
            self.bob = bob
        }
    }

    static func all() -> [Workload] {
        let sessions = Sessions()
        var workloads: [Workload] = []
        let key = AEADKey.generate()
        let rawKey = key.rawRepresentation.withUnsafeBytes { Array($0) }
        let chainKey = SecretBytes.random(count: 32).withUnsafeBytes { Array($0) }
        let nonce = [UInt8](repeating: 9, count: 24)
        let ad = [UInt8](repeating: 7, count: 172 + 41)
        let info = Array("sealpost/ratchet/message-key/v1".utf8)
        let rootInfo = Array("sealpost/ratchet/root/v1".utf8)

        /// The chain step and the message key's AEAD key: three HMAC-SHA-256 for KDF_CK, and the
        /// HKDF (extract and one expand block).
        @Sendable func keyFloor() -> [UInt8] {
            var state = crypto_auth_hmacsha256_state()
            var messageKey = [UInt8](repeating: 0, count: 32)
            var next = [UInt8](repeating: 0, count: 32)
            var one: UInt8 = 1
            var two: UInt8 = 2
            _ = crypto_auth_hmacsha256_init(&state, chainKey, 32)
            _ = crypto_auth_hmacsha256_update(&state, &one, 1)
            _ = crypto_auth_hmacsha256_final(&state, &messageKey)
            _ = crypto_auth_hmacsha256_init(&state, chainKey, 32)
            _ = crypto_auth_hmacsha256_update(&state, &two, 1)
            _ = crypto_auth_hmacsha256_final(&state, &next)
            consume(next)
            var prk = [UInt8](repeating: 0, count: 32)
            let zero = [UInt8](repeating: 0, count: 32)
            _ = crypto_auth_hmacsha256_init(&state, zero, 32)
            _ = crypto_auth_hmacsha256_update(&state, messageKey, 32)
            _ = crypto_auth_hmacsha256_final(&state, &prk)
            var okm = [UInt8](repeating: 0, count: 32)
            var counter: UInt8 = 1
            _ = crypto_auth_hmacsha256_init(&state, prk, 32)
            _ = crypto_auth_hmacsha256_update(&state, info, UInt64(info.count))
            _ = crypto_auth_hmacsha256_update(&state, &counter, 1)
            _ = crypto_auth_hmacsha256_final(&state, &okm)
            return okm
        }

        /// KDF_RK: HKDF with the root key as salt, 64 bytes (extract and two expand blocks).
        @Sendable func rootFloor(_ dh: [UInt8]) {
            var state = crypto_auth_hmacsha256_state()
            var prk = [UInt8](repeating: 0, count: 32)
            _ = crypto_auth_hmacsha256_init(&state, chainKey, 32)
            _ = crypto_auth_hmacsha256_update(&state, dh, 32)
            _ = crypto_auth_hmacsha256_final(&state, &prk)
            var okm = [UInt8](repeating: 0, count: 64)
            var counter: UInt8 = 1
            okm.withUnsafeMutableBufferPointer { out in
                _ = crypto_auth_hmacsha256_init(&state, prk, 32)
                _ = crypto_auth_hmacsha256_update(&state, rootInfo, UInt64(rootInfo.count))
                _ = crypto_auth_hmacsha256_update(&state, &counter, 1)
                _ = crypto_auth_hmacsha256_final(&state, out.baseAddress!)
                counter = 2
                _ = crypto_auth_hmacsha256_init(&state, prk, 32)
                _ = crypto_auth_hmacsha256_update(&state, out.baseAddress!, 32)
                _ = crypto_auth_hmacsha256_update(&state, rootInfo, UInt64(rootInfo.count))
                _ = crypto_auth_hmacsha256_update(&state, &counter, 1)
                _ = crypto_auth_hmacsha256_final(&state, out.baseAddress! + 32)
            }
            consume(okm)
        }

        let points = (0..<2).map { _ in X25519.PrivateKey.generate().publicKey.rawRepresentation }
        let scalar = X25519.PrivateKey.generate().rawRepresentation.withUnsafeBytes { Array($0) }

        for (label, size) in [("100B", 100), ("1KiB", 1024), ("64KiB", 65_536)] {
            let plaintext = [UInt8](repeating: 0x61, count: size)
            var random = SystemRatchetRandomness()
            // One-way: Alice's next message on her current chain, and Bob receiving it.
            let sent = try! sessions.alice.encrypt(plaintext, now: now, randomness: &random)
            let oneWay = sent.message.ratchetMessage
            let sealedFloor = [UInt8](unsafeUninitializedCapacity: size + 16) { buffer, count in
                var written: UInt64 = 0
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(buffer.baseAddress!, &written, plaintext, UInt64(size), ad, UInt64(ad.count), nil, nonce, rawKey)
                count = size + 16
            }
            let alice = sessions.alice
            let bob = sessions.bob
            workloads.append(Workload(
                name: "ratchet-encrypt-\(label)",
                wrapper: {
                    var random = SystemRatchetRandomness()
                    consume(try? alice.encrypt(plaintext, now: now, randomness: &random))
                },
                direct: {
                    consume(keyFloor())
                    var nonce = [UInt8](repeating: 0, count: 24)
                    randombytes_buf(&nonce, 24)
                    consume(output(size + 16) { out in
                        var written: UInt64 = 0
                        _ = crypto_aead_xchacha20poly1305_ietf_encrypt(out, &written, plaintext, UInt64(size), ad, UInt64(ad.count), nil, nonce, rawKey)
                    })
                }))
            workloads.append(Workload(
                name: "ratchet-decrypt-\(label)",
                wrapper: {
                    var random = SystemRatchetRandomness()
                    consume(try? bob.decrypt(oneWay, now: now, randomness: &random))
                },
                direct: {
                    consume(keyFloor())
                    consume(output(size) { out in
                        var written: UInt64 = 0
                        _ = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &written, nil, sealedFloor, UInt64(sealedFloor.count), ad, UInt64(ad.count), nonce, rawKey)
                    })
                }))
            // Ping-pong: Bob's reply to that message carries a new ratchet key (he last received),
            // so receiving it takes Alice a DH ratchet step.
            if label == "1KiB" {
                let bobAfter = try! bob.decrypt(oneWay, now: now, randomness: &random).state
                let reply = try! bobAfter.encrypt(plaintext, now: now, randomness: &random).message.ratchetMessage
                let aliceAfter = sent.state
                workloads.append(Workload(
                    name: "ratchet-pingpong-receive-1KiB",
                    wrapper: {
                        var random = SystemRatchetRandomness()
                        consume(try? aliceAfter.decrypt(reply, now: now, randomness: &random))
                    },
                    direct: {
                        // Two DHs, a new ratchet key, two KDF_RK, the chain step, the AEAD.
                        var out = [UInt8](repeating: 0, count: 32)
                        _ = crypto_scalarmult(&out, scalar, points[0])
                        rootFloor(out)
                        var fresh = [UInt8](repeating: 0, count: 32)
                        _ = crypto_scalarmult_base(&fresh, scalar)
                        _ = crypto_scalarmult(&out, scalar, points[1])
                        rootFloor(out)
                        consume(keyFloor())
                        consume(output(size) { out in
                            var written: UInt64 = 0
                            _ = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &written, nil, sealedFloor, UInt64(sealedFloor.count), ad, UInt64(ad.count), nonce, rawKey)
                        })
                    }))
            }
        }
        return workloads
    }

    /// Bytes of a stored session record at a few points of a session's life.
    public static func recordSizes() -> [(String, Int)] {
        var sessions = Sessions()
        var random = SystemRatchetRandomness()
        var sizes: [(String, Int)] = []
        var record = SessionRecord()
        record.promote(sessions.bob)
        sizes.append(("both sides sent and received", record.serialized().count))
        var skipped: [RatchetMessage] = []
        for _ in 0..<100 {
            let sent = try! sessions.alice.encrypt([0], now: now, randomness: &random)
            sessions.alice = sent.state
            skipped.append(sent.message.ratchetMessage)
        }
        let last = skipped.removeLast()
        sessions.bob = try! sessions.bob.decrypt(last, now: now, randomness: &random).state
        record = SessionRecord()
        record.promote(sessions.bob)
        sizes.append(("with 99 skipped message keys", record.serialized().count))
        return sizes
    }
}
